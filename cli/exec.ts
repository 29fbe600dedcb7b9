/**
 * `aws-cognito-auth exec [--profile P] -- CMD ARGS...`: runs a command with
 * the profile's credentials in its environment and ends with its exit code.
 *
 * @module
 */
import { credentialsEnv } from "../lib/credential_output.ts";
import { CliError, ExitCode } from "../lib/errors.ts";
import { childEnv, runCommandWith } from "../lib/exec.ts";
import { currentSession, type SessionFlags } from "./credential_process.ts";

/**
 * Variables removed from the child's environment: a profile there would
 * make tools mix its settings with the credentials they were given, and
 * this tool's own secrets are not the command's business (it gets
 * short-lived credentials instead).
 */
const UNSET = [
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "COGNITO_PASSWORD",
  "COGNITO_NEW_PASSWORD",
  "COGNITO_CLIENT_SECRET",
];

/**
 * Runs `exec`: gets the credentials as `credential-process` does, runs the
 * command with them and sets this process's exit code to the command's.
 */
export async function execCommand(
  command: string[],
  flags: SessionFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<void> {
  const [program, ...args] = command;
  if (!program) {
    throw new CliError(
      "exec needs a command to run: aws-cognito-auth exec --profile " +
        `${flags.profile} -- aws sts get-caller-identity`,
      ExitCode.usage,
    );
  }
  const session = await currentSession(flags, env);
  const code = await runCommandWith(
    program,
    args,
    childEnv(env, credentialsEnv(session.credentials, session.region), UNSET),
  );
  Deno.exitCode = code;
}
