/**
 * Builds the proxy's deployment package for the `provided.al2023` custom
 * runtime: esbuild turns `lambda/main.ts` and its npm dependencies into a
 * self-contained entry and the chunks it imports lazily, and the zip holds
 * them next to an executable `bootstrap` that starts them on Deno.
 * `deno task build:lambda` runs this and prints the zip's size.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { dirname } from "node:path";
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
 * permissions the function uses: network, environment, and reading its own
 * folder (the task root), from which the chunks are imported on demand. No
 * `sys`: that was for `node:https`, which the browser build does not use.
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
  --allow-net --allow-env --allow-read="$root" \\
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
 * Keeps the XML parser of `@aws-sdk/xml-builder` (STS answers in XML) its
 * plain JavaScript one: the package's browser build parses with the DOM's
 * `DOMParser`, which Deno does not have (a `ReferenceError` on the first
 * answer). The plain parser imports nothing from Node.
 */
const xmlParserWithoutDom: esbuild.Plugin = {
  name: "xml-parser-without-dom",
  setup(build) {
    build.onResolve(
      { filter: /^\.\/xml-parser$/ },
      (args) =>
        /[\\/]@aws-sdk[\\/]xml-builder[\\/]/.test(args.importer)
          ? { path: `${dirname(args.importer)}/xml-parser.js` }
          : undefined,
    );
  },
};

/**
 * Bundles `lambda/main.ts` for the browser platform, with `work` as scratch
 * space, and returns the files (the entry named {@linkcode BUNDLE_NAME}).
 *
 * Why the browser builds (issue 17): the npm packages' Node builds import
 * Node's modules (`aws-jwt-verify`: `node:crypto`, `node:https`; the STS
 * client: `node:fs`, `node:os`, `node:http`... for its settings, credential
 * files and HTTP handler), and the first import of any of them makes Deno
 * compile most of its Node compatibility layer, ~45 to 65 ms of every cold
 * start. Their browser builds use WebCrypto and `fetch` and read no files
 * and no environment (`config.ts` reads the endpoint settings instead), so
 * the function loads no Node module at all. The browser platform makes that
 * a build error rather than a slower start: a `node:` import does not
 * resolve.
 *
 * Why esbuild and not `deno bundle`: the SDK clients choose their browser
 * settings through the `browser` field of their package.json
 * (`"./dist-es/runtimeConfig": "./dist-es/runtimeConfig.browser"`), and
 * Deno 2.9's bundler maps the file but does not add the `.js`, so the build
 * fails ("Cannot read file: .../runtimeConfig.browser"). esbuild resolves
 * from a `node_modules` folder, which `deno install` lays out in `work` from
 * the lock file and the npm cache.
 */
async function bundle(
  work: string,
): Promise<{ name: string; data: Uint8Array; mode: number }[]> {
  await Deno.copyFile(`${ROOT}deno.json`, `${work}/deno.json`);
  await Deno.copyFile(`${ROOT}deno.lock`, `${work}/deno.lock`);
  const install = await new Deno.Command(Deno.execPath(), {
    args: ["install", "--quiet", "--frozen", "--node-modules-dir=auto"],
    cwd: work,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!install.success) {
    throw new Error(
      `deno install failed:\n${new TextDecoder().decode(install.stderr)}`,
    );
  }
  try {
    const result = await esbuild.build({
      entryPoints: [`${ROOT}lambda/main.ts`],
      bundle: true,
      // Lazily imported modules (the STS client) stay in their own files:
      // a cold start parses them only once a token has been verified.
      splitting: true,
      // Not "[name]-[hash]": names like "index.browser" would put dots in
      // the file names.
      chunkNames: "chunk-[hash]",
      format: "esm",
      minify: true,
      platform: "browser",
      nodePaths: [`${work}/node_modules`],
      plugins: [xmlParserWithoutDom],
      outdir: `${work}/out`,
      write: false,
      logLevel: "silent",
    });
    // The entry is imported by no chunk, so it can take the bundle's name.
    return result.outputFiles.map((file) => {
      const name = file.path.slice(file.path.lastIndexOf("/") + 1);
      return {
        name: name === "main.js" ? BUNDLE_NAME : name,
        data: file.contents,
        mode: 0o644,
      };
    });
  } catch (error) {
    const errors = (error as { errors?: esbuild.Message[] }).errors;
    if (!errors) throw error;
    const text = await esbuild.formatMessages(errors, { kind: "error" });
    throw new Error(`esbuild failed:\n${text.join("")}`);
  } finally {
    await esbuild.stop();
  }
}

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
    const files = await bundle(work);
    const entry = files.find((file) => file.name === BUNDLE_NAME);
    if (!entry) throw new Error("esbuild wrote no main.js");
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
