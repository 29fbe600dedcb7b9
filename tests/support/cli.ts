/**
 * Runs the real entry points (`deno run -A auth.ts ...`) as a user would:
 * a fresh process, a temporary HOME, stdin not a terminal, and no AWS
 * credentials in the environment.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { CognitoStack } from "./fixtures.ts";
import type { MotoServer } from "./moto.ts";
import { shellQuote } from "./sandbox.ts";
import { baseEnv, runCommand, type RunResult } from "./tools.ts";

/** Absolute path of `auth.ts`. */
export const AUTH_TS = fileURLToPath(new URL("../../auth.ts", import.meta.url));
/** Absolute path of `admin.ts`. */
export const ADMIN_TS = fileURLToPath(
  new URL("../../admin.ts", import.meta.url),
);

/**
 * The Deno cache of this process, for child processes with a temporary HOME
 * (so they do not fetch again): `DENO_DIR`, else where Deno puts it on this
 * system (`%LOCALAPPDATA%\deno` on Windows, `~/Library/Caches/deno` on
 * macOS, `$XDG_CACHE_HOME/deno` or `~/.cache/deno` elsewhere).
 */
export const DENO_DIR = Deno.env.get("DENO_DIR") || defaultDenoDir();

function defaultDenoDir(): string {
  const env = (name: string) => Deno.env.get(name) || undefined;
  const home = env("HOME") ?? env("USERPROFILE") ?? "/root";
  switch (Deno.build.os) {
    case "windows":
      return `${env("LOCALAPPDATA") ?? `${home}\\AppData\\Local`}\\deno`;
    case "darwin":
      return `${home}/Library/Caches/deno`;
    default:
      return `${env("XDG_CACHE_HOME") ?? `${home}/.cache`}/deno`;
  }
}

/**
 * A temporary home folder with the file locations a test reads back; it is
 * removed when disposed (`await using home = await makeTempHome()`).
 */
export interface TempHome extends AsyncDisposable {
  /** The folder. */
  dir: string;
  /** Environment that points HOME, the AWS files and caches inside it. */
  env: Record<string, string>;
  /** `~/.aws/credentials` inside it. */
  credentialsFile: string;
  /** `~/.aws/config` inside it. */
  configFile: string;
  /** Removes the folder. */
  cleanup(): Promise<void>;
}

/** Makes a temporary HOME. */
export async function makeTempHome(): Promise<TempHome> {
  const dir = await Deno.makeTempDir({ prefix: "cognito-home-" });
  return {
    dir,
    // The AWS CLI (Python) finds `~` through USERPROFILE on Windows.
    env: {
      HOME: dir,
      ...(Deno.build.os === "windows" ? { USERPROFILE: dir } : {}),
      NO_COLOR: "1",
    },
    credentialsFile: `${dir}/.aws/credentials`,
    configFile: `${dir}/.aws/config`,
    cleanup: () => Deno.remove(dir, { recursive: true }),
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** Runs `fn` with a fresh temporary HOME and removes it after. */
export async function withTempHome<T>(
  fn: (home: TempHome) => Promise<T>,
): Promise<T> {
  await using home = await makeTempHome();
  return await fn(home);
}

/** The arguments of `deno` that run `entry` as a user would. */
function denoRun(entry: string): string[] {
  return ["run", "-A", "--quiet", entry];
}

/**
 * The arguments of `deno` that run `auth.ts` as {@linkcode runAuth} does
 * (`run -A --quiet auth.ts`), for tests that start the process themselves:
 * the command's own arguments follow.
 */
export const RUN_AUTH: readonly string[] = denoRun(AUTH_TS);

/** Runs an entry point with the given arguments and an exact environment. */
export type EntryRunner = (
  args: string[],
  env: Record<string, string>,
  stdin?: string,
) => Promise<RunResult>;

function entryRunner(entry: string): EntryRunner {
  return (args, env, stdin) =>
    runCommand(Deno.execPath(), [...denoRun(entry), ...args], {
      env: { DENO_DIR, ...env },
      stdin,
    });
}

/** Runs `auth.ts` with the given arguments and an exact environment. */
export const runAuth: EntryRunner = entryRunner(AUTH_TS);

/** Runs `admin.ts` with the given arguments and an exact environment. */
export const runAdmin: EntryRunner = entryRunner(ADMIN_TS);

/**
 * Starts `auth.ts` with `args` on a pseudo-terminal of its own (util-linux
 * `script`, so Linux), as the terminal's foreground process with no shell
 * of `script`'s own in between. The environment is PATH, `SHELL=/bin/sh`,
 * `TERM=xterm` and the Deno cache, then `env`. stdin, stdout and stderr are
 * piped: what is written to stdin is typed at the terminal, and stdout is
 * what the terminal shows.
 */
export function spawnAuthOnTerminal(
  args: string[],
  env: Record<string, string>,
): Deno.ChildProcess {
  const command = [Deno.execPath(), ...RUN_AUTH, ...args].map(shellQuote);
  return new Deno.Command("script", {
    args: ["-qec", `exec ${command.join(" ")}`, "/dev/null"],
    env: { ...baseEnv(), SHELL: "/bin/sh", TERM: "xterm", DENO_DIR, ...env },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * The arguments of a `login` as `stack`'s user (`login -u <name>`), then
 * `more`.
 */
export function loginArgs(stack: CognitoStack, ...more: string[]): string[] {
  return ["login", "-u", stack.username, ...more];
}

/**
 * The environment of a run as `stack`'s user against `moto` in `home`:
 * HOME, moto's endpoint and test keys, and the `COGNITO_*` settings (no
 * password: add `COGNITO_PASSWORD` where the run signs in with it).
 */
export function stackEnv(
  home: TempHome,
  moto: MotoServer,
  stack: CognitoStack,
): Record<string, string> {
  return { ...home.env, ...moto.env, ...stack.env };
}
