/**
 * Writes a small zip archive with Unix file modes, as Lambda wants for a
 * custom runtime (`bootstrap` must be executable inside the zip), and lists
 * the entries of one (names and Unix modes, from its central directory).
 * Entries are deflated with the built-in `CompressionStream("deflate-raw")`;
 * timestamps are fixed (1980-01-01), so the same input always gives the same
 * bytes.
 *
 * Kept by hand rather than taken from `fflate`: measured on the proxy zip,
 * `CompressionStream` (zlib) gives 150,534 bytes against fflate's 154,660
 * at the same speed, and fflate's unzip does not report the external
 * attributes that hold the mode bits, which {@linkcode listZip} must read.
 *
 * @module
 */
import { concatBytes } from "../lib/bytes.ts";

/** One file to put in the archive. */
export interface ZipEntry {
  /** Path inside the archive, `/`-separated. */
  name: string;
  /** File content. */
  data: Uint8Array;
  /** Unix permission bits, e.g. `0o755`; default `0o644`. */
  mode?: number;
}

/**
 * Builds a zip archive of regular files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createZip, listZip } from "./zip.ts";
 * const zip = await createZip([
 *   { name: "bootstrap", data: new TextEncoder().encode("#!/bin/sh\n"), mode: 0o755 },
 * ]);
 * assert.deepEqual(listZip(zip), [{ name: "bootstrap", mode: 0o100755 }]);
 * ```
 */
export async function createZip(entries: ZipEntry[]): Promise<Uint8Array> {
  const locals: Uint8Array[] = [];
  const centrals: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = new TextEncoder().encode(entry.name);
    const crc = crc32(entry.data);
    const deflated = await deflateRaw(entry.data);
    const stored = deflated.length >= entry.data.length;
    const body = stored ? entry.data : deflated;
    const method = stored ? 0 : 8;
    const mode = 0o100000 | (entry.mode ?? 0o644); // regular file

    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true); // version needed: 2.0
    local.setUint16(6, 0x0800, true); // UTF-8 names
    local.setUint16(8, method, true);
    local.setUint16(10, 0, true); // time 00:00:00
    local.setUint16(12, DOS_DATE_1980, true);
    local.setUint32(14, crc, true);
    local.setUint32(18, body.length, true);
    local.setUint32(22, entry.data.length, true);
    local.setUint16(26, name.length, true);
    local.setUint16(28, 0, true);
    locals.push(new Uint8Array(local.buffer), name, body);

    const central = new DataView(new ArrayBuffer(46));
    central.setUint32(0, 0x02014b50, true);
    central.setUint16(4, (3 << 8) | 20, true); // made by: Unix, 2.0
    central.setUint16(6, 20, true);
    central.setUint16(8, 0x0800, true);
    central.setUint16(10, method, true);
    central.setUint16(12, 0, true);
    central.setUint16(14, DOS_DATE_1980, true);
    central.setUint32(16, crc, true);
    central.setUint32(20, body.length, true);
    central.setUint32(24, entry.data.length, true);
    central.setUint16(28, name.length, true);
    central.setUint16(30, 0, true); // extra
    central.setUint16(32, 0, true); // comment
    central.setUint16(34, 0, true); // disk
    central.setUint16(36, 0, true); // internal attributes
    central.setUint32(38, (mode << 16) >>> 0, true); // external: Unix mode
    central.setUint32(42, offset, true);
    centrals.push(new Uint8Array(central.buffer), name);

    offset += 30 + name.length + body.length;
  }
  const centralSize = centrals.reduce((n, part) => n + part.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, centralSize, true);
  end.setUint32(16, offset, true);
  return concatBytes(...locals, ...centrals, new Uint8Array(end.buffer));
}

const DOS_DATE_1980 = (0 << 9) | (1 << 5) | 1; // 1980-01-01

async function deflateRaw(data: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("deflate-raw"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

let table: Uint32Array | undefined;

function crc32(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of data) crc = table[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** One entry of an archive, as {@linkcode listZip} reads it. */
export interface ZipListing {
  /** Path inside the archive, `/`-separated (folders end in `/`). */
  name: string;
  /**
   * Unix file type and permission bits (e.g. `0o100755`), or `undefined` when
   * the archive was not made on Unix and holds none.
   */
  mode?: number;
}

/**
 * Lists the entries of a zip archive from its central directory (Zip64
 * included). Throws when the bytes are not a zip archive.
 */
export function listZip(zip: Uint8Array): ZipListing[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => Number(view.getBigUint64(at, true));
  // The end record is last, followed only by a comment of up to 64 KB.
  let end = -1;
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 65557); at--) {
    if (u32(at) === 0x06054b50 && at + 22 + u16(at + 20) === zip.length) {
      end = at;
      break;
    }
  }
  if (end < 0) {
    throw new Error("not a zip archive (no end of central directory)");
  }
  let count = u16(end + 10);
  let offset = u32(end + 16);
  if ((count === 0xffff || offset === 0xffffffff) && end >= 20) {
    const locator = end - 20;
    if (u32(locator) === 0x07064b50) {
      const end64 = u64(locator + 8);
      if (end64 + 56 <= zip.length && u32(end64) === 0x06064b50) {
        count = u64(end64 + 32);
        offset = u64(end64 + 48);
      }
    }
  }
  const entries: ZipListing[] = [];
  const names = new TextDecoder();
  for (let i = 0, at = offset; i < count; i++) {
    if (at + 46 > zip.length || u32(at) !== 0x02014b50) {
      throw new Error("not a zip archive (broken central directory)");
    }
    const nameLength = u16(at + 28);
    const madeOnUnix = u16(at + 4) >> 8 === 3;
    const mode = u32(at + 38) >>> 16;
    entries.push({
      name: names.decode(zip.subarray(at + 46, at + 46 + nameLength)),
      mode: madeOnUnix && mode !== 0 ? mode : undefined,
    });
    at += 46 + nameLength + u16(at + 30) + u16(at + 32);
  }
  return entries;
}
