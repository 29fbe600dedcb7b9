/**
 * The user's home folder, found the same way by every file the tool reads or
 * writes (the config files, `~/.aws`, the cache).
 *
 * @module
 */

/** Environment variables, as `Deno.env.toObject()` gives them. */
export type Env = Record<string, string | undefined>;

/** An operating system, as `Deno.build.os` names it. */
export type OperatingSystem = typeof Deno.build.os;

/** The variables {@linkcode homeDir} reads. */
export const HOME_VARIABLES = [
  "HOME",
  "USERPROFILE",
  "HOMEDRIVE",
  "HOMEPATH",
] as const;

/**
 * The home folder from the environment, or `undefined` when none is set.
 * Blank values count as unset.
 *
 * - On Windows: `USERPROFILE`, then `HOMEDRIVE` + `HOMEPATH`, then `HOME`
 *   (the order the AWS CLI, boto3 and the Go SDK use there; a `HOME` set by
 *   Git Bash or MSYS is only a last resort).
 * - Elsewhere: `HOME`, then `USERPROFILE`.
 *
 * `os` defaults to `Deno.build.os`; tests pass another to check each rule.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { homeDir } from "./home.ts";
 *
 * assert.equal(homeDir({ HOME: "/home/ana" }, "linux"), "/home/ana");
 * assert.equal(
 *   homeDir({ HOME: "/c/msys", USERPROFILE: "C:\\Users\\ana" }, "windows"),
 *   "C:\\Users\\ana",
 * );
 * assert.equal(
 *   homeDir({ HOMEDRIVE: "D:", HOMEPATH: "\\Users\\ana" }, "windows"),
 *   "D:\\Users\\ana",
 * );
 * assert.equal(homeDir({ HOME: " " }, "linux"), undefined);
 * ```
 */
export function homeDir(
  env: Env,
  os: OperatingSystem = Deno.build.os,
): string | undefined {
  const get = (name: string) => {
    const value = env[name];
    return value !== undefined && value.trim() !== "" ? value : undefined;
  };
  if (os === "windows") {
    const homePath = get("HOMEPATH");
    return get("USERPROFILE") ??
      (homePath ? `${get("HOMEDRIVE") ?? "C:"}${homePath}` : undefined) ??
      get("HOME");
  }
  return get("HOME") ?? get("USERPROFILE");
}

/**
 * What to set when {@linkcode homeDir} finds nothing, for error messages:
 * `"HOME"`, or `"USERPROFILE"` on Windows.
 */
export function homeVariable(
  os: OperatingSystem = Deno.build.os,
): "HOME" | "USERPROFILE" {
  return os === "windows" ? "USERPROFILE" : "HOME";
}
