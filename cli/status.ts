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
  loadSettings,
  maskId,
  SETTING_ROWS,
  type Settings,
  sourceOf,
  validateSettings,
} from "../lib/config.ts";
import { describeExpiry } from "../lib/credentials.ts";
import { CliError, ConfigError } from "../lib/errors.ts";
import { readSession, sessionFile } from "../lib/session_cache.ts";
import { out } from "./report.ts";

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
  for (const [name, { fileKey, display }] of SETTING_ROWS) {
    const value = resolved.values[name];
    const source = resolved.sources[name];
    const shown = value === undefined
      ? "(not set)"
      : display === "secret"
      ? "(set, hidden)"
      : display === "masked"
      ? maskId(value)
      : value;
    const from = source ? `  (${sourceOf(resolved, name, source)})` : "";
    lines.push(`  ${fileKey.padEnd(22)}${shown}${from}`);
  }
  lines.push(
    `Config file:       ${resolved.configPath}${
      resolved.configFileFound ? "" : " (not found)"
    }`,
  );
  if (resolved.adminConfigFound) {
    lines.push(`Admin config file: ${resolved.adminConfigPath}`);
  }
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
  lines.push(...await describeCredentialProcess(profile, env, now));
  out.data(lines.join("\n"));
  for (const warning of resolved.warnings ?? []) out.warn(warning);

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

/**
 * The profile's `credential_process` line in the AWS config file and its
 * saved sign-in (what `credential-process` and `exec` use), never a secret.
 */
async function describeCredentialProcess(
  profile: string,
  env: Record<string, string | undefined>,
  now: () => Date,
): Promise<string[]> {
  const lines: string[] = [];
  try {
    const config = await readProfile("config", profile, env);
    lines.push(
      `  credential_process: ${
        config?.credential_process ??
          `(not set; aws-cognito-auth setup-profile --profile ${profile})`
      }`,
    );
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    lines.push(`  credential_process: cannot tell: ${error.message}`);
  }
  const session = await readSession(env, profile);
  if (!session) {
    lines.push("  saved sign-in: none (login --profile saves one)");
    return lines;
  }
  const expiry = session.credentials.expiration;
  lines.push(
    `  saved sign-in: ${session.username}, ${
      session.flow === "classic" ? "classic flow, " : ""
    }credentials ${expiry <= now() ? "expired at" : "valid, expire"} ${
      describeExpiry(expiry, now())
    }, ${
      session.refreshToken ? "refresh token saved" : "no refresh token"
    } (${await sessionFile(env, profile)})`,
  );
  return lines;
}
