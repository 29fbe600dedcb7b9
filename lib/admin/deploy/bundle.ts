/**
 * The check of a zip before `lambda deploy` sends it: Lambda's custom
 * runtime starts `bootstrap` at the root of the zip, as a user that does not
 * own the files, so it must be there and readable and executable by all.
 *
 * @module
 */
import { listZip } from "../../../lambda/zip.ts";
import { BundleError } from "../../errors.ts";

/**
 * Throws a {@linkcode BundleError} that says what to fix unless `zip` is a
 * zip archive with an executable `bootstrap` at its root. `path` names it in
 * the message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createZip } from "../../../lambda/zip.ts";
 * import { checkBundle } from "./bundle.ts";
 *
 * const script = new TextEncoder().encode("#!/bin/sh\n");
 * checkBundle(await createZip([{ name: "bootstrap", data: script, mode: 0o755 }]), "ok.zip");
 * assert.throws(
 *   () => checkBundle(new Uint8Array(4), "x.zip"),
 *   /x\.zip is not a zip archive/,
 * );
 * ```
 */
export function checkBundle(zip: Uint8Array, path: string): void {
  let entries;
  try {
    entries = listZip(zip);
  } catch (error) {
    throw new BundleError(
      `${path} is not a zip archive (${(error as Error).message}). Pass the ` +
        "zip of a provided.al2023 function: `deno task build:lambda` writes " +
        "one to dist/lambda.zip.",
    );
  }
  const bootstrap = entries.find((e) => e.name === "bootstrap");
  if (!bootstrap) {
    const nested = entries.find((e) => /(^|\/)bootstrap$/.test(e.name));
    throw new BundleError(
      `${path} has no bootstrap at its root, and Lambda's provided.al2023 ` +
        "runtime starts nothing else. " +
        (nested
          ? `It has ${nested.name}: zip the contents of its folder, not the ` +
            "folder (cd into it, then `zip -r ../bundle.zip .`)."
          : "Add an executable file named bootstrap that starts the function."),
    );
  }
  if (bootstrap.mode === undefined) {
    throw new BundleError(
      `${path} holds no Unix permissions for bootstrap (it was not made on ` +
        "Unix), so Lambda could not run it. Make the zip with a tool that " +
        "keeps them (`zip` on Linux or macOS, or `deno task build:lambda`) " +
        "after `chmod 755 bootstrap`.",
    );
  }
  if ((bootstrap.mode & 0o170000) === 0o040000) {
    throw new BundleError(
      `${path} has a folder named bootstrap; it must be an executable file.`,
    );
  }
  if ((bootstrap.mode & 0o005) !== 0o005) {
    throw new BundleError(
      `${path} holds bootstrap with mode ${
        (bootstrap.mode & 0o777).toString(8).padStart(3, "0")
      }: Lambda runs it as a user that does not own it, so it must be ` +
        "readable and executable by all. Run `chmod 755 bootstrap` and zip it " +
        "again.",
    );
  }
}
