/**
 * The whole `login` flow: sign in to the User Pool, exchange the ID token at
 * the Identity Pool, optionally upgrade through the credential proxy, and
 * deliver the credentials into the shared AWS files.
 *
 * @module
 */
import {
  configFilePath as awsConfigFilePath,
  credentialsFilePath,
  editIniText,
  sectionName,
  updateProfileFile,
} from "./aws_files.ts";
import {
  cacheDir,
  readCachedIdentityId,
  writeCachedIdentityId,
} from "./cache.ts";
import {
  credentialsFileEntries,
  type CredentialsSource,
  describeExpiry,
  type TemporaryCredentials,
} from "./credentials.ts";
import { ConfigError, CredentialsFileError, ProxyError } from "./errors.ts";
import { exchangeIdToken } from "./identity_pool.ts";
import { signInWithPassword, userPoolRegion } from "./user_pool.ts";

/** Receives progress lines; the CLI prints them to stderr. */
export interface Reporter {
  /** A step is starting or has finished. */
  step(message: string): void;
  /** Something went wrong but the flow goes on. */
  warn(message: string): void;
}

/** A reporter that drops everything (the default). */
export const silentReporter: Reporter = { step() {}, warn() {} };

/** The settings `login` needs, already validated. */
export interface LoginSettings {
  /** User Pool id. */
  userPoolId: string;
  /** App client id. */
  clientId: string;
  /** Identity Pool id. */
  identityPoolId: string;
  /** Region written into the profile and used for the proxy. */
  region: string;
  /** The credential proxy function (name or ARN), if one is configured. */
  lambdaFunctionName?: string;
}

/** Everything {@linkcode login} needs. */
export interface LoginOptions {
  /** Validated settings. */
  settings: LoginSettings;
  /** The user to sign in. */
  username: string;
  /** Gives the password when it is needed (prompt, stdin or env). */
  password: () => Promise<string>;
  /** Gives a new password when Cognito demands one. */
  newPassword?: () => Promise<string>;
  /** Profile to write (default `default`). */
  profile?: string;
  /** Try the credential proxy for longer-lived credentials (default true). */
  useProxy?: boolean;
  /** Hours the proxy credentials should last, 1 to 12 (default 12). */
  durationHours?: number;
  /** Fail instead of falling back when the proxy fails. */
  requireProxy?: boolean;
  /** Environment (file locations, cache folder); default `Deno.env`. */
  env?: Record<string, string | undefined>;
  /** Clock, for expiry messages. */
  now?: () => Date;
  /** Progress output. */
  reporter?: Reporter;
}

/** What {@linkcode login} did. */
export interface LoginResult {
  /** The credentials delivered. */
  credentials: TemporaryCredentials;
  /** Whether they came from the Identity Pool or the proxy. */
  source: CredentialsSource;
  /** Why the proxy was not used, when it was tried and failed. */
  proxyFailure?: string;
  /** The Identity Pool identity id of the user. */
  identityId: string;
  /** The profile written. */
  profile: string;
  /** The shared credentials file written. */
  credentialsFile: string;
  /** The shared config file written. */
  configFile: string;
}

/** Credentials obtained, before they are delivered anywhere. */
export interface ObtainedCredentials {
  /** The credentials. */
  credentials: TemporaryCredentials;
  /** Identity Pool or proxy. */
  source: CredentialsSource;
  /** Why the proxy was not used, when it was tried and failed. */
  proxyFailure?: string;
  /** The identity id. */
  identityId: string;
}

/** Checks `--duration` and turns it into seconds. */
export function durationSeconds(hours: number): number {
  if (!Number.isInteger(hours) || hours < 1 || hours > 12) {
    throw new ConfigError(
      `--duration must be a whole number of hours from 1 to 12, not ${hours}.`,
    );
  }
  return hours * 3600;
}

/**
 * Signs in and obtains credentials (Identity Pool, then the proxy when asked
 * for), without writing anything.
 */
export async function obtainCredentials(
  options: LoginOptions,
): Promise<ObtainedCredentials> {
  const { settings } = options;
  const env = options.env ?? Deno.env.toObject();
  const now = options.now ?? (() => new Date());
  const report = options.reporter ?? silentReporter;
  const duration = durationSeconds(options.durationHours ?? 12);

  report.step(`Signing in to the user pool as ${options.username}...`);
  const tokens = await signInWithPassword({
    region: userPoolRegion(settings.userPoolId),
    clientId: settings.clientId,
    username: options.username,
    password: await options.password(),
    newPassword: options.newPassword,
  });

  report.step(
    "Getting temporary credentials from the Cognito Identity Pool...",
  );
  const cache = cacheDir(env);
  const identityKey = {
    identityPoolId: settings.identityPoolId,
    userPoolId: settings.userPoolId,
    username: options.username,
  };
  const exchanged = await exchangeIdToken({
    identityPoolId: settings.identityPoolId,
    userPoolId: settings.userPoolId,
    idToken: tokens.idToken,
    cachedIdentityId: await readCachedIdentityId(cache, identityKey),
  });
  await writeCachedIdentityId(cache, identityKey, exchanged.identityId);
  report.step(
    `Obtained Identity Pool credentials (expires ${
      describeExpiry(exchanged.credentials.expiration, now())
    }).`,
  );

  const result: ObtainedCredentials = {
    credentials: exchanged.credentials,
    source: "identity-pool",
    identityId: exchanged.identityId,
  };
  if (options.useProxy === false || !settings.lambdaFunctionName) {
    return result;
  }
  report.step(
    "Upgrading to longer-lived credentials through the credential proxy...",
  );
  try {
    const { invokeCredentialProxy } = await import("./proxy.ts");
    const upgraded = await invokeCredentialProxy({
      region: settings.region,
      functionName: settings.lambdaFunctionName,
      credentials: exchanged.credentials,
      idToken: tokens.idToken,
      durationSeconds: duration,
    });
    report.step(
      `Upgraded to proxy credentials (expires ${
        describeExpiry(upgraded.expiration, now())
      }).`,
    );
    return { ...result, credentials: upgraded, source: "proxy" };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (options.requireProxy) {
      throw error instanceof ProxyError
        ? error
        : new ProxyError(`The credential proxy failed: ${reason}`, {
          cause: error,
        });
    }
    report.warn(
      `The credential proxy could not upgrade the credentials (${reason}); ` +
        `keeping the 1-hour Identity Pool credentials.`,
    );
    return { ...result, proxyFailure: reason };
  }
}

/**
 * Writes credentials into the shared credentials file under `profile`, and
 * the region into the shared config file. Every other byte of both files is
 * kept.
 */
export async function writeProfile(
  profile: string,
  credentials: TemporaryCredentials,
  region: string,
  env: Record<string, string | undefined>,
): Promise<{ credentialsFile: string; configFile: string }> {
  const credentialsFile = credentialsFilePath(env);
  const configFile = awsConfigFilePath(env);
  await updateProfileFile(
    credentialsFile,
    sectionName("credentials", profile),
    credentialsFileEntries(credentials),
  );
  await updateProfileFile(configFile, sectionName("config", profile), {
    region,
  });
  return { credentialsFile, configFile };
}

/**
 * Checks, before signing in, that a file we are about to edit can be parsed
 * and the section name is valid, so a broken file does not waste a sign-in.
 * The real write checks again under its lock.
 */
async function checkEditable(path: string, section: string): Promise<void> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw new CredentialsFileError(
      `Cannot read ${path}: ${(error as Error).message}.`,
      { cause: error },
    );
  }
  try {
    const text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })
      .decode(bytes);
    editIniText(text, section, {});
  } catch (error) {
    const reason = error instanceof CredentialsFileError
      ? error.message
      : "The file is not valid UTF-8 text. Fix or replace it and try again.";
    throw new CredentialsFileError(`Cannot update ${path}. ${reason}`, {
      cause: error,
    });
  }
}

/** The full login: obtain credentials, then write them into the profile. */
export async function login(options: LoginOptions): Promise<LoginResult> {
  const env = options.env ?? Deno.env.toObject();
  const profile = options.profile ?? "default";
  // Check the profile name and both files before anything talks to AWS.
  await checkEditable(
    credentialsFilePath(env),
    sectionName("credentials", profile),
  );
  await checkEditable(awsConfigFilePath(env), sectionName("config", profile));
  const obtained = await obtainCredentials({ ...options, env });
  const files = await writeProfile(
    profile,
    obtained.credentials,
    options.settings.region,
    env,
  );
  return { ...obtained, ...files, profile };
}
