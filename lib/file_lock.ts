/**
 * A lock between processes on one file: `<path>.lock`, created exclusively
 * (O_EXCL), holding the pid, host and time of its holder. It serialises the
 * edits of the AWS shared files (`aws_files.ts`) and the refreshes of a
 * profile's saved sign-in (`session.ts`).
 *
 * A lock older than 30 s, or whose holder on this machine has died, is
 * stale and taken over (without stealing a fresh lock someone took
 * meanwhile); waiting longer than about 10 s for a live holder fails with a
 * message naming the lock file.
 *
 * @module
 */
import { dirname } from "node:path";
import { writeFailureHint } from "./_write_failure.ts";
import { CredentialsFileError } from "./errors.ts";

const LOCK_TIMEOUT_MS = 10_000;
const LOCK_STALE_MS = 30_000;
const FILE_MODE = 0o600;

/** Options of {@linkcode withFileLock}. */
export interface FileLockOptions {
  /**
   * Hears a one-line message when a stale lock (its process died, or it is
   * older than 30 s) was taken over, so the CLI can say so.
   */
  onStaleLock?: (message: string) => void;
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
}

let cachedHost: string | undefined;

/** This machine's name, or "" when we may not ask (no --allow-sys). */
function thisHost(): string {
  if (cachedHost === undefined) {
    try {
      cachedHost = Deno.hostname();
    } catch {
      cachedHost = "";
    }
  }
  return cachedHost;
}

function randomHex(bytes = 8): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)))
    .map((b) => b.toString(16).padStart(2, "0")).join("");
}

interface LockInfo {
  pid: number;
  host: string;
  time: number;
  nonce: string;
}

function parseLock(text: string): LockInfo | undefined {
  try {
    const value = JSON.parse(text);
    if (
      typeof value?.pid === "number" && typeof value?.time === "number" &&
      typeof value?.host === "string"
    ) return value as LockInfo;
  } catch {
    // not ours or half-written
  }
  return undefined;
}

async function pidIsAlive(pid: number): Promise<boolean | undefined> {
  if (Deno.build.os !== "linux") return undefined; // cannot tell
  try {
    await Deno.stat(`/proc/${pid}`);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    return undefined;
  }
}

/** A lock is stale when older than 30 s or its process on this host died. */
async function lockIsStale(
  lockPath: string,
  text: string,
  now: number,
): Promise<boolean> {
  const info = parseLock(text);
  if (info) {
    if (now - info.time > LOCK_STALE_MS) return true;
    const sameHost = info.host !== "" && info.host === thisHost();
    if (sameHost && await pidIsAlive(info.pid) === false) {
      return true;
    }
    return false;
  }
  // Empty or foreign content: judge by the file's age (a writer may be
  // between creating it and writing its pid).
  try {
    const mtime = (await Deno.stat(lockPath)).mtime?.getTime();
    return mtime !== undefined && now - mtime > LOCK_STALE_MS;
  } catch {
    return false;
  }
}

/** Says why a lock was judged stale, for the message after taking it over. */
function describeStaleLock(lockPath: string, text: string, now: number) {
  const info = parseLock(text);
  if (info && now - info.time <= LOCK_STALE_MS) {
    return `Took over the lock file ${lockPath}: the process that held it ` +
      `(pid ${info.pid}) is no longer running.`;
  }
  return `Took over the lock file ${lockPath}: it was left behind more than ` +
    `${LOCK_STALE_MS / 1000} s ago and never released.`;
}

/**
 * Moves a stale lock out of the way without stealing a fresh one. Returns
 * whether it removed the stale lock (false when someone else did first).
 */
async function breakStaleLock(
  lockPath: string,
  seen: string,
): Promise<boolean> {
  const aside = `${lockPath}.${randomHex()}.stale`;
  try {
    await Deno.rename(lockPath, aside);
  } catch {
    return false; // someone else broke it first
  }
  const moved = await Deno.readTextFile(aside).catch(() => "");
  if (moved === seen || await lockIsStale(aside, moved, Date.now())) {
    await Deno.remove(aside).catch(() => {});
    return true;
  }
  // We moved a lock someone took in the meantime: put it back.
  try {
    await Deno.link(aside, lockPath);
  } catch {
    // Its place is taken again; nothing better to do than drop it.
  }
  await Deno.remove(aside).catch(() => {});
  return false;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The error for a lock file that cannot be created or filled in. */
function cannotCreate(lockPath: string, error: unknown): CredentialsFileError {
  const reason = (error as Error)?.message ?? String(error);
  return new CredentialsFileError(
    `Cannot create the lock file ${lockPath}: ${reason}. ` +
      writeFailureHint(error, dirname(lockPath)),
    { cause: error },
  );
}

/**
 * Takes `lockPath` and returns what it wrote there, to check before removing
 * it; undefined when the file could not be created and `onNoLock` heard why.
 */
async function acquireLock(
  lockPath: string,
  target: string,
  options: FileLockOptions,
): Promise<string | undefined> {
  const started = Date.now();
  let delay = 5;
  while (true) {
    const mine = JSON.stringify(
      {
        pid: Deno.pid,
        host: thisHost(),
        time: Date.now(),
        nonce: randomHex(),
      } satisfies LockInfo,
    );
    let file: Deno.FsFile | undefined;
    try {
      file = await Deno.open(lockPath, {
        write: true,
        createNew: true,
        mode: FILE_MODE,
      });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) {
        return noLock(cannotCreate(lockPath, error), options);
      }
    }
    if (file) {
      try {
        const bytes = new TextEncoder().encode(mine);
        let written = 0;
        while (written < bytes.length) {
          written += await file.write(bytes.subarray(written));
        }
      } catch (error) {
        // A lock file we could not fill in (disk full) would look like a
        // fresh lock to the next writer for 30 s: remove it.
        file.close();
        await Deno.remove(lockPath).catch(() => {});
        return noLock(cannotCreate(lockPath, error), options);
      }
      file.close();
      return mine;
    }
    let seen: string | undefined;
    try {
      seen = await Deno.readTextFile(lockPath);
    } catch (error) {
      // Released meanwhile: try again at once.
      if (error instanceof Deno.errors.NotFound) continue;
    }
    if (seen !== undefined && await lockIsStale(lockPath, seen, Date.now())) {
      if (await breakStaleLock(lockPath, seen)) {
        options.onStaleLock?.(describeStaleLock(lockPath, seen, Date.now()));
      }
      continue;
    }
    if (Date.now() - started > LOCK_TIMEOUT_MS) {
      const seconds = LOCK_TIMEOUT_MS / 1000;
      const holder = options.holder ?? `another program is updating ${target}`;
      throw new CredentialsFileError(
        `Timed out after ${seconds} s waiting for ${lockPath}: ${holder}. ` +
          `Try again; if nothing else is running, delete ${lockPath}.`,
      );
    }
    await sleep(delay + Math.random() * delay);
    delay = Math.min(delay * 2, 200);
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

async function releaseLock(lockPath: string, mine: string): Promise<void> {
  const current = await Deno.readTextFile(lockPath).catch(() => undefined);
  // If our lock was judged stale and taken over, it is not ours to remove.
  if (current === mine) await Deno.remove(lockPath).catch(() => {});
}

/**
 * Runs `fn` while holding the lock of `path` (the file `<path>.lock`, mode
 * 0600, in the same folder, which must exist) and returns what it returns.
 * The lock is released when `fn` returns or throws; a lock that was taken
 * over from us meanwhile (we held it longer than 30 s) is left alone.
 *
 * Waits for another holder, checking again every few to 200 ms; takes over
 * a stale lock (older than 30 s, or its process on this machine has died)
 * and reports that to `options.onStaleLock`. Throws
 * {@linkcode CredentialsFileError} naming the lock file when a live holder
 * keeps it for more than about 10 s, or when the lock file cannot be
 * created (unless `options.onNoLock` is given).
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
  const mine = await acquireLock(lockPath, path, options);
  try {
    return await fn();
  } finally {
    if (mine !== undefined) await releaseLock(lockPath, mine);
  }
}
