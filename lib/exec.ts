/**
 * Running a command with credentials in its environment, as `exec` does:
 * the child inherits stdin, stdout and stderr, gets SIGINT, SIGTERM and
 * SIGHUP sent to this process passed on, and its exit status becomes ours
 * (a shell's 128 + n when a signal ended it).
 *
 * SIGINT is not passed on while there is a controlling terminal: its Ctrl-C
 * goes to the whole foreground process group, the child included, and a
 * second one would make tools such as terraform abort their graceful
 * shutdown ("Two interrupts received. Exiting immediately.").
 *
 * @module
 */
import { CommandError, ExitCode } from "./errors.ts";

/** Signals passed on to the child (those the platform lets us listen to). */
const FORWARDED: Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT", "SIGBREAK"]
  : ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * The child's environment: `base` with `set` on top, and the names in
 * `unset` removed (e.g. `AWS_PROFILE`, so that the child does not mix a
 * profile with the credentials it was given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { childEnv } from "./exec.ts";
 * assert.deepEqual(
 *   childEnv({ PATH: "/bin", AWS_PROFILE: "x" }, { AWS_REGION: "eu-west-1" }, ["AWS_PROFILE"]),
 *   { PATH: "/bin", AWS_REGION: "eu-west-1" },
 * );
 * ```
 */
export function childEnv(
  base: Record<string, string | undefined>,
  set: Record<string, string>,
  unset: readonly string[] = [],
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && !unset.includes(name)) env[name] = value;
  }
  return { ...env, ...set };
}

/**
 * Runs `command` with `args` and exactly `env`, passes signals on, and
 * returns its exit code (128 + n after signal n). Throws
 * {@linkcode CommandError} with exit 127 when the command is not found and
 * 126 when it cannot be run, as a shell does.
 */
export async function runCommandWith(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<number> {
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
  const terminal = hasControllingTerminal();
  const forwarders = FORWARDED.map((signal) => {
    // Still listened to, so that we wait for the child and end with its code.
    const forward = signal === "SIGINT" && terminal
      ? () => {}
      : () => child ? send(signal) : pending.push(signal);
    try {
      Deno.addSignalListener(signal, forward);
    } catch {
      return undefined; // not supported here
    }
    return () => Deno.removeSignalListener(signal, forward);
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
    const status = await child.status;
    // Deno reports a signal death as 128 + n already; keep that contract
    // even where it might not.
    if (status.signal && status.code < 128) {
      return 128 + signalNumber(status.signal);
    }
    return status.code;
  } finally {
    for (const remove of forwarders) remove?.();
  }
}

/**
 * Whether this process has a controlling terminal (`/dev/tty` opens). Then
 * a SIGINT is taken to be the terminal's Ctrl-C, which the child (in our
 * process group) has had too. On Windows the console sends Ctrl-C to every
 * process attached to it, the child included, alike.
 */
function hasControllingTerminal(): boolean {
  if (Deno.build.os === "windows") return true;
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
