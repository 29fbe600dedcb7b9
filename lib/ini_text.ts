/**
 * The line-preserving INI text of the AWS shared files: which profile names,
 * keys and values can be written safely, and edits that change only the
 * lines they mean to change (every comment, blank line, key order, CRLF line
 * end, byte order mark and missing final newline kept).
 *
 * Pure text in, text out: reading and writing the files, with their lock,
 * is `aws_files.ts`, which re-exports these functions.
 *
 * @module
 */
import { CredentialsFileError } from "./errors.ts";

/** Which of the two shared AWS files a profile lives in. */
export type AwsFileKind = "credentials" | "config";

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
 * import { sectionName } from "./ini_text.ts";
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
 * import { editIniText } from "./ini_text.ts";
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
 * import { removeIniSection } from "./ini_text.ts";
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

/**
 * Whether a section of an INI text holds at least one key (in any of its
 * copies). Throws {@linkcode CredentialsFileError} when the text cannot be
 * parsed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sectionHasKeys } from "./ini_text.ts";
 * assert.equal(sectionHasKeys("[a]\n# note\n[b]\nx = 1\n", "a"), false);
 * assert.equal(sectionHasKeys("[a]\n# note\n[b]\nx = 1\n", "b"), true);
 * ```
 */
export function sectionHasKeys(text: string, section: string): boolean {
  const { blocks } = parseIni(splitBom(text)[1]);
  return blocks.some((b) => b.name === section && b.keys.length > 0);
}
