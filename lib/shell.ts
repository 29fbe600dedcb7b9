/**
 * Quoting words into one command line that reads back as the exact words.
 *
 * On POSIX systems that is what `sh`, `eval`, Node's `child_process.exec`
 * (the AWS SDK for JavaScript runs `credential_process` so) and Python's
 * `shlex.split` (botocore does) all agree on.
 *
 * On Windows two different readers must agree: botocore splits the line with
 * its own splitter (`botocore.compat._windows_shell_split`, the
 * `CommandLineToArgvW` rules: double quotes group, backslashes escape only
 * before a double quote, single quotes are literal), while Node's `exec` runs
 * `cmd.exe /d /s /c "<line>"`, which expands `%VAR%` everywhere and treats
 * `^ & | < > ( )` as commands outside double quotes, then hands the rest to
 * the program, which splits it by the same `CommandLineToArgvW` rules.
 *
 * @module
 */

/** Characters that never need quoting for a POSIX shell. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Quotes one word for a POSIX shell: as it is when it holds only safe
 * characters, else in single quotes with each `'` written as `'\''`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shellQuote } from "./shell.ts";
 * assert.equal(shellQuote("/usr/bin/deno"), "/usr/bin/deno");
 * assert.equal(shellQuote("/home/me/my tools/auth.ts"), "'/home/me/my tools/auth.ts'");
 * assert.equal(shellQuote("it's"), "'it'\\''s'");
 * assert.equal(shellQuote(""), "''");
 * ```
 */
export function shellQuote(word: string): string {
  if (SAFE.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Quotes each word for a POSIX shell and joins them with spaces. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}

/** An operating system, as `Deno.build.os` names it. */
export type Platform = typeof Deno.build.os;

/**
 * A word that cannot be written into a Windows command line so that both
 * botocore and `cmd.exe` read it back unchanged.
 */
export class UnquotableWordError extends Error {
  /** The word that cannot be quoted. */
  readonly word: string;
  /** The character that makes it so. */
  readonly character: string;

  /** Creates the error; `reason` says why `character` cannot be kept. */
  constructor(word: string, character: string, reason: string) {
    super(`${show(word)} has ${show(character)}, which ${reason}`);
    this.name = "UnquotableWordError";
    this.word = word;
    this.character = character;
  }
}

/** A word in double quotes for a message, line breaks written as `\n`, `\r`. */
function show(word: string): string {
  return `"${word.replaceAll("\n", "\\n").replaceAll("\r", "\\r")}"`;
}

/**
 * Characters an argument may hold unquoted on Windows: nothing either
 * reader treats specially.
 */
const WINDOWS_SAFE_ARGUMENT = /^[A-Za-z0-9_@+:.\/\\-]+$/;
/**
 * The same for the program, the first word, which `cmd.exe` reads itself:
 * it ends a command name at `/` (as in `dir/w`) and drops a leading `@`, so
 * a program with those is quoted too.
 */
const WINDOWS_SAFE_PROGRAM = /^[A-Za-z0-9_:.\\-]+$/;
/** Characters `cmd.exe` acts on outside double quotes. */
const CMD_SPECIAL = new Set(["^", "&", "|", "<", ">", "(", ")"]);

/**
 * Quotes one word by the `CommandLineToArgvW` rules: as it is when safe,
 * else in double quotes, with each `"` written as `\"` and the backslashes
 * before a `"` (or before the closing quote) doubled.
 */
function windowsQuote(word: string, safe: RegExp): string {
  if (safe.test(word)) return word;
  let quoted = '"';
  let backslashes = 0;
  for (const character of word) {
    if (character === "\\") {
      backslashes++;
      continue;
    }
    quoted += character === '"'
      ? `${"\\".repeat(2 * backslashes + 1)}"`
      : `${"\\".repeat(backslashes)}${character}`;
    backslashes = 0;
  }
  return `${quoted}${"\\".repeat(2 * backslashes)}"`;
}

/**
 * The character of `word` no Windows quoting keeps for both botocore and
 * `cmd.exe`, and why, wherever it stands on the line; undefined if none.
 */
function windowsRefusal(
  word: string,
  program: boolean,
): [character: string, reason: string] | undefined {
  if (word.includes("%")) {
    return [
      "%",
      "cmd.exe would expand as a variable even inside double quotes",
    ];
  }
  const lineBreak = /[\r\n]/.exec(word)?.[0];
  if (lineBreak) return [lineBreak, "cannot be part of a one-line command"];
  // cmd.exe (and the program) read the program name up to the next double
  // quote, with no backslash escapes; botocore reads it with them.
  if (program && word.includes('"')) {
    return ['"', "a program path cannot hold (cmd.exe ends its name there)"];
  }
  if (program && word.endsWith("\\")) {
    return ["\\", "a program path cannot end with (it would name a folder)"];
  }
  return undefined;
}

/**
 * Quotes each word for Windows and joins them with spaces, so that botocore's
 * splitter and `cmd.exe` (then the program) both read back the same words.
 * Throws {@linkcode UnquotableWordError} for a word no quoting keeps for both:
 * one with `%` (`cmd.exe` expands it even inside double quotes), a line
 * break, one of `^ & | < > ( )` that a `"` before it on the line leaves
 * outside `cmd.exe`'s double quotes (`cmd.exe` does not know `\"`), or a
 * program (the first word) with a `"` or a final `\`.
 */
function windowsJoin(words: readonly string[]): string {
  let insideQuotes = false; // as cmd.exe sees it: every " toggles
  return words.map((word, index) => {
    const refusal = windowsRefusal(word, index === 0);
    if (refusal) throw new UnquotableWordError(word, ...refusal);
    const quoted = windowsQuote(
      word,
      index === 0 ? WINDOWS_SAFE_PROGRAM : WINDOWS_SAFE_ARGUMENT,
    );
    for (const character of quoted) {
      if (character === '"') insideQuotes = !insideQuotes;
      else if (!insideQuotes && CMD_SPECIAL.has(character)) {
        throw new UnquotableWordError(
          word,
          character,
          "cmd.exe would run as a command character: a double quote before " +
            "it on the line ends cmd.exe's quoting, as cmd.exe does not read " +
            '\\" as an escaped quote',
        );
      }
    }
    return quoted;
  }).join(" ");
}

/**
 * Quotes `words` into one command line for `platform`: for a POSIX shell and
 * `shlex.split` everywhere but Windows ({@linkcode shellJoin}); on Windows in
 * double quotes by the `CommandLineToArgvW` rules botocore follows, and only
 * where `cmd.exe` (which the AWS SDK for JavaScript runs the line with) reads
 * the same words. Throws {@linkcode UnquotableWordError} for a word that
 * cannot be written so on Windows (see the module documentation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quoteCommandLine } from "./shell.ts";
 * const words = ["C:\\Program Files\\deno\\deno.exe", "run", "-A", "C:\\my tools\\"];
 * assert.equal(
 *   quoteCommandLine(words, "windows"),
 *   '"C:\\Program Files\\deno\\deno.exe" run -A "C:\\my tools\\\\"',
 * );
 * assert.equal(
 *   quoteCommandLine(["/usr/bin/deno", "run", "/opt/my tools/auth.ts"], "linux"),
 *   "/usr/bin/deno run '/opt/my tools/auth.ts'",
 * );
 * ```
 */
export function quoteCommandLine(
  words: readonly string[],
  platform: Platform,
): string {
  return platform === "windows" ? windowsJoin(words) : shellJoin(words);
}
