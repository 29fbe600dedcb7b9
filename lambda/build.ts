/**
 * Builds the proxy's deployment package for the `provided.al2023` custom
 * runtime: `deno bundle` turns `lambda/main.ts` and its npm dependencies into
 * one self-contained file, and the zip holds it next to an executable
 * `bootstrap` that starts it on Deno. `deno task build:lambda` runs this and
 * prints the zip's size.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { createZip } from "./zip.ts";

/**
 * Name of the bundled function's entry inside the zip. The modules loaded
 * only on some paths (the STS client and what it alone needs) sit next to
 * it in `chunk-*.js` and similar files, so a cold start parses and loads
 * only what the first request uses.
 */
export const BUNDLE_NAME = "proxy.js";

/** Where the bootstrap looks for Deno unless `DENO_PATH` says otherwise. */
export const DEFAULT_DENO_PATH = "/opt/bin/deno";

/**
 * The `bootstrap` script. It runs the bundle with no config file, no lock
 * file and no remote or npm loading (the bundle is self-contained), with
 * DENO_DIR in /tmp (the only writable place on Lambda) and only the
 * permissions the function uses: network, environment, `sys` (Deno 2.9's
 * `node:https` asks for a `sys` permission named "ca" that cannot be
 * granted on its own), and reading its own folder (the task root), from
 * which the chunks are imported on demand.
 *
 * Two flags are for the cold start, which is the only start a process has
 * on Lambda (each execution environment runs one process, with an empty
 * /tmp):
 *
 * - `--unstable-lazy-dynamic-imports`: without it Deno reads and parses
 *   every chunk a dynamic `import()` names (~450 KB) before the entry runs,
 *   to build the module graph; with it, a chunk is read when imported
 *   (which needs the read permission on the task root).
 * - `--no-code-cache`: Deno would otherwise compile a V8 code cache of
 *   every module it loads (Node's compatibility layer included, ~1.4 MB)
 *   into DENO_DIR for the next start, which on Lambda never comes.
 */
export const BOOTSTRAP = `#!/bin/sh
# Lambda custom runtime bootstrap of the Cognito credential proxy.
# Deno comes from a layer (bin/deno, so /opt/bin/deno); DENO_PATH overrides.
set -eu
export DENO_DIR="\${DENO_DIR:-/tmp/deno}"
export DENO_NO_UPDATE_CHECK=1
export NO_COLOR=1
root="$(dirname "$0")"
exec "\${DENO_PATH:-${DEFAULT_DENO_PATH}}" run \\
  --no-config --no-lock --no-remote --no-npm --no-prompt \\
  --unstable-lazy-dynamic-imports --no-code-cache \\
  --allow-net --allow-env --allow-sys --allow-read="$root" \\
  "$root/${BUNDLE_NAME}"
`;

/** What {@linkcode buildLambdaZip} produced. */
export interface LambdaBuild {
  /** Path of the zip. */
  zipFile: string;
  /** Size of the zip in bytes. */
  zipBytes: number;
  /** Size of the bundled function in bytes (uncompressed, every file). */
  bundleBytes: number;
  /** Size of the entry file alone (`proxy.js`, without its chunks). */
  entryBytes: number;
}

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * Bundles `lambda/main.ts` and writes the zip (default `dist/lambda.zip`).
 *
 * @example
 * ```ts ignore
 * const { zipFile, zipBytes } = await buildLambdaZip();
 * ```
 */
export async function buildLambdaZip(
  options: { outFile?: string } = {},
): Promise<LambdaBuild> {
  const zipFile = options.outFile ?? `${ROOT}dist/lambda.zip`;
  const work = await Deno.makeTempDir({ prefix: "lambda-build-" });
  try {
    const outDir = `${work}/out`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--minify",
        "--platform=deno",
        // Lazily imported modules (the STS client) stay in their own files:
        // a cold start no longer parses them, nor loads the Node modules
        // only they use, before the first request.
        "--code-splitting",
        "--config",
        `${ROOT}deno.json`,
        "--outdir",
        outDir,
        `${ROOT}lambda/main.ts`,
      ],
      cwd: ROOT,
      // The `module` export condition, which esbuild adds by default and
      // `deno bundle` does not: `@smithy/core` and `@aws-sdk/core` then
      // resolve to their ES module builds (`dist-es`, the same Node code)
      // rather than CommonJS (`dist-cjs`), which the bundler can tree-shake
      // and a cold start need not wrap in `require` shims: ~110 KB less to
      // load with the STS client, ~70 ms off a cold start (issue 17). Their
      // browser builds sit under the `browser` condition, not set here.
      env: { DENO_CONDITIONS: "module" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `deno bundle failed:\n${new TextDecoder().decode(out.stderr)}`,
      );
    }
    // The entry is imported by no chunk, so it can take the bundle's name.
    const files: { name: string; data: Uint8Array; mode: number }[] = [];
    for await (const entry of Deno.readDir(outDir)) {
      if (!entry.isFile) continue;
      files.push({
        name: entry.name === "main.js" ? BUNDLE_NAME : entry.name,
        data: await Deno.readFile(`${outDir}/${entry.name}`),
        mode: 0o644,
      });
    }
    const entry = files.find((file) => file.name === BUNDLE_NAME);
    if (!entry) throw new Error("deno bundle wrote no main.js");
    // A stable order: the same sources give the same zip.
    files.sort((a, b) => a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    const zip = await createZip([
      {
        name: "bootstrap",
        data: new TextEncoder().encode(BOOTSTRAP),
        mode: 0o755,
      },
      ...files,
    ]);
    const dir = zipFile.slice(0, zipFile.lastIndexOf("/"));
    if (dir) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeFile(zipFile, zip);
    return {
      zipFile,
      zipBytes: zip.length,
      bundleBytes: files.reduce((sum, file) => sum + file.data.length, 0),
      entryBytes: entry.data.length,
    };
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  const build = await buildLambdaZip();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  console.log(
    `${build.zipFile}: ${kb(build.zipBytes)} (bundled function ${
      kb(build.bundleBytes)
    } uncompressed, entry ${kb(build.entryBytes)})`,
  );
}
