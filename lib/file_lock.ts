/**
 * A lock between processes on one file: the kernel's own exclusive lock
 * (`flock` on Linux and macOS, `LockFileEx` on Windows, through Deno's
 * `FsFile.tryLock`) on a lock file next to it, `<path>.lock`. It serialises
 * the edits of the AWS shared files (`aws_files.ts`) and the refreshes of a
 * profile's saved sign-in (`session.ts`).
 *
 * The kernel releases the lock when its holder ends, however it ends (an
 * error, Ctrl-C, SIGKILL, a crash), so no lock is ever stale: a lock file
 * left behind is only a file, locked by nobody, and the next process takes
 * it at once, whatever it holds. A live holder is waited for, about 10 s at
 * most; then a {@linkcode CredentialsFileError} names the lock file.
 *
 * Where {@linkcode FilePlatform.removeLockFile} says so (not Windows) the
 * holder deletes the lock file before it lets go, so none is left behind. A
 * waiter that then gets the lock of that deleted file sees that the path no
 * longer names it, and starts again on the file now there.
 *
 * @module
 */
import { dirname } from "node:path";
import { writeFailureHint } from "./_write_failure.ts";
import {
  describeFileKind,
  type FilePlatform,
  filePlatform,
} from "./atomic_file.ts";
import { CredentialsFileError } from "./errors.ts";

const LOCK_TIMEOUT_MS = 10_000;
const FILE_MODE = 0o600;

/** Options of {@linkcode withFileLock}. */
export interface FileLockOptions {
  /**
   * Who holds the lock and what for, as the message says it when waiting
   * times out (default `another program is updating <path>`).
   */
  holder?: string;
  /**
   * Hears the error when the lock file cannot be created at all (a
   * read-only or full folder, a missing one); `fn` then runs without the
   * lock instead of that error being thrown. Waiting that times out is
   * always thrown.
   */
  onNoLock?: (error: CredentialsFileError) => void;
  /** How long to wait for a live holder, in ms (default 10 000). */
  timeoutMs?: number;
  /** The system's file behaviour (default {@linkcode filePlatform}()). */
  platform?: FilePlatform;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The error for a lock file that cannot be created or opened. */
function cannotCreate(lockPath: string, error: unknown): CredentialsFileError {
  const reason = (error as Error)?.message ?? String(error);
  return new CredentialsFileError(
    `Cannot create the lock file ${lockPath}: ${reason}. ` +
      writeFailureHint(error, dirname(lockPath)),
    { cause: error },
  );
}

/** Whether `lockPath` still names the file `file` has open. */
async function stillNamed(
  lockPath: string,
  file: Deno.FsFile,
): Promise<boolean> {
  const held = await file.stat();
  try {
    const named = await Deno.stat(lockPath);
    return named.ino === held.ino && named.dev === held.dev;
  } catch {
    return false; // deleted by the holder we waited for
  }
}

/**
 * Opens `lockPath` and takes its lock; returns the open file (closing it
 * releases the lock), or undefined when the file could not be created and
 * `onNoLock` heard why.
 */
async function acquireLock(
  lockPath: string,
  target: string,
  options: FileLockOptions,
  platform: FilePlatform,
): Promise<Deno.FsFile | undefined> {
  const timeoutMs = options.timeoutMs ?? LOCK_TIMEOUT_MS;
  const started = Date.now();
  let delay = 2;
  while (true) {
    let file: Deno.FsFile;
    try {
      file = await Deno.open(lockPath, {
        read: true,
        write: true,
        create: true,
        mode: FILE_MODE,
      });
    } catch (error) {
      return noLock(cannotCreate(lockPath, error), options);
    }
    let keep = false;
    try {
      const info = await file.stat();
      if (!info.isFile) {
        throw new CredentialsFileError(
          `The lock file ${lockPath} is ${describeFileKind(info)}, not a ` +
            `regular file. Remove it and try again.`,
        );
      }
      if (await file.tryLock(true)) {
        // The holder we waited for may have deleted this file meanwhile: a
        // lock on it would exclude nobody. Start again on the new one.
        if (!platform.removeLockFile || await stillNamed(lockPath, file)) {
          keep = true;
          return file;
        }
        delay = 2;
        continue;
      }
    } finally {
      if (!keep) file.close();
    }
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      const seconds = timeoutMs / 1000;
      const holder = options.holder ?? `another program is updating ${target}`;
      throw new CredentialsFileError(
        `Timed out after ${seconds} s waiting for ${lockPath}: ${holder}. ` +
          `Try again once it has finished; if this keeps happening, end the ` +
          `aws-cognito-auth process that is stuck holding it.`,
      );
    }
    await sleep(Math.min(delay + Math.random() * delay, timeoutMs - waited));
    delay = Math.min(delay * 2, 100);
  }
}

/** Hands the error to `onNoLock` (and goes on unlocked) or throws it. */
function noLock(
  error: CredentialsFileError,
  options: FileLockOptions,
): undefined {
  if (!options.onNoLock) throw error;
  options.onNoLock(error);
  return undefined;
}

/**
 * Runs `fn` while holding the lock of `path` (the kernel's lock on the file
 * `<path>.lock`, mode 0600, in the same folder, which must exist) and
 * returns what it returns. The lock is released when `fn` returns or
 * throws, or by the kernel when this process ends first. The lock file is
 * deleted on release, except on Windows.
 *
 * Waits for a live holder, trying again every few to 100 ms. Throws
 * {@linkcode CredentialsFileError} naming the lock file when the holder
 * keeps it for more than `options.timeoutMs` (about 10 s), when the lock
 * file is not a regular file, or when it cannot be created (unless
 * `options.onNoLock` is given).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { withFileLock } from "./file_lock.ts";
 * const dir = await Deno.makeTempDir();
 * const counter = `${dir}/counter`;
 * const bump = () =>
 *   withFileLock(counter, async () => {
 *     const n = Number(await Deno.readTextFile(counter).catch(() => "0"));
 *     await new Promise((r) => setTimeout(r, 5));
 *     await Deno.writeTextFile(counter, String(n + 1));
 *     return n + 1;
 *   });
 * const seen = await Promise.all([bump(), bump(), bump()]);
 * assert.deepEqual(seen.sort(), [1, 2, 3]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function withFileLock<T>(
  path: string,
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lockPath = `${path}.lock`;
  const platform = options.platform ?? filePlatform();
  const file = await acquireLock(lockPath, path, options, platform);
  try {
    return await fn();
  } finally {
    if (file) {
      // Deleted while still locked, so that no one can lock it after us
      // and believe they hold the lock of the file now at that path.
      if (platform.removeLockFile) await Deno.remove(lockPath).catch(() => {});
      file.close();
    }
  }
}
