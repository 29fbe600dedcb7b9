/**
 * The two Deno commands of the distribution tests that download on a cold
 * Deno cache, shared by the tests and the setup:
 *
 * - `deno bundle` of each entry point fetches esbuild (`@esbuild/<platform>`);
 * - `deno install -g` from the clone, and the shim it installs, resolve the
 *   npm imports without the lock file, so they fetch each package's metadata.
 *
 * The setup ({@linkcode prefetchDenoDownloads}) runs both once, with the
 * network settings, so that no test depends on what an earlier test happened
 * to leave in the cache, and the tests run the very same commands.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { ENTRY_POINTS } from "../../scripts/compile.ts";
import { DENO_DIR } from "./cli.ts";
import { runCommand, type RunResult } from "./tools.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function deno(args: string[], cwd = ROOT): Promise<RunResult> {
  return runCommand(Deno.execPath(), args, {
    env: { DENO_DIR, NO_COLOR: "1" },
    cwd,
    network: true,
  });
}

/**
 * Bundles each entry point into `<outDir>/<command name>.js` the way a
 * release does (`deno bundle --platform=deno --frozen`); throws with Deno's
 * output when one fails.
 */
export async function bundleEntryPoints(outDir: string): Promise<void> {
  for (const [name, entry] of Object.entries(ENTRY_POINTS)) {
    const build = await deno([
      "bundle",
      "--quiet",
      "--platform=deno",
      "--frozen",
      "--output",
      `${outDir}/${name}.js`,
      entry,
    ]);
    if (build.code !== 0) {
      throw new Error(`deno bundle ${entry} failed:\n${build.stderr}`);
    }
  }
}

/** A command's own name (`aws-cognito-auth`, `aws-cognito-admin`). */
export type CommandName = keyof typeof ENTRY_POINTS;

/**
 * `deno install -g` of both commands from this clone into `<root>/bin`, as
 * the README documents (with `--config deno.json`); throws with Deno's
 * output when one fails. `names` installs a command under another name (the
 * original tool's `cogauth` and `cogadmin`), as `deno install -n` does.
 * Returns the installed commands by the name they were installed under.
 */
export async function installEntryPoints(
  root: string,
  names: Partial<Record<CommandName, string>> = {},
): Promise<Record<string, string>> {
  const installed: Record<string, string> = {};
  for (const [command, entry] of Object.entries(ENTRY_POINTS)) {
    const name = names[command as CommandName] ?? command;
    const install = await deno([
      "install",
      "-g",
      "-A",
      "--root",
      root,
      "-n",
      name,
      "--config",
      `${ROOT}deno.json`,
      `${ROOT}${entry}`,
    ]);
    if (install.code !== 0) {
      throw new Error(`deno install -g ${entry} failed:\n${install.stderr}`);
    }
    installed[name] = `${root}/bin/${name}`;
  }
  return installed;
}

/**
 * Runs an installed command with `env` (and the network settings: the shim
 * resolves npm metadata like the install does).
 */
export function runInstalled(
  command: string,
  args: string[],
  env: Record<string, string>,
  cwd: string,
): Promise<RunResult> {
  return runCommand(command, args, {
    env: { DENO_DIR, ...env },
    cwd,
    network: true,
  });
}

/**
 * Fetches ahead what {@linkcode bundleEntryPoints} and
 * {@linkcode installEntryPoints} (and the installed shims) download on a cold
 * cache, into this process's Deno cache.
 */
export async function prefetchDenoDownloads(): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "deno-prefetch-" });
  try {
    await bundleEntryPoints(dir);
    const installed = await installEntryPoints(`${dir}/root`);
    for (const command of Object.values(installed)) {
      const run = await runInstalled(command, ["--version"], {}, dir);
      if (run.code !== 0) {
        throw new Error(`${command} --version failed:\n${run.stderr}`);
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
