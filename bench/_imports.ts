/**
 * What a command actually loads: the files a run opens, seen with
 * `strace -f -e trace=openat`, reduced to the project's own modules and the
 * npm packages (from Deno's npm cache). This is the ground truth for "the
 * SDK is not imported on paths that do not call AWS": lazy `import()`s that
 * never run open nothing.
 *
 * @module
 */

import { expectSuccess, runTimed } from "./_proc.ts";

/** The modules one run loaded. */
export interface LoadedModules {
  /**
   * The project's own `.ts` files read (relative to the root). Deno reads
   * the whole module graph at start-up, lazily imported modules included,
   * so this is the graph, not what was evaluated; npm packages, on the
   * other hand, are read only when imported.
   */
  localModules: string[];
  /** npm packages read, as `name@version`, sorted. */
  npmPackages: string[];
  /** The subset of `npmPackages` that belong to the AWS SDK (`@aws-sdk/*`, `@smithy/*`, `@aws-crypto/*`). */
  sdkPackages: string[];
  /** Bytes of the npm package files opened (their size on disk). */
  npmBytes: number;
}

/** Whether `strace` can be used here. */
export async function straceAvailable(): Promise<boolean> {
  try {
    const out = await new Deno.Command("strace", {
      args: ["-V"],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

const NPM_FILE = /\/npm\/[^/]+\/((?:@[^/]+\/)?[^/@]+)\/(\d[^/]*)\/([^"]+)"/;

/**
 * Runs `cmd args` under strace (following children) and returns what it
 * loaded. Throws when the command fails.
 */
export async function loadedModules(
  cmd: string,
  args: string[],
  options: { env: Record<string, string>; cwd: string; root: string },
): Promise<LoadedModules> {
  const log = await Deno.makeTempFile({ prefix: "bench-strace-" });
  try {
    expectSuccess(
      `strace ${cmd} ${args.join(" ")}`,
      await runTimed(
        "strace",
        ["-f", "-qq", "-e", "trace=openat", "-o", log, cmd, ...args],
        { env: options.env, cwd: options.cwd },
      ),
    );
    const local = new Set<string>();
    const packages = new Set<string>();
    const npmFiles = new Set<string>();
    const root = options.root.endsWith("/") ? options.root : `${options.root}/`;
    for (const line of (await Deno.readTextFile(log)).split("\n")) {
      if (/= -1 E/.test(line)) continue; // ENOENT and other failures
      const path = /openat\([^,]+, "([^"]+)"/.exec(line)?.[1];
      if (!path) continue;
      if (path.startsWith(root) && path.endsWith(".ts")) {
        local.add(path.slice(root.length));
      }
      const npm = NPM_FILE.exec(`${path}"`);
      if (npm) {
        packages.add(`${npm[1]}@${npm[2]}`);
        if (!npm[3].endsWith("package.json")) npmFiles.add(path);
      }
    }
    let npmBytes = 0;
    for (const file of npmFiles) {
      npmBytes += await Deno.stat(file).then((s) => s.size, () => 0);
    }
    const npmPackages = [...packages].sort();
    return {
      localModules: [...local].sort(),
      npmPackages,
      sdkPackages: npmPackages.filter((p) =>
        /^@(aws-sdk|smithy|aws-crypto)\//.test(p)
      ),
      npmBytes,
    };
  } finally {
    await Deno.remove(log).catch(() => {});
  }
}
