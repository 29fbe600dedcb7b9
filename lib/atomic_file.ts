/**
 * Writing a whole file so that readers see either the old or the new bytes,
 * never a mix: a temporary file in the same folder, synced, then renamed over
 * the target, and the folder synced. Used for the credentials and config
 * files, our own config file and our cache.
 *
 * What differs between systems for files is decided here, once, by
 * {@linkcode filePlatform} from `Deno.build.os`; the lock (`file_lock.ts`)
 * and the AWS files (`aws_files.ts`) follow the same decision.
 *
 * @module
 */
import { basename, dirname, isAbsolute, join } from "node:path";

/**
 * What differs between systems for the files we write, as
 * {@linkcode filePlatform} decides it. Passed in (the `platform` option of
 * {@linkcode writeFileAtomic} and of `withFileLock`) so that tests can play
 * one system on another.
 */
export interface FilePlatform {
  /** The system this describes. */
  os: typeof Deno.build.os;
  /**
   * Whether Unix modes mean anything: 0600 files, 0700 folders, `chmod`,
   * `chown`. On Windows they do not: Deno ignores the mode there, and what
   * keeps the files private is the access list of the user's profile folder
   * (`%USERPROFILE%`, open to the user, SYSTEM and Administrators only),
   * which new files under it inherit. We neither set nor compare modes
   * there.
   */
  modes: boolean;
  /**
   * Whether a folder can be opened and synced to make a rename durable (not
   * on Windows, where a folder cannot be opened as a file).
   */
  syncFolders: boolean;
  /**
   * Waits, in ms, before each new try of a rename over a target that another
   * program has open. Windows refuses such a rename (access denied, a sharing
   * or lock violation) while an AWS CLI reads the file, an editor holds it or
   * a virus scanner looks at it, usually for a few ms; elsewhere a rename
   * never fails for that, so there is nothing to wait for (empty).
   */
  busyRenameRetryMs: readonly number[];
  /**
   * Whether a lock file is deleted when its lock is released. Not on
   * Windows: a file another process has open cannot really be deleted there
   * (it lingers "delete pending" and cannot be created again), so the lock
   * file stays, empty; Windows' mandatory locks cover only that file, never
   * the file it guards.
   */
  removeLockFile: boolean;
}

/** About 1.6 s in all: long enough for a reader or a scan to let go. */
const WINDOWS_BUSY_RETRY_MS = [10, 20, 40, 80, 160, 320, 500, 500] as const;

/**
 * The file behaviour of `os` (default: this system).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { filePlatform } from "./atomic_file.ts";
 * assert.equal(filePlatform("linux").modes, true);
 * assert.equal(filePlatform("windows").modes, false);
 * assert.deepEqual(filePlatform("darwin").busyRenameRetryMs, []);
 * ```
 */
export function filePlatform(
  os: typeof Deno.build.os = Deno.build.os,
): FilePlatform {
  const windows = os === "windows";
  return {
    os,
    modes: !windows,
    syncFolders: !windows,
    busyRenameRetryMs: windows ? WINDOWS_BUSY_RETRY_MS : [],
    removeLockFile: !windows,
  };
}

/** Options of {@linkcode writeFileAtomic}. */
export interface AtomicWriteOptions {
  /**
   * The widest mode the file may have (default 0o600). A new file gets it; an
   * existing file keeps its own mode narrowed to it, never widened. Means
   * nothing on Windows (see {@linkcode FilePlatform.modes}).
   */
  mode?: number;
  /** Mode of folders created on the way (default 0o700). */
  dirMode?: number;
  /** The system's file behaviour (default {@linkcode filePlatform}()). */
  platform?: FilePlatform;
  /** Renames the temporary file over the target (default `Deno.rename`). */
  rename?: (from: string, to: string) => Promise<void>;
  /** Waits between tries of a busy rename (default a timer). */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * A rename over a target that another program kept open, still refused after
 * every try {@linkcode FilePlatform.busyRenameRetryMs} allows. The target is
 * unchanged and the temporary file removed.
 */
export class FileBusyError extends Error {
  /** Creates the error for `path`, after `tries` tries over `waitedMs`. */
  constructor(path: string, tries: number, waitedMs: number, cause: unknown) {
    super(
      `${path} stayed in use by another program (an AWS CLI or SDK reading ` +
        `it, an editor, a virus scanner): it could not be replaced in ` +
        `${tries} tries over ${(waitedMs / 1000).toFixed(1)} s ` +
        `(${(cause as Error)?.message ?? cause})`,
      { cause },
    );
    this.name = "FileBusyError";
  }
}

/**
 * Whether a failed rename is Windows saying "the target is open elsewhere":
 * EACCES/EPERM (access denied, os error 5), EBUSY, a sharing violation (os
 * error 32) or a lock violation (os error 33).
 */
function isBusyRename(error: unknown): boolean {
  if (
    error instanceof Deno.errors.PermissionDenied ||
    error instanceof Deno.errors.Busy
  ) return true;
  const code = (error as { code?: unknown })?.code;
  if (code === "EACCES" || code === "EPERM" || code === "EBUSY") return true;
  return /\(os error (5|32|33)\)/.test(String((error as Error)?.message));
}

/**
 * Renames `from` over `to`; where the platform says a busy target makes a
 * rename fail for a moment, tries again after each of its waits, then throws
 * {@linkcode FileBusyError}. Any other failure is thrown at once.
 */
async function renameOver(
  from: string,
  to: string,
  platform: FilePlatform,
  rename: (from: string, to: string) => Promise<void>,
  sleep: (ms: number) => Promise<void>,
): Promise<void> {
  const waits = platform.busyRenameRetryMs;
  let waited = 0;
  for (let attempt = 0;; attempt++) {
    try {
      return await rename(from, to);
    } catch (error) {
      if (waits.length === 0 || !isBusyRename(error)) throw error;
      if (attempt >= waits.length) {
        throw new FileBusyError(to, attempt + 1, waited, error);
      }
      await sleep(waits[attempt]);
      waited += waits[attempt];
    }
  }
}

/** "a named pipe (FIFO)", "a folder", ...: what a non-regular file is. */
export function describeFileKind(info: Deno.FileInfo): string {
  if (info.isDirectory) return "a folder";
  if (info.isFifo) return "a named pipe (FIFO)";
  if (info.isSocket) return "a socket";
  if (info.isCharDevice || info.isBlockDevice) return "a device";
  if (info.isSymlink) return "a symbolic link";
  return "not a regular file";
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

const timer = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Replaces `path` with `data` atomically. A symlink stays a symlink (its
 * target is replaced); missing folders are created with `dirMode`; the file
 * keeps its owner when we run as root on someone else's file. Refuses to
 * replace anything but a regular file (a FIFO, a device, a folder), leaving
 * it as it is.
 *
 * On Windows a rename over a file another program has open fails for as
 * long as it keeps it open: it is tried again for about 1.6 s, then
 * {@linkcode FileBusyError} is thrown. Whatever fails, the target keeps its
 * old bytes and the temporary file is removed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./atomic_file.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/settings.json`, "{}\n");
 * assert.equal(await Deno.readTextFile(`${dir}/settings.json`), "{}\n");
 * const info = await Deno.stat(`${dir}/settings.json`);
 * if (Deno.build.os !== "windows") assert.equal(info.mode! & 0o777, 0o600);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions = {},
): Promise<void> {
  const platform = options.platform ?? filePlatform();
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
  if (existing && !existing.isFile) {
    throw new Deno.errors.InvalidData(
      `${target} is ${describeFileKind(existing)}, not a regular file; ` +
        "it was left as it is",
    );
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
      if (platform.modes) {
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
    await renameOver(
      temp,
      target,
      platform,
      options.rename ?? Deno.rename,
      options.sleep ?? timer,
    );
    renamed = true;
  } finally {
    if (!renamed) await Deno.remove(temp).catch(() => {});
  }
  if (platform.syncFolders) {
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
