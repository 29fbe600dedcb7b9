/**
 * Runs a commander program and turns what it throws into a message on stderr
 * and an exit code (the README lists them). Shared by both entry points.
 *
 * @module
 */
import type { Command } from "@commander-js/extra-typings";
import { CommanderError } from "@commander-js/extra-typings";
import { ExitCode } from "../lib/errors.ts";
import { reportError } from "./report.ts";
import { colorEnabled, palette } from "./terminal.ts";

/** Parses `args`, runs the chosen action and exits with the right code. */
export async function runCli(program: Command, args: string[]): Promise<void> {
  // Only our own options count: `exec -- cmd --debug` is the command's flag.
  const end = args.indexOf("--");
  const debug = (end < 0 ? args : args.slice(0, end)).includes("--debug");
  // Subcommands copy these settings only when created, so set them on each.
  const all = (command: Command): Command[] => [
    command,
    ...(command.commands as Command[]).flatMap(all),
  ];
  for (const command of all(program)) {
    command.exitOverride();
    command.configureOutput({
      writeErr: (s) => Deno.stderr.writeSync(new TextEncoder().encode(s)),
      outputError: (s, write) =>
        write(palette(colorEnabled(Deno.stderr)).red(s)),
    });
  }
  try {
    await program.parseAsync(args, { from: "user" });
  } catch (error) {
    Deno.exit(report(error, debug));
  }
}

function report(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // --help and --version end here with exit code 0; usage errors with 1.
    return error.exitCode === 0 ? 0 : ExitCode.usage;
  }
  return reportError(error, debug);
}
