/**
 * `aws-cognito-auth status`: each setting with where it came from, the file
 * locations, and the profile's credentials and their expiry.
 *
 * @module
 */
import {
  credentialsFilePath,
  readProfile,
  sectionName,
} from "../lib/aws_files.ts";
import {
  describeSource,
  loadSettings,
  maskId,
  type SettingName,
  type Settings,
  validateSettings,
} from "../lib/config.ts";
import { describeExpiry } from "../lib/credentials.ts";
import { CliError, ConfigError } from "../lib/errors.ts";
import { out } from "./run.ts";

const ROWS: [SettingName, string, boolean][] = [
  ["userPoolId", "user_pool_id", true],
  ["clientId", "client_id", true],
  ["identityPoolId", "identity_pool_id", true],
  ["region", "region", false],
  ["lambdaFunctionName", "lambda_function_name", false],
];

/**
 * Prints the status report. Exits non-zero (through a {@linkcode ConfigError})
 * when settings that `login` needs are missing or malformed, after printing
 * everything else.
 */
export async function statusCommand(
  flags: Settings & { profile: string },
  env: Record<string, string | undefined> = Deno.env.toObject(),
  now: () => Date = () => new Date(),
): Promise<void> {
  const { profile, ...settingFlags } = flags;
  const resolved = await loadSettings(settingFlags, env);
  const lines = ["Settings (flags, then environment, then config file):"];
  for (const [name, key, masked] of ROWS) {
    const value = resolved.values[name];
    const source = resolved.sources[name];
    const shown = value === undefined
      ? "(not set)"
      : masked
      ? maskId(value)
      : value;
    const from = source
      ? `  (${describeSource(name, source, resolved.configPath)})`
      : "";
    lines.push(`  ${key.padEnd(22)}${shown}${from}`);
  }
  lines.push(
    `Config file:       ${resolved.configPath}${
      resolved.configFileFound ? "" : " (not found)"
    }`,
  );
  if (resolved.unknownFileKeys.length) {
    lines.push(
      `  (keys this version does not use, kept as they are: ${
        resolved.unknownFileKeys.join(", ")
      })`,
    );
  }
  const credentialsFile = credentialsFilePath(env);
  lines.push(`Credentials file:  ${credentialsFile}`);
  lines.push(`Profile ${profile}: ${await describeProfile(profile, env, now)}`);
  out.data(lines.join("\n"));

  try {
    validateSettings(resolved, ["userPoolId", "clientId", "identityPoolId"]);
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new ConfigError(
        `The settings are not ready for login:\n${error.message}`,
      );
    }
    throw error;
  }
}

async function describeProfile(
  profile: string,
  env: Record<string, string | undefined>,
  now: () => Date,
): Promise<string> {
  try {
    sectionName("credentials", profile);
    const values = await readProfile("credentials", profile, env);
    if (!values?.aws_access_key_id) return "no credentials";
    const expires = values.x_security_token_expires;
    if (!expires) return "credentials present (expiry unknown)";
    const date = new Date(expires);
    if (Number.isNaN(date.getTime())) {
      return `credentials present (unreadable expiry ${expires})`;
    }
    return date <= now()
      ? `credentials expired at ${describeExpiry(date, now())}`
      : `credentials valid, expires ${describeExpiry(date, now())}`;
  } catch (error) {
    if (error instanceof CliError) return `cannot tell: ${error.message}`;
    throw error;
  }
}
