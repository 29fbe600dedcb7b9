/**
 * Reading and safely editing the AWS shared credentials file
 * (`~/.aws/credentials`) and config file (`~/.aws/config`).
 *
 * These files are people's data: edits change only the lines they mean to
 * change and keep every other byte (comments, blank lines, key order, CRLF
 * line ends, a UTF-8 byte order mark, a missing final newline). Writes are
 * atomic (temporary file, fsync, rename), keep the file private (mode 0600),
 * follow a symlink to its target and hold a lock file so that two processes
 * updating the same file at once both land.
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

/** Which of the two shared AWS files a profile lives in. */
export type AwsFileKind = "credentials" | "config";

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
// Names and values we can write safely

/**
 * Characters the SDK accepts in `[profile NAME]` headers of the config file.
 * Names outside this set (spaces, brackets, quotes, ...) are silently ignored
 * by the SDK, so we refuse to write them.
 */
const PROFILE_NAME = /^[A-Za-z0-9_\-@+.%:\/]+$/;
/** Section names the SDK refuses with an error that hides the whole file. */
const BLOCKED_SECTIONS = new Set(["__proto__", "profile __proto__"]);
/** Key names we write: what the SDK and the AWS CLI use, nothing exotic. */
const KEY_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.\-]*$/;

/** Names a problem with `text`, or returns undefined when there is none. */
function problemWith(
  text: string,
  rules: [test: RegExp | ((s: string) => boolean), problem: string][],
): string | undefined {
  for (const [test, problem] of rules) {
    if (typeof test === "function" ? test(text) : test.test(text)) {
      return problem;
    }
  }
  return undefined;
}

const edgeSpace = (s: string) => s.trim() !== s;

function checkSection(section: string): void {
  const problem = problemWith(section, [
    [/^$/, "it is empty"],
    [edgeSpace, "it starts or ends with white space"],
    [/[\[\]]/, "it contains [ or ]"],
    [/\p{Cc}/u, "it contains a line break or control character"],
    [/\s[#;]/, "it has # or ; after a space, which starts a comment"],
    [(s) => BLOCKED_SECTIONS.has(s), "the AWS SDK refuses it"],
  ]);
  if (problem) {
    throw new CredentialsFileError(
      `Cannot use ${JSON.stringify(section)} as a section name: ${problem}. ` +
        "Choose another profile name.",
    );
  }
}

function checkKey(key: string): void {
  if (!KEY_NAME.test(key)) {
    throw new CredentialsFileError(
      `Cannot use ${JSON.stringify(key)} as a key name: use only letters, ` +
        "digits, _, - and . (and start with a letter, digit or _).",
    );
  }
}

/** Checks a value reads back unchanged; never puts the value in a message. */
function checkValue(key: string, value: unknown): void {
  const problem = typeof value !== "string"
    ? "it is not a string"
    : problemWith(value, [
      [/^$/, "it is empty (remove the key instead)"],
      [edgeSpace, "it starts or ends with white space"],
      [/\p{Cc}/u, "it contains a line break or control character"],
      [/^[#;]|\s[#;]/, "it has # or ; where the AWS SDK would see a comment"],
    ]);
  if (problem) {
    throw new CredentialsFileError(
      `Cannot write the value for ${JSON.stringify(key)}: ${problem}.`,
    );
  }
}

/**
 * Section header name of a profile: in the credentials file the profile name
 * itself (`[name]`); in the config file `default` for the default profile and
 * `profile name` otherwise (`[profile name]`).
 *
 * Throws {@linkcode CredentialsFileError} for names that cannot be written so
 * the AWS SDK reads them back: empty, white space, brackets, line breaks or
 * anything outside letters, digits and `_ - @ + . % : /`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sectionName } from "./aws_files.ts";
 * assert.equal(sectionName("credentials", "dev"), "dev");
 * assert.equal(sectionName("config", "dev"), "profile dev");
 * assert.equal(sectionName("config", "default"), "default");
 * ```
 */
export function sectionName(kind: AwsFileKind, profile: string): string {
  if (!PROFILE_NAME.test(profile) || BLOCKED_SECTIONS.has(profile)) {
    const shown = JSON.stringify(profile);
    throw new CredentialsFileError(
      `Cannot use ${shown} as a profile name: use only letters, digits and ` +
        "_ - @ + . % : / (no spaces or brackets).",
    );
  }
  if (kind === "config" && profile !== "default") return `profile ${profile}`;
  return profile;
}

// ---------------------------------------------------------------------------
// Line-preserving INI parser

type LineKind = "blank" | "comment" | "header" | "key" | "continuation";

interface Line {
  /** The line without its line end. */
  content: string;
  /** "\r\n", "\n" or "" (last line without a final newline). */
  eol: string;
  kind: LineKind;
}

interface KeyEntry {
  /** Key as written (trimmed). */
  name: string;
  /** Index of the `key = value` line. */
  line: number;
  /** Indices of indented lines that belong to this key's value. */
  continuations: number[];
}

interface Block {
  /** Section name between the brackets, exactly as written. */
  name: string;
  /** Index of the header line. */
  header: number;
  keys: KeyEntry[];
}

interface ParsedIni {
  lines: Line[];
  blocks: Block[];
}

const BLANK = /^\s*$/;
const COMMENT = /^\s*[#;]/;
const INDENTED = /^[ \t]/;
const HEADER = /^\[([^\[\]]+)\](?:\s*|\s+[#;].*)$/;
const KEY_LINE = /^([ \t]*)([^=\s][^=]*?)([ \t]*=[ \t]*)(.*)$/;

function splitLines(body: string): Line[] {
  const lines: Line[] = [];
  for (const match of body.matchAll(/([^\n]*)(\n|$)/g)) {
    let content = match[1];
    let eol = match[2];
    if (content === "" && eol === "") break; // the end
    if (eol === "\n" && content.endsWith("\r")) {
      content = content.slice(0, -1);
      eol = "\r\n";
    }
    lines.push({ content, eol, kind: "blank" });
  }
  return lines;
}

function parseError(lineIndex: number, problem: string): CredentialsFileError {
  // Never quote the line: it may hold a secret.
  return new CredentialsFileError(
    `Line ${lineIndex + 1} ${problem}. Fix or remove that line and try again.`,
  );
}

/**
 * Parses like botocore and the SDK do, but strictly: every line must be a
 * blank line, a comment, a `[section]` header, a `key = value` line, or an
 * indented continuation of the key above it.
 */
function parseIni(body: string): ParsedIni {
  const lines = splitLines(body);
  const blocks: Block[] = [];
  let block: Block | undefined;
  let lastKey: KeyEntry | undefined;
  lines.forEach((line, i) => {
    const text = line.content;
    if (BLANK.test(text)) {
      line.kind = "blank";
    } else if (COMMENT.test(text)) {
      line.kind = "comment";
    } else if (INDENTED.test(text)) {
      if (!block) {
        throw parseError(i, "is indented but comes before any [section]");
      }
      if (lastKey) {
        line.kind = "continuation";
        lastKey.continuations.push(i);
        return;
      }
      // Right after a header an indented key is still a key (both the SDK
      // and botocore read it so).
      const m = KEY_LINE.exec(text);
      if (!m) {
        throw parseError(i, "is indented but has no key = value line above it");
      }
      line.kind = "key";
      lastKey = { name: m[2], line: i, continuations: [] };
      block.keys.push(lastKey);
    } else if (text.startsWith("[")) {
      const m = HEADER.exec(text);
      if (!m) {
        throw parseError(
          i,
          "starts with [ but is not a section header like [name]",
        );
      }
      line.kind = "header";
      block = { name: m[1], header: i, keys: [] };
      blocks.push(block);
      lastKey = undefined;
    } else {
      const m = KEY_LINE.exec(text);
      if (!m) {
        throw parseError(
          i,
          "is not a [section] header, a key = value line or a comment",
        );
      }
      if (!block) {
        throw parseError(i, "has a key before any [section] header");
      }
      line.kind = "key";
      lastKey = { name: m[2], line: i, continuations: [] };
      block.keys.push(lastKey);
    }
  });
  return { lines, blocks };
}

function splitBom(text: string): [bom: string, body: string] {
  return text.startsWith("\uFEFF") ? ["\uFEFF", text.slice(1)] : ["", text];
}

/** Joins lines back; keeps the original final-newline state. */
function joinLines(
  bom: string,
  lines: { content: string; eol: string }[],
  finalNewline: boolean,
): string {
  let out = bom;
  lines.forEach((line, i) => {
    const last = i === lines.length - 1;
    out += line.content + (last && !finalNewline ? "" : line.eol);
  });
  return out;
}

function lastLineOf(entry: KeyEntry): number {
  return entry.continuations.length > 0
    ? entry.continuations[entry.continuations.length - 1]
    : entry.line;
}

/**
 * Sets keys in one section of an INI text and removes others, changing
 * nothing else: every other line stays byte-identical, as do CRLF line ends,
 * a UTF-8 byte order mark and the final-newline state.
 *
 * - An existing key (matched case-insensitively, as the AWS CLI does) has its
 *   value replaced in place, keeping its indent and `=` spacing; its spelling
 *   becomes the one asked for (the SDK matches case-sensitively). Indented
 *   continuation lines of the old value go with it.
 * - A new key goes right after the section's last key line.
 * - A missing section is appended at the end, after one blank line.
 * - Keys in `remove` are deleted with their continuation lines.
 * - If the section appears more than once, every copy is updated.
 *
 * Throws {@linkcode CredentialsFileError} when the text cannot be parsed (the
 * message names the line number, never its content), and for section names,
 * keys or values that would not read back the same.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editIniText } from "./aws_files.ts";
 * const text = "[a]\nregion = eu-west-1\n";
 * assert.equal(
 *   editIniText(text, "a", { output: "json" }),
 *   "[a]\nregion = eu-west-1\noutput = json\n",
 * );
 * ```
 */
export function editIniText(
  text: string,
  section: string,
  set: Record<string, string>,
  remove: string[] = [],
): string {
  checkSection(section);
  const setKeys = Object.keys(set);
  for (const key of setKeys) {
    checkKey(key);
    checkValue(key, set[key]);
  }
  for (const key of remove) checkKey(key);
  const lower = (s: string) => s.toLowerCase();
  const setByLower = new Map(setKeys.map((k) => [lower(k), k]));
  if (setByLower.size !== setKeys.length) {
    throw new CredentialsFileError(
      "Cannot set the same key twice in different upper/lower case.",
    );
  }
  const removeLower = new Set(remove.map(lower));
  for (const key of removeLower) {
    if (setByLower.has(key)) {
      throw new CredentialsFileError(
        `Cannot both set and remove ${JSON.stringify(key)}.`,
      );
    }
  }

  const [bom, body] = splitBom(text);
  const { lines, blocks } = parseIni(body);
  const eol = /\r?\n/.exec(body)?.[0] ?? "\n";
  const finalNewline = body === "" || body.endsWith("\n");
  // Work on copies whose last line has a line end; joinLines restores the
  // final-newline state.
  const out = lines.map((l) => ({ content: l.content, eol: l.eol || eol }));
  const deleted = new Set<number>();
  const insertAfter = new Map<number, string[]>();
  const found = new Set<string>();
  let changed = false;

  const mine = blocks.filter((b) => b.name === section);
  for (const block of mine) {
    for (const entry of block.keys) {
      const key = lower(entry.name);
      if (removeLower.has(key)) {
        deleted.add(entry.line);
        entry.continuations.forEach((i) => deleted.add(i));
        changed = true;
      } else if (setByLower.has(key)) {
        const wanted = setByLower.get(key)!;
        found.add(wanted);
        const m = KEY_LINE.exec(lines[entry.line].content)!;
        let separator = m[3];
        if (separator.endsWith("=") && /^\s/.test(separator)) separator += " ";
        const replaced = `${m[1]}${wanted}${separator}${set[wanted]}`;
        if (replaced !== out[entry.line].content) {
          out[entry.line].content = replaced;
          changed = true;
        }
        if (entry.continuations.length > 0) {
          entry.continuations.forEach((i) => deleted.add(i));
          changed = true;
        }
      }
    }
  }

  const missing = setKeys.filter((k) => !found.has(k));
  const newLines = missing.map((k) => `${k} = ${set[k]}`);
  if (newLines.length > 0) {
    changed = true;
    const target = mine[mine.length - 1];
    if (target) {
      const keys = target.keys;
      const after = keys.length > 0
        ? lastLineOf(keys[keys.length - 1])
        : target.header;
      insertAfter.set(after, newLines);
    } else {
      const added = [`[${section}]`, ...newLines];
      const lastIndex = out.length - 1;
      if (lastIndex >= 0 && lines[lastIndex].kind !== "blank") {
        added.unshift("");
      }
      if (lastIndex >= 0) insertAfter.set(lastIndex, added);
      else out.push(...added.map((content) => ({ content, eol })));
    }
  }
  if (!changed) return text;

  const result: { content: string; eol: string }[] = [];
  out.forEach((line, i) => {
    if (!deleted.has(i)) result.push(line);
    for (const content of insertAfter.get(i) ?? []) {
      result.push({ content, eol });
    }
  });
  return joinLines(bom, result, finalNewline || lines.length === 0);
}

/**
 * Removes a whole section (every copy of it) from an INI text: its header,
 * its keys and the comments between them, plus one blank line so that the
 * rest keeps its spacing. Comments after the section's last key stay (they
 * usually describe the next section). Other bytes are unchanged; a missing
 * section leaves the text as it is.
 *
 * Throws {@linkcode CredentialsFileError} when the text cannot be parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { removeIniSection } from "./aws_files.ts";
 * assert.equal(
 *   removeIniSection("[a]\nx = 1\n\n[b]\ny = 2\n", "a"),
 *   "[b]\ny = 2\n",
 * );
 * ```
 */
export function removeIniSection(text: string, section: string): string {
  checkSection(section);
  const [bom, body] = splitBom(text);
  const { lines, blocks } = parseIni(body);
  const mine = blocks.filter((b) => b.name === section);
  if (mine.length === 0) return text;
  const eol = /\r?\n/.exec(body)?.[0] ?? "\n";
  const finalNewline = body.endsWith("\n");
  const deleted = new Set<number>();
  const isBlank = (i: number) =>
    i >= 0 && i < lines.length && lines[i].kind === "blank" && !deleted.has(i);
  for (const block of mine) {
    const start = block.header;
    const end = block.keys.length > 0
      ? lastLineOf(block.keys[block.keys.length - 1])
      : start;
    for (let i = start; i <= end; i++) deleted.add(i);
    let before = start - 1;
    while (before >= 0 && deleted.has(before)) before--;
    const atStart = before < 0;
    if ((atStart || isBlank(before)) && isBlank(end + 1)) {
      deleted.add(end + 1);
    } else if (end + 1 >= lines.length && isBlank(before)) {
      deleted.add(before);
    }
  }
  const kept = lines
    .filter((_, i) => !deleted.has(i))
    .map((l) => ({ content: l.content, eol: l.eol || eol }));
  return joinLines(bom, kept, finalNewline);
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
 * Whether a section of an INI text holds at least one key (in any of its
 * copies). Throws {@linkcode CredentialsFileError} when the text cannot be
 * parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sectionHasKeys } from "./aws_files.ts";
 * assert.equal(sectionHasKeys("[a]\n# note\n[b]\nx = 1\n", "a"), false);
 * assert.equal(sectionHasKeys("[a]\n# note\n[b]\nx = 1\n", "b"), true);
 * ```
 */
export function sectionHasKeys(text: string, section: string): boolean {
  const { blocks } = parseIni(splitBom(text)[1]);
  return blocks.some((b) => b.name === section && b.keys.length > 0);
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
