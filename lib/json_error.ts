/**
 * Where a JSON text first breaks the grammar, as a line, a column and a
 * reason in words, for messages about the config file and policy files.
 *
 * V8's `JSON.parse` messages do not always give a position, and some quote the
 * file's text; this scanner finds the first error itself so that a message can
 * name the line and column and nothing else.
 *
 * @module
 */

/**
 * Where a JSON text first breaks the grammar, as a 1-based line and column
 * and a reason in words; `undefined` when the text is valid JSON. The reason
 * never quotes the text itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { findJsonSyntaxError } from "./json_error.ts";
 *
 * const problem = findJsonSyntaxError('{\n  "a": 1,\n}');
 * assert.equal(problem?.line, 2);
 * assert.equal(findJsonSyntaxError("[1]"), undefined);
 * ```
 */
export function findJsonSyntaxError(
  text: string,
): { line: number; column: number; reason: string } | undefined {
  const problem = locateJsonError(text);
  if (problem === undefined) return undefined;
  return { ...lineAndColumn(text, problem.offset), reason: problem.reason };
}

class JsonSyntaxProblem {
  constructor(readonly offset: number, readonly reason: string) {}
}

/** 1-based line and column (in characters) of an offset in `text`. */
function lineAndColumn(
  text: string,
  offset: number,
): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text[i];
    if (c === "\n" || (c === "\r" && text[i + 1] !== "\n")) {
      line++;
      lineStart = i + 1;
    }
  }
  const column = [...text.slice(lineStart, offset)].length + 1;
  return { line, column };
}

/** The first syntax error in `text`, or `undefined` if none is found. */
function locateJsonError(text: string): JsonSyntaxProblem | undefined {
  const maxDepth = 1000;
  let i = 0;

  function fail(reason: string, at = i): never {
    throw new JsonSyntaxProblem(at, reason);
  }
  const found = (at: number): string => {
    if (at >= text.length) return "the file ends";
    const c = text.codePointAt(at)!;
    const shown = c < 0x20 || c === 0x7f
      ? `U+${c.toString(16).toUpperCase().padStart(4, "0")}`
      : `'${String.fromCodePoint(c)}'`;
    return `unexpected ${shown}`;
  };
  const skipSpace = () => {
    while (i < text.length && " \t\n\r".includes(text[i])) i++;
  };

  const value = (depth: number): void => {
    if (depth > maxDepth) throw new RangeError("too deeply nested");
    skipSpace();
    const c = text[i];
    if (c === "{") return object(depth + 1);
    if (c === "[") return array(depth + 1);
    if (c === '"') return string();
    if (c === "-" || (c >= "0" && c <= "9")) return number();
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    if (c === "'") fail("strings must use double quotes, not single quotes");
    const letter = c !== undefined && /\p{L}/u.test(c);
    fail(
      `${found(i)}, expected a value` +
        (letter ? " (text must be in double quotes)" : ""),
    );
  };

  const object = (depth: number): void => {
    i++; // {
    skipSpace();
    if (text[i] === "}") {
      i++;
      return;
    }
    for (;;) {
      skipSpace();
      if (text[i] !== '"') {
        fail(
          text[i] === "'"
            ? "property names must use double quotes, not single quotes"
            : `${found(i)}, expected a property name in double quotes`,
        );
      }
      string();
      skipSpace();
      if (text[i] !== ":") {
        fail(`${found(i)}, expected ':' after the property name`);
      }
      i++;
      value(depth);
      skipSpace();
      if (text[i] === "}") {
        i++;
        return;
      }
      if (text[i] !== ",") {
        fail(`${found(i)}, expected ',' or '}' after the property value`);
      }
      const comma = i++;
      skipSpace();
      if (text[i] === "}") {
        fail("a comma before '}' is not allowed in JSON", comma);
      }
    }
  };

  const array = (depth: number): void => {
    i++; // [
    skipSpace();
    if (text[i] === "]") {
      i++;
      return;
    }
    for (;;) {
      value(depth);
      skipSpace();
      if (text[i] === "]") {
        i++;
        return;
      }
      if (text[i] !== ",") {
        fail(`${found(i)}, expected ',' or ']' after the array item`);
      }
      const comma = i++;
      skipSpace();
      if (text[i] === "]") {
        fail("a comma before ']' is not allowed in JSON", comma);
      }
    }
  };

  const string = (): void => {
    const start = i++; // "
    for (;;) {
      if (i >= text.length) fail("a string is not closed", start);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) {
        fail(
          `${
            found(i)
          } inside a string (write line breaks and tabs as \\n and \\t)`,
        );
      }
      if (c === 0x5c) {
        const escape = text[i + 1];
        if (escape !== undefined && '"\\/bfnrt'.includes(escape)) {
          i += 2;
        } else if (
          escape === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))
        ) {
          i += 6;
        } else {
          fail("invalid escape sequence in a string (write \\ as \\\\)");
        }
        continue;
      }
      i++;
    }
  };

  const number = (): void => {
    const start = i;
    const pattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    pattern.lastIndex = i;
    const match = pattern.exec(text);
    if (match === null) fail("invalid number", start);
    i += match[0].length;
    if (/[0-9.eE]/.test(text[i] ?? "")) fail("invalid number", start);
  };

  try {
    if (text.trim() === "") fail("the file is empty", 0);
    value(0);
    skipSpace();
    if (i < text.length) fail(`${found(i)} after the end of the JSON value`);
    return undefined;
  } catch (error) {
    if (error instanceof JsonSyntaxProblem) return error;
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}
