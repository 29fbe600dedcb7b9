/**
 * `aws-cognito-auth console`: opens the AWS Management Console signed in
 * with a profile's credentials (or prints the sign-in link with `--print`).
 *
 * @module
 */
import { readProfile } from "../lib/aws_files.ts";
import {
  consoleSignInUrl,
  LOGIN_URL_LIFETIME_SECONDS,
} from "../lib/console.ts";
import {
  describeExpiry,
  type TemporaryCredentials,
} from "../lib/credentials.ts";
import { ConfigError } from "../lib/errors.ts";
import { BrowserOpenError, openUrl } from "../lib/open_url.ts";
import { readSession } from "../lib/session_cache.ts";
import { currentSession } from "./credential_process.ts";
import { out } from "./report.ts";

/** The options of `console`, as commander gives them. */
export interface ConsoleFlags {
  /** `--profile`. */
  profile: string;
  /** `--destination`: a service name or a console URL. */
  destination?: string;
  /** `--region`: the console's region (default: the profile's). */
  region?: string;
  /** `--print`: print the link instead of opening it. */
  print?: boolean;
  /** `--duration`: the console session's length in seconds. */
  duration?: number;
}

/** The profile's credentials and region, as `console` finds them. */
interface ProfileCredentials {
  credentials: Partial<TemporaryCredentials>;
  region?: string;
}

/**
 * The profile's credentials: from its saved sign-in (refreshed with the
 * refresh token when close to expiry, as `credential-process` does), else
 * from the keys in the shared credentials file.
 */
async function profileCredentials(
  profile: string,
  env: Record<string, string | undefined>,
): Promise<ProfileCredentials> {
  if (!await readSession(env, profile)) {
    const keys = await readProfile("credentials", profile, env);
    if (keys?.aws_access_key_id) {
      const expires = keys.x_security_token_expires;
      const config = await readProfile("config", profile, env);
      return {
        credentials: {
          accessKeyId: keys.aws_access_key_id,
          secretAccessKey: keys.aws_secret_access_key,
          sessionToken: keys.aws_session_token,
          expiration: expires ? new Date(expires) : undefined,
        },
        region: config?.region,
      };
    }
  }
  // No saved sign-in and no keys: this says to run `login`.
  const session = await currentSession({ profile }, env);
  return { credentials: session.credentials, region: session.region };
}

/** Runs `console`. */
export async function consoleCommand(
  flags: ConsoleFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  now: () => Date = () => new Date(),
): Promise<void> {
  const found = await profileCredentials(flags.profile, env);
  const region = flags.region ?? found.region ?? env.AWS_REGION ??
    env.AWS_DEFAULT_REGION;
  if (!region) {
    throw new ConfigError(
      `No region for the console of profile ${flags.profile}: give it ` +
        `with --region.`,
    );
  }
  const { url } = await consoleSignInUrl({
    profile: flags.profile,
    credentials: found.credentials as TemporaryCredentials,
    region,
    destination: flags.destination,
    sessionDurationSeconds: flags.duration,
    env,
    now,
  });
  const expiration = found.credentials.expiration!;
  const lasts = flags.duration
    ? `for ${describeSeconds(flags.duration)}`
    : `until the credentials expire (${describeExpiry(expiration, now())})`;
  if (flags.print) {
    out.warn(
      `The link below signs whoever opens it in to the AWS console as ` +
        `profile ${flags.profile}: treat it as a password. It works for ` +
        `${LOGIN_URL_LIFETIME_SECONDS / 60} minutes; the console session ` +
        `lasts ${lasts}.`,
    );
    out.data(url);
    return;
  }
  try {
    await openUrl(url, { env });
  } catch (error) {
    if (!(error instanceof BrowserOpenError)) throw error;
    throw new BrowserOpenError(
      `${error.message} Or print the sign-in link with --print.`,
    );
  }
  out.info(
    `Opened the AWS console (${region}) as profile ${flags.profile} in ` +
      `your browser; the console session lasts ${lasts}.`,
  );
}

function describeSeconds(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h && `${h} h`, m && `${m} min`, s && `${s} s`].filter(Boolean)
    .join(" ");
}
