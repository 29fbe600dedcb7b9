/**
 * Reading and safely editing the AWS shared credentials file
 * (`~/.aws/credentials`) and config file (`~/.aws/config`).
 *
 * These files are people's data: edits change only the lines they mean to
 * change and keep every other byte (comments, blank lines, key order, CRLF
 * line ends, a UTF-8 byte order mark, a missing final newline). Writes are
 * atomic (temporary file, fsync, rename), keep the file private (mode 0600),
 * follow a symlink to its target and hold a lock file so that two processes
 * updating the same file at once both land. The text edits themselves are
 * `ini_text.ts`, re-exported here.
 *
 * Reads go through the AWS SDK's own parser so that what we report is what
 * the SDK will use. Values are secrets: they never appear in error messages.
 *
 * @module
 */
import { constants as fsConstants, promises as nodeFs } from "node:fs";
import { dirname, join } from "node:path";
import { writeFailureHint } from "./_write_failure.ts";
import {
  describeFileKind,
  filePlatform,
  resolveLink,
  writeFileAtomic,
} from "./atomic_file.ts";
import { CredentialsFileError } from "./errors.ts";
import { withFileLock } from "./file_lock.ts";
import { HOME_VARIABLES, homeDir } from "./home.ts";
import {
  type AwsFileKind,
  editIniText,
  removeIniSection,
  sectionHasKeys,
} from "./ini_text.ts";

export {
  type AwsFileKind,
  editIniText,
  removeIniSection,
  sectionHasKeys,
  sectionName,
} from "./ini_text.ts";

/** Environment variables, as `Deno.env.toObject()` gives them. */
export type Env = Record<string, string | undefined>;

// ---------------------------------------------------------------------------
// Paths

function envGet(env: Env | undefined, name: string): string | undefined {
  const value = env ? env[name] : Deno.env.get(name);
  return value === "" ? undefined : value;
}

function homeFolder(env: Env | undefined): string {
  const home = homeDir(
    env ?? Object.fromEntries(HOME_VARIABLES.map((n) => [n, Deno.env.get(n)])),
  );
  if (home) return home;
  throw new CredentialsFileError(
    "Cannot find your home directory. Set HOME (USERPROFILE on Windows), or " +
      "set AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE to the files to use.",
  );
}

function filePath(
  env: Env | undefined,
  variable: string,
  fileName: string,
): string {
  const fromEnv = envGet(env, variable);
  if (fromEnv === undefined) return join(homeFolder(env), ".aws", fileName);
  // The SDK and the AWS CLI both expand a leading "~/" in these variables.
  if (/^~[\/\\]/.test(fromEnv)) return join(homeFolder(env), fromEnv.slice(2));
  return fromEnv;
}

/**
 * Path of the shared credentials file: `AWS_SHARED_CREDENTIALS_FILE` if set
 * (a leading `~/` is expanded), else `~/.aws/credentials` where `~` is `HOME`
 * (or `USERPROFILE` on Windows). Reads `Deno.env` when `env` is not given.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { credentialsFilePath } from "./aws_files.ts";
 * const path = credentialsFilePath({ HOME: "/home/ana" });
 * assert.equal(path, "/home/ana/.aws/credentials");
 * ```
 */
export function credentialsFilePath(env?: Env): string {
  return filePath(env, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
}

/**
 * Path of the shared config file: `AWS_CONFIG_FILE` if set (a leading `~/` is
 * expanded), else `~/.aws/config` where `~` is `HOME` (or `USERPROFILE` on
 * Windows). Reads `Deno.env` when `env` is not given.
 */
export function configFilePath(env?: Env): string {
  return filePath(env, "AWS_CONFIG_FILE", "config");
}

/**
 * Checks that the home folder exists when the shared files are found through
 * it (`AWS_SHARED_CREDENTIALS_FILE` or `AWS_CONFIG_FILE` unset or starting
 * with `~/`). A `HOME` that points nowhere is a broken environment: writing
 * would create a home folder, so `login` stops before signing in instead.
 * Reads `Deno.env` when `env` is not given.
 *
 * Throws {@linkcode CredentialsFileError} when no home folder is set, or it
 * does not exist or is not a folder.
 */
export async function checkHomeFolder(env?: Env): Promise<void> {
  const viaHome = ["AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE"].some(
    (name) => {
      const value = envGet(env, name);
      return value === undefined || /^~[\/\\]/.test(value);
    },
  );
  if (!viaHome) return;
  const home = homeFolder(env);
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(home);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return; // reported on write
  }
  if (!info?.isDirectory) {
    throw new CredentialsFileError(
      `Your home folder ${home} ${
        info ? "is not a folder" : "does not exist"
      }, so there is no ~/.aws to write to. Set HOME to your home folder, ` +
        "or set AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE to the " +
        "files to use.",
    );
  }
}

// ---------------------------------------------------------------------------
// Reading

/** The error for a path that is not a regular file; it is never opened. */
function notRegular(path: string, info: Deno.FileInfo): CredentialsFileError {
  return new CredentialsFileError(
    `Cannot read ${path}: it is ${describeFileKind(info)}, not a regular ` +
      "file, and aws-cognito-auth reads and replaces only regular files. " +
      "Move it away, or set AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE " +
      "to regular files.",
  );
}

/** The error for a file that exists but cannot be read. */
function cannotRead(path: string, error: unknown): CredentialsFileError {
  return new CredentialsFileError(
    `Cannot read ${path}: ${(error as Error)?.message ?? error}. Check that ` +
      "the file is readable by you.",
    { cause: error },
  );
}

/** O_NONBLOCK where there is one: opening a FIFO then never waits. */
const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

/**
 * Opens an AWS file for reading, or returns undefined when it does not
 * exist. Anything but a regular file (a FIFO, a device, a socket, a folder)
 * is refused before it is opened: opening a FIFO for reading waits for a
 * writer for ever. It is opened without blocking and checked again once
 * open, so a FIFO put there in between cannot make us wait either.
 */
async function openAwsFile(
  path: string,
): Promise<nodeFs.FileHandle | undefined> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw cannotRead(path, error);
  }
  if (!info.isFile) throw notRegular(path, info);
  let handle: nodeFs.FileHandle;
  try {
    handle = await nodeFs.open(path, OPEN_FLAGS);
  } catch (error) {
    if ((error as { code?: string })?.code === "ENOENT") return undefined;
    throw cannotRead(path, error);
  }
  try {
    if (!(await handle.stat()).isFile()) {
      throw notRegular(path, await Deno.stat(path));
    }
  } catch (error) {
    await handle.close();
    if (error instanceof CredentialsFileError) throw error;
    throw cannotRead(path, error);
  }
  return handle;
}

/**
 * The bytes of an AWS credentials or config file, or undefined when it does
 * not exist. Never opens anything but a regular file, so a FIFO in its place
 * cannot make a command wait for ever.
 *
 * Throws {@linkcode CredentialsFileError} (exit 10) naming the path when it
 * is not a regular file (a FIFO, a device, a socket, a folder) or cannot be
 * read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readAwsFile } from "./aws_files.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await readAwsFile(`${dir}/credentials`), undefined);
 * await assert.rejects(readAwsFile(dir), /it is a folder, not a regular file/);
 * await Deno.remove(dir);
 * ```
 */
export async function readAwsFile(
  path: string,
): Promise<Uint8Array | undefined> {
  const handle = await openAwsFile(path);
  if (!handle) return undefined;
  try {
    return await handle.readFile();
  } catch (error) {
    throw cannotRead(path, error);
  } finally {
    await handle.close();
  }
}

/**
 * Throws when `path` exists but is not a regular file; other errors are
 * left to whoever reads it.
 */
async function refuseNonRegular(path: string): Promise<void> {
  const info = await Deno.stat(path).catch(() => undefined);
  if (info && !info.isFile) throw notRegular(path, info);
}

/**
 * Reads a profile's keys and values with the AWS SDK's own parser
 * (`loadSharedConfigFiles` from `@smithy/shared-ini-file-loader`, cache
 * off), so values are exactly what the SDK sees. The file comes from
 * {@linkcode credentialsFilePath} or {@linkcode configFilePath} for `env`.
 * Nested keys (e.g. `s3 =` blocks) come back as `s3.addressing_style`.
 *
 * Returns `undefined` if the file or the profile does not exist. Throws
 * {@linkcode CredentialsFileError} if the file exists but cannot be read,
 * or when either file is not a regular file (see {@linkcode readAwsFile}).
 */
export async function readProfile(
  kind: AwsFileKind,
  profile: string,
  env?: Env,
): Promise<Record<string, string> | undefined> {
  const filepath = credentialsFilePath(env);
  const configFilepath = configFilePath(env);
  const path = kind === "credentials" ? filepath : configFilepath;
  const other = kind === "credentials" ? configFilepath : filepath;
  // The SDK turns every read error into "no profiles"; tell a missing file
  // from one we may not read. It reads both files, and would wait for ever
  // on a FIFO: refuse one in either place first.
  const handle = await openAwsFile(path);
  if (!handle) return undefined;
  await handle.close();
  await refuseNonRegular(other);
  // Loaded here, not at the top: writing and the commands that only write
  // (status aside) should not pay for the SDK's parser and its @smithy/core.
  const { loadSharedConfigFiles } = await import(
    "@smithy/shared-ini-file-loader"
  );
  const files = await loadSharedConfigFiles({
    filepath,
    configFilepath,
    ignoreCache: true,
  });
  const profiles: Record<string, Record<string, string | undefined>> =
    kind === "credentials" ? files.credentialsFile : files.configFile;
  if (!Object.hasOwn(profiles, profile)) return undefined;
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(profiles[profile])) {
    if (value !== undefined) values[key] = value;
  }
  return values;
}

// ---------------------------------------------------------------------------
// Atomic, locked writes

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Options of {@linkcode updateProfileFile}. */
export interface UpdateProfileOptions {
  /**
   * Remove the section (as {@linkcode removeIniSection} does) when no key is
   * left in it after the edit: what `logout` wants.
   */
  dropEmptySection?: boolean;
}

/**
 * Atomically updates one section of an AWS credentials or config file, as
 * {@linkcode editIniText} describes (set keys, remove others, keep every
 * other byte).
 *
 * Under the kernel's exclusive lock on `<file>.lock` (see `withFileLock`) it
 * reads the file, edits the text, writes `.<name>.<random>.tmp` in the same
 * folder (mode 0600), fsyncs it and renames it over the file; a reader sees
 * the old file or the new one, never half of one. Creates the folder (0700)
 * and file (0600) when missing; an existing file keeps its mode narrowed to
 * at most 0600 (modes mean nothing on Windows). A symlink stays a symlink:
 * its target is replaced. A FIFO, device or folder in the file's place is
 * refused, never opened. Waiting more than about 10 s for another writer
 * fails; a writer that died left no lock.
 *
 * With `options.dropEmptySection`, a section left without keys is removed.
 *
 * Throws {@linkcode CredentialsFileError} (never naming a value) when the
 * file cannot be parsed, read, locked or written; the file is then left as it
 * was.
 *
 * @example
 * ```ts ignore
 * import { credentialsFilePath, updateProfileFile } from "./aws_files.ts";
 * await updateProfileFile(credentialsFilePath(), "dev", {
 *   aws_access_key_id: "AKIA...",
 *   aws_secret_access_key: "...",
 * }, ["aws_session_token"]);
 * ```
 */
export async function updateProfileFile(
  path: string,
  section: string,
  set: Record<string, string>,
  remove?: string[],
  options: UpdateProfileOptions = {},
): Promise<void> {
  try {
    // Check names and values before touching the disk.
    editIniText("", section, set, remove);
    let target: string;
    try {
      target = await resolveLink(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.FilesystemLoop)) throw error;
      throw new CredentialsFileError(
        "Too many levels of symbolic links. Point the link at the real file.",
        { cause: error },
      );
    }
    const dir = dirname(target);
    await Deno.mkdir(dir, { recursive: true, mode: DIR_MODE });
    await withFileLock(target, async () => {
      const before = await readAwsFile(target);
      const info = before ? await Deno.stat(target) : undefined;
      let text: string;
      try {
        text = before
          ? new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
            .decode(before)
          : "";
      } catch (error) {
        throw new CredentialsFileError(
          "The file is not valid UTF-8 text. Fix or replace it and try again.",
          { cause: error },
        );
      }
      let after = editIniText(text, section, set, remove);
      if (options.dropEmptySection && !sectionHasKeys(after, section)) {
        after = removeIniSection(after, section);
      }
      // Never widen: keep the file at most 0600 (narrower if it was).
      const oldMode = info?.mode ?? null;
      const mode = oldMode === null
        ? FILE_MODE
        : (oldMode & FILE_MODE) || FILE_MODE;
      const modeKept = !filePlatform().modes ||
        ((oldMode ?? 0) & 0o7777) === mode;
      if (before && after === text && modeKept) {
        return; // nothing to change
      }
      await writeFileAtomic(target, after, { mode: FILE_MODE });
    });
  } catch (error) {
    if (error instanceof CredentialsFileError) {
      const message = `Cannot update ${path}. ${error.message}`;
      throw new CredentialsFileError(message, { cause: error });
    }
    throw new CredentialsFileError(
      `Cannot update ${path}: ${(error as Error)?.message ?? error}. ` +
        writeFailureHint(error, "the folder"),
      { cause: error },
    );
  }
}
