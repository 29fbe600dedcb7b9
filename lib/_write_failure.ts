/**
 * What to tell the user about a failed write, shared by the modules that
 * write files (`aws_files.ts`, `file_lock.ts`).
 *
 * @module
 */

/** What to do about an error from writing into `folder`. */
export function writeFailureHint(error: unknown, folder: string): string {
  if ((error as Error)?.name === "FileBusyError") {
    return "Close the program that has it open, or wait a moment, and try " +
      "again.";
  }
  const message = String((error as Error)?.message ?? "");
  if (
    /os error (28|27|122)\b|No space left|File too large|quota/i.test(message)
  ) {
    return "The disk is full (or a size limit was reached): free some space " +
      "and try again.";
  }
  if (/os error 30\b|Read-only file system/i.test(message)) {
    return `${folder} is on a read-only file system: set ` +
      "AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE to writable files.";
  }
  return `Check that ${folder} exists and that you may write to it.`;
}
