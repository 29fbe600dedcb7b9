/**
 * Quoting words for a POSIX shell, so that a command line or an `export`
 * line reads back as the exact words: what `sh`, `eval`, Node's
 * `child_process.exec` (the AWS SDK for JavaScript runs `credential_process`
 * so) and Python's `shlex.split` (botocore does) all agree on.
 *
 * @module
 */

/** Characters that never need quoting. */
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

/** Quotes each word and joins them with spaces: one command line. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
