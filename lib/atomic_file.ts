/**
 * Writing a whole file so that readers see either the old or the new bytes,
 * never a mix: a temporary file in the same folder, synced, then renamed over
 * the target, and the folder synced. Used for the credentials and config
 * files, our own config file and our cache.
 *
 * @module
 */
import { basename, dirname, isAbsolute, join } from "node:path";

const IS_WINDOWS = Deno.build.os === "windows";

/** Options of {@linkcode writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * The widest mode the file may have (default 0o600). A new file gets it; an
   * existing file keeps its own mode narrowed to it, never widened.
   */
  mode?: number;
  /** Mode of folders created on the way (default 0o700). */
  dirMode?: number;
}

/**
 * Follows symlinks (dangling ones too) to the path that should really be
 * written, so that replacing it keeps the link a link.
 */
export async function resolveLink(path: string): Promise<string> {
  let current = path;
  for (let hops = 0; hops < 40; hops++) {
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(current);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return current;
      throw error;
    }
    if (!info.isSymlink) return current;
    const link = await Deno.readLink(current);
    current = isAbsolute(link) ? link : join(dirname(current), link);
  }
  throw new Deno.errors.FilesystemLoop(
    `too many levels of symbolic links at ${path}`,
  );
}

/**
 * Replaces `path` with `data` atomically. A symlink stays a symlink (its
 * target is replaced); missing folders are created with `dirMode`; the file
 * keeps its owner when we run as root on someone else's file.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./atomic_file.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/settings.json`, "{}\n");
 * const info = await Deno.stat(`${dir}/settings.json`);
 * console.assert(Deno.build.os === "windows" || (info.mode! & 0o777) === 0o600);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const widest = options.mode ?? 0o600;
  const target = await resolveLink(path);
  const dir = dirname(target);
  await Deno.mkdir(dir, { recursive: true, mode: options.dirMode ?? 0o700 });
  let existing: Deno.FileInfo | undefined;
  try {
    existing = await Deno.stat(target);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const mode = existing?.mode == null
    ? widest
    : (existing.mode & widest) || widest;
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  const temp = join(
    dir,
    `.${basename(target)}.${crypto.randomUUID().slice(0, 8)}.tmp`,
  );
  let renamed = false;
  try {
    const file = await Deno.open(temp, { write: true, createNew: true, mode });
    try {
      if (!IS_WINDOWS) {
        // The umask may have narrowed the mode asked for; set it exactly.
        await Deno.chmod(temp, mode);
        if (existing?.uid != null && existing.uid !== Deno.uid()) {
          // Run as root on someone's file: hand it back to them. Best effort.
          await Deno.chown(temp, existing.uid, existing.gid).catch(() => {});
        }
      }
      let written = 0;
      while (written < bytes.length) {
        written += await file.write(bytes.subarray(written));
      }
      await file.sync();
    } finally {
      file.close();
    }
    await Deno.rename(temp, target);
    renamed = true;
  } finally {
    if (!renamed) await Deno.remove(temp).catch(() => {});
  }
  if (!IS_WINDOWS) {
    // Make the rename itself durable. Best effort: some file systems cannot
    // sync a folder.
    try {
      const handle = await Deno.open(dir, { read: true });
      try {
        await handle.sync();
      } finally {
        handle.close();
      }
    } catch {
      // ignored
    }
  }
}
