#!/usr/bin/env -S deno run -A
/**
 * `aws-cognito-admin`: set up and inspect the AWS side of Cognito
 * Authoriser (roles, policies, the credential proxy Lambda, the Identity
 * Pool).
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import denoJson from "./deno.json" with { type: "json" };
import { addCompletionsCommand } from "./cli/completions.ts";
import { runCli } from "./cli/run.ts";
import { CliError, ExitCode } from "./lib/errors.ts";

const NOT_YET =
  "is planned and not available in this version; see the README's roadmap.";

/** Builds the command-line parser of the admin tool. */
export function buildAdminProgram(): Command {
  const program = new Command("aws-cognito-admin")
    .description(
      "Set up and inspect the AWS resources behind aws-cognito-auth.",
    )
    .version(denoJson.version, "-V, --version", "print the version")
    .option("--debug", "show the underlying error on failure")
    .showHelpAfterError("(run with --help for usage)");
  const planned = (name: string, description: string) =>
    program.command(name).description(`${description} (planned)`)
      .allowUnknownOption().allowExcessArguments().helpOption(false)
      .action(() => {
        throw new CliError(
          `aws-cognito-admin ${name} ${NOT_YET}`,
          ExitCode.usage,
        );
      });
  planned("role", "Show the Identity Pool role, apply policies to it");
  planned("policy", "Create S3 and DynamoDB policies from templates");
  planned("lambda", "Deploy the credential proxy Lambda");
  planned("setup-identity-pool", "Create an Identity Pool for the User Pool");
  addCompletionsCommand(program);
  return program as unknown as Command;
}

if (import.meta.main) {
  await runCli(buildAdminProgram(), Deno.args);
}
