/**
 * `aws-cognito-auth setup-profile`: points an AWS profile at this tool with
 * `credential_process`, so the AWS CLI and SDKs ask it for credentials
 * whenever they need them.
 *
 * @module
 */
import denoJson from "../deno.json" with { type: "json" };
import {
  configFilePath,
  readProfile,
  sectionName,
  updateProfileFile,
} from "../lib/aws_files.ts";
import { loadSettings } from "../lib/config.ts";
import { removeProfileCredentials } from "../lib/logout.ts";
import { readSession } from "../lib/session_cache.ts";
import {
  credentialProcessLine,
  currentInvocation,
} from "../lib/self_command.ts";
import { out } from "./report.ts";

/** The options of `setup-profile`. */
export interface SetupProfileFlags {
  /** `--profile`. */
  profile: string;
  /** `--command`: the whole command line to write instead of ours. */
  command?: string;
}

/**
 * Writes `credential_process` (and the region, when the profile has none
 * and it is known) into the profile's section of the AWS config file, and
 * removes credentials this tool wrote for the profile from the credentials
 * file, because keys there would win over `credential_process`.
 */
export async function setupProfileCommand(
  flags: SetupProfileFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<void> {
  const { profile } = flags;
  const section = sectionName("config", profile);
  const line = flags.command?.trim() ||
    credentialProcessLine(
      currentInvocation(denoJson.name, denoJson.version),
      profile,
      Deno.build.os,
    );
  if (flags.command && !/credential-process/.test(flags.command)) {
    out.warn(
      "The --command given does not run credential-process: it is written " +
        "as it is, and must print the credential_process JSON.",
    );
  }
  const session = await readSession(env, profile);
  const existing = await readProfile("config", profile, env);
  const set: Record<string, string> = { credential_process: line };
  if (!existing?.region) {
    const region = session?.region ??
      (await loadSettings({}, env).catch(() => undefined))?.values.region;
    if (region) set.region = region;
  }
  const file = configFilePath(env);
  await updateProfileFile(file, section, set);
  out.info(`Profile ${profile} in ${file} now gets its credentials from:`);
  out.info(`  credential_process = ${line}`);

  const shadow = await removeProfileCredentials(profile, env, session);
  if (shadow.removed) {
    out.info(
      `Removed the credentials login wrote for profile ${profile} from the ` +
        `credentials file: they would be used instead of credential_process.`,
    );
  } else if (shadow.keptForeign) {
    out.warn(
      `The credentials file has keys for profile ${profile}; the AWS CLI ` +
        `and SDKs use them instead of credential_process. Remove them to ` +
        `use this tool.`,
    );
  }
  if (!session) {
    out.warn(
      `There is no saved sign-in for profile ${profile} yet: run ` +
        `aws-cognito-auth login --profile ${profile} first.`,
    );
  }
  out.info(`Try it: aws sts get-caller-identity --profile ${profile}`);
}
