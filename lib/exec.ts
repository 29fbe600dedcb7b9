/**
 * Running a command with credentials in its environment, as `exec` does:
 * the child inherits stdin, stdout and stderr, gets the signals sent to this
 * process that it would not get otherwise, and its exit status becomes ours.
 *
 * What differs between systems is decided once, by {@linkcode execPlatform}
 * from `Deno.build.os`:
 *
 * - Linux and macOS: SIGINT, SIGTERM and SIGHUP sent to this process are
 *   passed on, except SIGINT while there is a controlling terminal: its
 *   Ctrl-C goes to the whole foreground process group, the child included,
 *   and a second one would make tools such as terraform abort their graceful
 *   shutdown ("Two interrupts received. Exiting immediately."). A child ended
 *   by signal n ends us with 128 + n, as a shell reports it.
 * - Windows: there are no signals to pass on. Ctrl-C and Ctrl-Break (and
 *   closing the console window) reach every process attached to the console,
 *   the child included, so they are listened to (this process must outlive
 *   the child to hand on its exit code) and not sent again; the only thing
 *   Windows could "send" is TerminateProcess, which would rob the child of its
 *   own graceful stop. The child's exit code is ours unchanged, all 32 bits
 *   (a child stopped by Ctrl-C commonly ends with 0xC000013A,
 *   STATUS_CONTROL_C_EXIT, which `%ERRORLEVEL%` shows as -1073741510).
 *   Environment names are matched in any case, as Windows does.
 *
 * @module
 */
import { CommandError, ExitCode } from "./errors.ts";

/** An operating system, as `Deno.build.os` names it. */
export type Os = typeof Deno.build.os;

/** What differs between systems for `exec`, as {@linkcode execPlatform} decides it. */
export interface ExecPlatform {
  /** The system this describes. */
  os: Os;
  /**
   * Signals listened to while the child runs, so that this process waits
   * for the child and ends with its code instead of dying first.
   */
  listened: readonly Deno.Signal[];
  /**
   * Of those, the ones passed on to the child with `kill` (given whether a
   * controlling terminal delivers SIGINT to the child already).
   */
  passedOn(terminal: boolean): readonly Deno.Signal[];
  /** Whether a signal death maps to 128 + n (POSIX shells' rule). */
  signalExitCodes: boolean;
  /** Whether environment variable names are the same in any case. */
  envNamesIgnoreCase: boolean;
}

/**
 * The `exec` behaviour of `os` (default: this system).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { execPlatform } from "./exec.ts";
 * assert.deepEqual(execPlatform("linux").passedOn(false), ["SIGINT", "SIGTERM", "SIGHUP"]);
 * assert.deepEqual(execPlatform("darwin").passedOn(true), ["SIGTERM", "SIGHUP"]);
 * assert.deepEqual(execPlatform("windows").passedOn(true), []);
 * assert.deepEqual(execPlatform("windows").listened, ["SIGINT", "SIGBREAK"]);
 * ```
 */
export function execPlatform(os: Os = Deno.build.os): ExecPlatform {
  if (os === "windows") {
    return {
      os,
      listened: ["SIGINT", "SIGBREAK"],
      passedOn: () => [],
      signalExitCodes: false,
      envNamesIgnoreCase: true,
    };
  }
  const listened: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  return {
    os,
    listened,
    passedOn: (terminal) =>
      terminal ? listened.filter((s) => s !== "SIGINT") : listened,
    signalExitCodes: true,
    envNamesIgnoreCase: false,
  };
}

/**
 * The child's environment: `base` with `set` on top, and the names in
 * `unset` removed (e.g. `AWS_PROFILE`, so that the child does not mix a
 * profile with the credentials it was given). Where the platform matches
 * names in any case (Windows), `Aws_Profile` is removed with `AWS_PROFILE`
 * and a `set` name replaces the base's in whatever case it had.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { childEnv, execPlatform } from "./exec.ts";
 * assert.deepEqual(
 *   childEnv({ PATH: "/bin", AWS_PROFILE: "x" }, { AWS_REGION: "eu-west-1" }, ["AWS_PROFILE"]),
 *   { PATH: "/bin", AWS_REGION: "eu-west-1" },
 * );
 * assert.deepEqual(
 *   childEnv({ Path: "C:\\bin", aws_profile: "x", aws_region: "us-east-1" }, { AWS_REGION: "eu-west-1" }, ["AWS_PROFILE"], execPlatform("windows")),
 *   { Path: "C:\\bin", AWS_REGION: "eu-west-1" },
 * );
 * ```
 */
export function childEnv(
  base: Record<string, string | undefined>,
  set: Record<string, string>,
  unset: readonly string[] = [],
  platform: ExecPlatform = execPlatform(),
): Record<string, string> {
  const key = platform.envNamesIgnoreCase
    ? (name: string) => name.toUpperCase()
    : (name: string) => name;
  const dropped = new Set([...unset, ...Object.keys(set)].map(key));
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !dropped.has(key(name))) env[name] = value;
  }
  return { ...env, ...set };
}

/**
 * The exit code `exec` ends with for a child's `status`: its own code, or on
 * Linux and macOS 128 + n when signal n ended it (Deno reports that already;
 * the rule is kept even where it might not). On Windows the code is passed
 * on unchanged, whatever its size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { execPlatform, exitCodeOf } from "./exec.ts";
 * assert.equal(exitCodeOf({ code: 143, signal: "SIGTERM" }, execPlatform("linux")), 143);
 * assert.equal(exitCodeOf({ code: 0, signal: "SIGTERM" }, execPlatform("darwin")), 143);
 * assert.equal(exitCodeOf({ code: -1073741510, signal: null }, execPlatform("windows")), -1073741510);
 * ```
 */
export function exitCodeOf(
  status: { code: number; signal: Deno.Signal | null },
  platform: ExecPlatform = execPlatform(),
): number {
  if (platform.signalExitCodes && status.signal && status.code < 128) {
    return 128 + signalNumber(status.signal);
  }
  return status.code;
}

/** Options of {@linkcode runCommandWith}, for tests. */
export interface RunCommandWithOptions {
  /** The system's `exec` behaviour (default {@linkcode execPlatform}()). */
  platform?: ExecPlatform;
  /** Whether a controlling terminal delivers Ctrl-C to the child (default: asked of the system). */
  terminal?: boolean;
}

/**
 * Runs `command` with `args` and exactly `env`, passes on the signals the
 * platform says the child would not get otherwise, and returns its exit
 * code ({@linkcode exitCodeOf}). Throws {@linkcode CommandError} with exit
 * 127 when the command is not found and 126 when it cannot be run, as a
 * shell does.
 */
export async function runCommandWith(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  options: RunCommandWithOptions = {},
): Promise<number> {
  const platform = options.platform ?? execPlatform();
  // Listen before spawning, so that a signal that arrives while the child
  // starts is passed on too.
  let child: Deno.ChildProcess | undefined;
  const pending: Deno.Signal[] = [];
  const send = (signal: Deno.Signal) => {
    try {
      child!.kill(signal);
    } catch {
      // The child is gone already.
    }
  };
  const passedOn = platform.passedOn(
    options.terminal ?? hasControllingTerminal(platform),
  );
  const listeners = platform.listened.map((signal) => {
    // Every signal is listened to, so that we wait for the child and end
    // with its code; only those it would not get otherwise are sent on.
    const listener = passedOn.includes(signal)
      ? () => child ? send(signal) : pending.push(signal)
      : () => {};
    try {
      Deno.addSignalListener(signal, listener);
    } catch {
      return undefined; // not supported here
    }
    return () => Deno.removeSignalListener(signal, listener);
  });
  try {
    try {
      child = new Deno.Command(command, {
        args: [...args],
        env,
        clearEnv: true,
        stdin: "inherit",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new CommandError(
          `Command not found: ${command}. Check its name and PATH.`,
          ExitCode.commandNotFound,
          { cause: error },
        );
      }
      throw new CommandError(
        `Cannot run ${command}: ${(error as Error).message}.`,
        ExitCode.commandNotExecutable,
        { cause: error },
      );
    }
    for (const signal of pending) send(signal);
    return exitCodeOf(await child.status, platform);
  } finally {
    for (const remove of listeners) remove?.();
  }
}

/**
 * Whether this process has a controlling terminal (`/dev/tty` opens). Then
 * a SIGINT is taken to be the terminal's Ctrl-C, which the child (in our
 * process group) has had too. Not asked on Windows, where nothing is passed
 * on anyway.
 */
function hasControllingTerminal(platform: ExecPlatform): boolean {
  if (platform.os === "windows") return true;
  try {
    Deno.openSync("/dev/tty", { read: true }).close();
    return true;
  } catch {
    return false;
  }
}

/** POSIX signal numbers (Linux values; the common ones agree on macOS). */
function signalNumber(signal: Deno.Signal): number {
  const numbers: Partial<Record<Deno.Signal, number>> = {
    SIGHUP: 1,
    SIGINT: 2,
    SIGQUIT: 3,
    SIGABRT: 6,
    SIGKILL: 9,
    SIGSEGV: 11,
    SIGPIPE: 13,
    SIGALRM: 14,
    SIGTERM: 15,
  };
  return numbers[signal] ?? 0;
}
