/**
 * What every command shares for its output, without the argument parser:
 * the output helpers, and the message and exit code for what a command
 * throws (the README lists the codes). `run.ts` adds commander's own errors
 * (usage, `--help`); the fast path of `credential-process` uses this alone.
 *
 * @module
 */
import {
  causes,
  CliError,
  errorName,
  ExitCode,
  isServiceAnswer,
} from "../lib/errors.ts";
import { colorEnabled, palette } from "./terminal.ts";

/** Output helpers for command files: messages go to stderr, data to stdout. */
export const out = {
  /** A progress or result line for people (stderr). */
  info(message: string): void {
    console.error(message);
  },
  /** A warning line (stderr, yellow on a terminal). */
  warn(message: string): void {
    console.error(palette(colorEnabled(Deno.stderr)).yellow(message));
  },
  /** Data meant for the caller (stdout). */
  data(text: string): void {
    console.log(text);
  },
};

/**
 * Prints what a command threw as a message on stderr (its causes too with
 * `debug`) and returns the exit code the README gives for it. Needs no
 * argument parser: the fast path of `credential-process` reports with it.
 */
export function reportError(error: unknown, debug: boolean): number {
  const paint = palette(colorEnabled(Deno.stderr));
  if (error instanceof CliError) {
    console.error(`${paint.red("Error:")} ${error.message}`);
    if (debug) printCauses(error.cause);
    return error.exitCode;
  }
  const message = isServiceAnswer(error)
    ? serviceAnswer(error)
    : error instanceof Error
    ? error.message
    : String(error);
  console.error(`${paint.red("Unexpected error:")} ${message}`);
  if (debug) {
    // A service error's stack starts with its message: see serviceAnswer().
    if (!isServiceAnswer(error)) console.error((error as Error)?.stack ?? "");
    printCauses((error as Error)?.cause);
  } else console.error("Run again with --debug for details.");
  return ExitCode.unexpected;
}

/**
 * Prints the names and messages of a chain of causes. Only those: an SDK
 * error object can carry request details, which may hold secrets. An AWS
 * service's answer is shown by {@linkcode serviceAnswer}.
 */
function printCauses(cause: unknown): void {
  for (const e of causes(cause)) {
    console.error(
      `  caused by ${
        isServiceAnswer(e)
          ? serviceAnswer(e)
          : `${e.name ?? "error"}: ${e.message ?? e}`
      }`,
    );
  }
}

/**
 * An AWS service's answer as its name, HTTP status and request id, without
 * its message: services quote the request's parameters in messages (moto
 * answers a wrong SECRET_HASH with the hash, and an unknown refresh token or
 * session with the token or session id). The messages worth showing are
 * already quoted, with secrets redacted, by lib/.
 */
function serviceAnswer(error: unknown): string {
  const meta = (error as {
    $metadata?: { httpStatusCode?: unknown; requestId?: unknown };
  }).$metadata;
  const details = [
    typeof meta?.httpStatusCode === "number"
      ? `HTTP ${meta.httpStatusCode}`
      : undefined,
    typeof meta?.requestId === "string" &&
      /^[\w-]{1,128}$/.test(meta.requestId)
      ? `request id ${meta.requestId}`
      : undefined,
  ].filter((part) => part !== undefined);
  return `${errorName(error)}${
    details.length ? ` (${details.join(", ")})` : ""
  }`;
}
