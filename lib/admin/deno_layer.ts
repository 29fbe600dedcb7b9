/**
 * The Lambda layer that gives the proxy's custom runtime its Deno: a zip
 * holding `bin/deno` (so the bootstrap finds `/opt/bin/deno`). By default it
 * is built from the npm package `@deno/linux-x64-glibc` at a pinned version,
 * downloaded from the npm registry (`NPM_CONFIG_REGISTRY`, else
 * registry.npmjs.org) and checked against a pinned sha512; or it is read
 * from a ready zip (`--layer-zip`).
 *
 * A layer version is found again by its description, which names the Deno
 * version or the zip's sha256, so a second deploy publishes nothing.
 *
 * @module
 */
import { createZip } from "../../lambda/zip.ts";

/** The npm package the layer's Deno comes from, pinned. */
export const DENO_PACKAGE = {
  name: "@deno/linux-x64-glibc",
  version: "2.9.6",
  /** The tarball's `dist.integrity` in the registry. */
  integrity:
    "sha512-3md4TKLCuzsLDmfOoC5KN7NAZaxSVkMgm64vg6foD00JBADCpYS2/5QqXfzgnP5ZQz3iLP9vBQJtEgc116OAoQ==",
} as const;

/** Where a layer's zip comes from. */
export interface LayerSource {
  /** The layer version's description; equal descriptions mean equal zips. */
  description: string;
  /** Says where the zip comes from, for the plan. */
  origin: string;
  /** Makes the zip (may download; called only when a version is published). */
  zip(): Promise<Uint8Array>;
}

/** Options of {@linkcode npmDenoLayer}. */
export interface NpmLayerOptions {
  /** The registry's base URL (default from `NPM_CONFIG_REGISTRY`). */
  registry?: string;
  /** The fetch to use (tests pass one). */
  fetch?: typeof fetch;
}

/** The registry from `NPM_CONFIG_REGISTRY` (any case), else npm's own. */
export function npmRegistry(env: Record<string, string | undefined>): string {
  const configured = env.NPM_CONFIG_REGISTRY ?? env.npm_config_registry;
  const base = configured?.trim() || "https://registry.npmjs.org/";
  return base.endsWith("/") ? base : `${base}/`;
}

/** The layer built from the pinned npm package. */
export function npmDenoLayer(options: NpmLayerOptions = {}): LayerSource {
  const { name, version } = DENO_PACKAGE;
  const registry = options.registry ?? "https://registry.npmjs.org/";
  const file = `${name.split("/")[1]}-${version}.tgz`;
  const url = `${registry}${name}/-/${file}`;
  return {
    description: `Deno ${version} for provided.al2023 (npm ${name}@${version})`,
    origin: `Deno ${version} from ${url} (about 40 MB)`,
    async zip() {
      const response = await (options.fetch ?? fetch)(url);
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(
          `Could not download ${url}: HTTP ${response.status}. Check the ` +
            "network or NPM_CONFIG_REGISTRY, or pass --layer-zip.",
        );
      }
      const tarball = new Uint8Array(await response.arrayBuffer());
      await checkIntegrity(tarball, DENO_PACKAGE.integrity, url);
      const binary = extractFromTar(await gunzip(tarball), "package/deno");
      if (!binary) {
        throw new Error(`${url} has no package/deno inside.`);
      }
      return await denoLayerZip(binary);
    },
  };
}

/** The layer from a ready zip file; its description names the sha256. */
export async function fileLayer(path: string): Promise<LayerSource> {
  const bytes = await Deno.readFile(path);
  const hex = await sha256Hex(bytes);
  return {
    description: `Deno runtime for provided.al2023 (zip sha256 ${hex})`,
    origin: `${path} (sha256 ${hex.slice(0, 12)}…)`,
    zip: () => Promise.resolve(bytes),
  };
}

/**
 * The layer zip for a Deno binary: `bin/deno`, executable.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoLayerZip } from "./deno_layer.ts";
 * const zip = await denoLayerZip(new TextEncoder().encode("#!/bin/sh\n"));
 * assert.equal(new TextDecoder().decode(zip.subarray(30, 38)), "bin/deno");
 * ```
 */
export function denoLayerZip(binary: Uint8Array): Promise<Uint8Array> {
  return createZip([{ name: "bin/deno", data: binary, mode: 0o755 }]);
}

/** Decompresses gzip data. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * One regular file from a tar archive (ustar, with pax `path` records), or
 * `undefined` if it is not there.
 */
export function extractFromTar(
  tar: Uint8Array,
  wanted: string,
): Uint8Array | undefined {
  const text = (from: number, length: number) => {
    const slice = tar.subarray(from, from + length);
    const end = slice.indexOf(0);
    return new TextDecoder().decode(
      end === -1 ? slice : slice.subarray(0, end),
    );
  };
  let offset = 0;
  let paxPath: string | undefined;
  while (offset + 512 <= tar.length) {
    if (tar.subarray(offset, offset + 512).every((b) => b === 0)) break;
    const size = parseInt(text(offset + 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(tar[offset + 156] || 0x30);
    const prefix = text(offset + 345, 155);
    const name = paxPath ??
      (prefix ? `${prefix}/${text(offset, 100)}` : text(offset, 100));
    const body = offset + 512;
    paxPath = undefined;
    if (type === "x") {
      const records = new TextDecoder().decode(tar.subarray(body, body + size));
      paxPath = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(records)?.[1];
    } else if ((type === "0" || type === "\0") && name === wanted) {
      return tar.slice(body, body + size);
    }
    offset = body + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

/** Throws unless `bytes` match an npm `sha512-<base64>` integrity string. */
export async function checkIntegrity(
  bytes: Uint8Array,
  integrity: string,
  what: string,
): Promise<void> {
  const digest = await crypto.subtle.digest(
    "SHA-512",
    bytes as Uint8Array<ArrayBuffer>,
  );
  const actual = `sha512-${
    btoa(String.fromCharCode(...new Uint8Array(digest)))
  }`;
  if (actual !== integrity) {
    throw new Error(
      `${what} does not match its pinned checksum; refusing to use it.`,
    );
  }
}

/** The sha256 of bytes as lowercase hex. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** The sha256 of bytes as base64, as Lambda reports `CodeSha256`. */
export async function sha256Base64(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    bytes as Uint8Array<ArrayBuffer>,
  );
  return btoa(String.fromCharCode(...new Uint8Array(digest)));
}
