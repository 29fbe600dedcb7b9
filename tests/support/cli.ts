/**
 * Runs the real entry points (`deno run -A auth.ts ...`) as a user would:
 * a fresh process, a temporary HOME, stdin not a terminal, and no AWS
 * credentials in the environment.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { runCommand, type RunResult } from "./tools.ts";

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

/** Runs `auth.ts` with the given arguments and an exact environment. */
export function runAuth(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<RunResult> {
  return runEntry(AUTH_TS, args, env, stdin);
}

/** Runs `admin.ts` with the given arguments and an exact environment. */
export function runAdmin(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<RunResult> {
  return runEntry(ADMIN_TS, args, env, stdin);
}

function runEntry(
  entry: string,
  args: string[],
  env: Record<string, string>,
  stdin: string | undefined,
): Promise<RunResult> {
  return runCommand(
    Deno.execPath(),
    ["run", "-A", "--quiet", entry, ...args],
    { env: { DENO_DIR, ...env }, stdin },
  );
}
