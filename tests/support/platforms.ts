/**
 * Which test files run on which systems (`tests/platforms.json`), and
 * `deno task test:portable`: the part of the setup every system can do
 * (moto and the AWS CLI into `.cache/venv`; no Lambda emulator, apt or Go),
 * then `deno test` on the files listed for this system. The Windows and
 * macOS CI jobs run it; on Linux it runs the same set as macOS plus the
 * Linux-only files, i.e. everything.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** Where a test file runs: everywhere, Linux and macOS, or Linux only. */
export type Reach = "everywhere" | "unix" | "linux";

/** The three lists of `tests/platforms.json`: file → why it is not wider. */
export type PlatformLists = Record<Reach, Record<string, string>>;

/** The reaches in order, widest first. */
export const REACHES: readonly Reach[] = ["everywhere", "unix", "linux"];

/** Path of `tests/platforms.json`. */
export const PLATFORMS_FILE = fileURLToPath(
  new URL("../platforms.json", import.meta.url),
);

/** Reads `tests/platforms.json`. */
export async function readPlatformLists(): Promise<PlatformLists> {
  const data = JSON.parse(await Deno.readTextFile(PLATFORMS_FILE));
  const lists = {} as PlatformLists;
  for (const reach of REACHES) lists[reach] = data[reach] ?? {};
  return lists;
}

/** The reaches that include `os`. */
export function reachesOf(os: typeof Deno.build.os): Reach[] {
  if (os === "windows") return ["everywhere"];
  if (os === "linux") return ["everywhere", "unix", "linux"];
  return ["everywhere", "unix"];
}

/** The test files to run on `os`, in the lists' order. */
export function filesFor(
  lists: PlatformLists,
  os: typeof Deno.build.os,
): string[] {
  return reachesOf(os).flatMap((reach) => Object.keys(lists[reach]));
}

if (import.meta.main) {
  const { ensurePythonTools } = await import("./tools.ts");
  await ensurePythonTools();
  const files = filesFor(await readPlatformLists(), Deno.build.os);
  console.error(
    `Running the ${files.length} test files listed for ${Deno.build.os} ` +
      `in tests/platforms.json`,
  );
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--frozen", ...files, ...Deno.args],
    cwd: root,
    stdin: "null",
  }).spawn().status;
  Deno.exit(code);
}
