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

/** Name of the bundled function inside the zip. */
export const BUNDLE_NAME = "proxy.js";

/** Where the bootstrap looks for Deno unless `DENO_PATH` says otherwise. */
export const DEFAULT_DENO_PATH = "/opt/bin/deno";

/**
 * The `bootstrap` script. It runs the bundle with no config file, no lock
 * file and no remote or npm loading (the bundle is self-contained), with
 * DENO_DIR in /tmp (the only writable place on Lambda) and only the
 * permissions the function uses: network, environment, and `sys` (Deno
 * 2.9's `node:https` asks for a `sys` permission named "ca" that cannot be
 * granted on its own).
 */
export const BOOTSTRAP = `#!/bin/sh
# Lambda custom runtime bootstrap of the Cognito credential proxy.
# Deno comes from a layer (bin/deno, so /opt/bin/deno); DENO_PATH overrides.
set -eu
export DENO_DIR="\${DENO_DIR:-/tmp/deno}"
export DENO_NO_UPDATE_CHECK=1
export NO_COLOR=1
exec "\${DENO_PATH:-${DEFAULT_DENO_PATH}}" run \\
  --no-config --no-lock --no-remote --no-npm --no-prompt \\
  --allow-net --allow-env --allow-sys \\
  "$(dirname "$0")/${BUNDLE_NAME}"
`;

/** What {@linkcode buildLambdaZip} produced. */
export interface LambdaBuild {
  /** Path of the zip. */
  zipFile: string;
  /** Size of the zip in bytes. */
  zipBytes: number;
  /** Size of the bundled function in bytes (uncompressed). */
  bundleBytes: number;
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
    const bundleFile = `${work}/${BUNDLE_NAME}`;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--minify",
        "--platform=deno",
        "--config",
        `${ROOT}deno.json`,
        "--output",
        bundleFile,
        `${ROOT}lambda/main.ts`,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(
        `deno bundle failed:\n${new TextDecoder().decode(out.stderr)}`,
      );
    }
    const bundle = await Deno.readFile(bundleFile);
    const zip = await createZip([
      {
        name: "bootstrap",
        data: new TextEncoder().encode(BOOTSTRAP),
        mode: 0o755,
      },
      { name: BUNDLE_NAME, data: bundle, mode: 0o644 },
    ]);
    const dir = zipFile.slice(0, zipFile.lastIndexOf("/"));
    if (dir) await Deno.mkdir(dir, { recursive: true });
    await Deno.writeFile(zipFile, zip);
    return { zipFile, zipBytes: zip.length, bundleBytes: bundle.length };
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
    } uncompressed)`,
  );
}
