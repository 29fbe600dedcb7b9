#!/usr/bin/env -S deno run -A
/**
 * `aws-cognito-auth`: sign in to a Cognito User Pool and get temporary AWS
 * credentials the AWS CLI and SDKs use at once.
 *
 * This file only parses arguments, calls `lib/`, prints, and maps errors to
 * exit codes (see the README's table).
 *
 * @module
 */
import {
  Command,
  InvalidArgumentError,
  type OptionValues,
} from "@commander-js/extra-typings";
import denoJson from "./deno.json" with { type: "json" };
import { addCompletionsCommand } from "./cli/completions.ts";
import { runCli } from "./cli/run.ts";
import { configureCommand } from "./cli/configure.ts";
import { statusCommand } from "./cli/status.ts";
import { loginCommand } from "./cli/login.ts";

function parseHours(value: string): number {
  const hours = Number(value);
  if (!/^\d+$/.test(value) || hours < 1 || hours > 12) {
    throw new InvalidArgumentError(
      "give a whole number of hours from 1 to 12.",
    );
  }
  return hours;
}

/** Adds the settings flags shared by several commands. */
function withSettingsFlags<
  Args extends unknown[],
  Opts extends OptionValues,
  Globals extends OptionValues,
>(command: Command<Args, Opts, Globals>) {
  return command
    .option("--user-pool-id <id>", "Cognito User Pool id (us-east-1_xxxx)")
    .option("--client-id <id>", "User Pool app client id")
    .option(
      "--identity-pool-id <id>",
      "Cognito Identity Pool id (us-east-1:xxxxxxxx-...)",
    )
    .option("--region <region>", "AWS region written into the profile")
    .option(
      "--lambda-function-name <name>",
      "credential proxy function (default cognito-credential-proxy)",
    );
}

/** Builds the command-line parser. Exported for tests and completions. */
export function buildAuthProgram(): Command {
  const program = new Command("aws-cognito-auth")
    .description(
      "Sign in to an AWS Cognito User Pool and get temporary AWS credentials " +
        "for the AWS CLI and SDKs.",
    )
    .version(denoJson.version, "-V, --version", "print the version")
    .option("--debug", "show the underlying error on failure")
    .showHelpAfterError("(run with --help for usage)");

  withSettingsFlags(
    program.command("configure").description(
      "Save the pool ids and region to the config file (asks on a terminal, " +
        "or takes them from flags)",
    ),
  ).action(async (flags) => {
    await configureCommand(flags);
  });

  withSettingsFlags(
    program.command("status").description(
      "Show each setting and where it came from, and the profile's " +
        "credentials and their expiry",
    ),
  )
    .option("--profile <name>", "AWS profile to report on", "default")
    .action(async (flags) => {
      await statusCommand(flags);
    });

  withSettingsFlags(
    program.command("login").description(
      "Sign in and write temporary credentials into an AWS profile",
    ),
  )
    .option("-u, --username <name>", "Cognito user name (asked if omitted)")
    .option("--profile <name>", "AWS profile to write", "default")
    .option(
      "--no-lambda-proxy",
      "skip the credential proxy; keep the 1-hour Identity Pool credentials",
    )
    .option(
      "--duration <hours>",
      "hours the proxy credentials last, 1 to 12",
      parseHours,
      12,
    )
    .option(
      "--require-proxy",
      "fail (exit 14) instead of falling back when the proxy fails",
    )
    .option(
      "--password-stdin",
      "read the password from standard input (first line)",
    )
    .option(
      "--new-password-stdin",
      "read a new password from standard input, after the password line",
    )
    .addHelpText(
      "after",
      `
Password sources, first found wins: --password-stdin, COGNITO_PASSWORD,
a masked prompt when stdin is a terminal. A new password (when Cognito
demands one): --new-password-stdin, COGNITO_NEW_PASSWORD, a prompt.

Examples:
  aws-cognito-auth login -u alice
  aws-cognito-auth login -u alice --profile dev --duration 8
  printf '%s\\n' "$PASSWORD" | aws-cognito-auth login -u ci-bot --password-stdin`,
    )
    .action(async (flags) => {
      await loginCommand(flags);
    });

  addCompletionsCommand(program);
  return program as unknown as Command;
}

if (import.meta.main) {
  await runCli(buildAuthProgram(), Deno.args);
}
