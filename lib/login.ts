/**
 * The whole `login` flow: sign in to the User Pool (password or SRP, with
 * MFA, a new password and SECRET_HASH as needed), turn the ID token into
 * AWS credentials (the Identity Pool, optionally upgraded through the
 * credential proxy, or the classic flow), deliver them into the shared AWS
 * files, and record the session that `credential-process` and `exec` reuse.
 *
 * @module
 */
import {
  checkHomeFolder,
  configFilePath as awsConfigFilePath,
  credentialsFilePath,
  editIniText,
  readAwsFile,
  readProfile,
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
import {
  type CredentialFlow,
  isFresh,
  readSession,
  type Session,
  writeSession,
} from "./session_cache.ts";
import {
  type AuthFlow,
  type MfaKind,
  signInWithPassword,
  usernameFromIdToken,
  userPoolRegion,
} from "./user_pool.ts";

export type { AuthFlow, CredentialFlow, MfaKind, Session };

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
  /** The app client's secret, when it has one (adds SECRET_HASH). */
  clientSecret?: string;
  /** The role the classic flow assumes (needed for `flow: "classic"`). */
  classicRoleArn?: string;
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
  /** USER_PASSWORD_AUTH (`"password"`, the default) or USER_SRP_AUTH. */
  authFlow?: AuthFlow;
  /** Gives an MFA code when Cognito asks for one (TOTP or SMS). */
  mfaCode?: (kind: MfaKind) => Promise<string>;
  /** Enhanced (Identity Pool, then the proxy; default) or classic flow. */
  flow?: CredentialFlow;
  /**
   * Write the credentials into the shared AWS files (default true). False
   * for `--format env|json`, which prints them instead.
   */
  writeFiles?: boolean;
  /** Record the session for `credential-process` and `exec` (default true). */
  recordSession?: boolean;
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
  /** The shared credentials file written (unset when none was written). */
  credentialsFile?: string;
  /** The shared config file written (unset when none was written). */
  configFile?: string;
  /**
   * Set when the files were left alone because the profile gets its
   * credentials through `credential_process` (keys would shadow it).
   */
  usesCredentialProcess?: boolean;
  /** The session cache file written, when the session was recorded. */
  sessionFile?: string;
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
  /** The refresh token of the sign-in, when Cognito gave one. */
  refreshToken?: string;
  /** The user's real user name (`cognito:username` of the ID token). */
  cognitoUsername: string;
}

/** What {@linkcode credentialsFromIdToken} needs. */
export interface TokenExchangeOptions {
  /** Validated settings. */
  settings: LoginSettings;
  /** A fresh ID token from the User Pool. Never logged. */
  idToken: string;
  /** The user name as typed (identity id cache key, role session name). */
  username: string;
  /** Enhanced (default) or classic flow. */
  flow?: CredentialFlow;
  /** Try the credential proxy (enhanced flow; default true). */
  useProxy?: boolean;
  /** Hours the proxy or classic credentials should last (default 12). */
  durationHours?: number;
  /** Fail instead of falling back when the proxy fails. */
  requireProxy?: boolean;
  /** An identity id known already (e.g. from the session); skips GetId. */
  identityId?: string;
  /** Environment (cache folder); default `Deno.env`. */
  env?: Record<string, string | undefined>;
  /** Clock, for expiry messages. */
  now?: () => Date;
  /** Progress output. */
  reporter?: Reporter;
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
 * for, or the classic flow), without writing anything.
 */
export async function obtainCredentials(
  options: LoginOptions,
): Promise<ObtainedCredentials> {
  const { settings } = options;
  const report = options.reporter ?? silentReporter;
  durationSeconds(options.durationHours ?? 12);

  const how = options.authFlow === "srp" ? " (SRP)" : "";
  report.step(`Signing in to the user pool as ${options.username}${how}...`);
  const tokens = await signInWithPassword({
    region: userPoolRegion(settings.userPoolId),
    clientId: settings.clientId,
    username: options.username,
    password: await options.password(),
    newPassword: options.newPassword,
    authFlow: options.authFlow,
    userPoolId: settings.userPoolId,
    clientSecret: settings.clientSecret,
    mfaCode: options.mfaCode,
  });
  const obtained = await credentialsFromIdToken({
    ...options,
    idToken: tokens.idToken,
  });
  return {
    ...obtained,
    refreshToken: tokens.refreshToken,
    cognitoUsername: usernameFromIdToken(tokens.idToken),
  };
}

/**
 * Turns a User Pool ID token into AWS credentials: the enhanced flow
 * (`GetId`, cached per user and pool, then `GetCredentialsForIdentity`, then
 * the credential proxy when asked for, falling back to the Identity Pool's
 * credentials unless `requireProxy`), or the classic flow (`GetId`,
 * `GetOpenIdToken`, `sts:AssumeRoleWithWebIdentity`). Used by `login` and
 * by the refresh of a saved session.
 */
export async function credentialsFromIdToken(
  options: TokenExchangeOptions,
): Promise<Omit<ObtainedCredentials, "refreshToken" | "cognitoUsername">> {
  const { settings } = options;
  const env = options.env ?? Deno.env.toObject();
  const now = options.now ?? (() => new Date());
  const report = options.reporter ?? silentReporter;
  const duration = durationSeconds(options.durationHours ?? 12);
  const cache = cacheDir(env);
  const identityKey = {
    identityPoolId: settings.identityPoolId,
    userPoolId: settings.userPoolId,
    username: options.username,
  };
  const cachedIdentityId = options.identityId ??
    await readCachedIdentityId(cache, identityKey);

  if (options.flow === "classic") {
    if (!settings.classicRoleArn) {
      throw new ConfigError(
        "The classic flow needs the role to assume: give it with --role-arn, " +
          "COGNITO_CLASSIC_ROLE_ARN or classic_role_arn in the config file.",
      );
    }
    report.step(
      "Getting credentials through the Identity Pool's classic flow " +
        "(GetOpenIdToken, then sts:AssumeRoleWithWebIdentity)...",
    );
    const { classicFlowCredentials, roleSessionName } = await import(
      "./classic_flow.ts"
    );
    const classic = await classicFlowCredentials({
      identityPoolId: settings.identityPoolId,
      userPoolId: settings.userPoolId,
      idToken: options.idToken,
      roleArn: settings.classicRoleArn,
      durationSeconds: duration,
      sessionName: roleSessionName(options.username),
      cachedIdentityId,
    });
    await writeCachedIdentityId(cache, identityKey, classic.identityId);
    report.step(
      `Obtained role credentials (expires ${
        describeExpiry(classic.credentials.expiration, now())
      }).`,
    );
    return {
      credentials: classic.credentials,
      source: "classic",
      identityId: classic.identityId,
    };
  }

  report.step(
    "Getting temporary credentials from the Cognito Identity Pool...",
  );
  const exchanged = await exchangeIdToken({
    identityPoolId: settings.identityPoolId,
    userPoolId: settings.userPoolId,
    idToken: options.idToken,
    cachedIdentityId,
  });
  await writeCachedIdentityId(cache, identityKey, exchanged.identityId);
  report.step(
    `Obtained Identity Pool credentials (expires ${
      describeExpiry(exchanged.credentials.expiration, now())
    }).`,
  );

  const result = {
    credentials: exchanged.credentials,
    source: "identity-pool" as CredentialsSource,
    identityId: exchanged.identityId,
  };
  if (options.useProxy === false || !settings.lambdaFunctionName) {
    return result;
  }
  report.step(
    "Upgrading to longer-lived credentials through the credential proxy...",
  );
  const { invokeCredentialProxy, proxyTimeoutFromEnv } = await import(
    "./proxy.ts"
  );
  // A malformed COGNITO_PROXY_TIMEOUT_MS is a settings error, not a proxy
  // failure to fall back from.
  const timeoutMs = proxyTimeoutFromEnv(env);
  try {
    const upgraded = await invokeCredentialProxy({
      region: settings.region,
      functionName: settings.lambdaFunctionName,
      credentials: exchanged.credentials,
      idToken: options.idToken,
      durationSeconds: duration,
      timeoutMs,
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
  await updateProfileFile(
    configFile,
    sectionName("config", profile),
    {
      region,
    },
  );
  return { credentialsFile, configFile };
}

/**
 * Checks, before signing in, that a file we are about to edit can be parsed
 * and the section name is valid, so a broken file does not waste a sign-in.
 * The real write checks again under its lock.
 */
async function checkEditable(path: string, section: string): Promise<void> {
  // Never opens a FIFO or other non-regular file: that would wait for ever.
  const bytes = await readAwsFile(path);
  if (!bytes) return;
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

/**
 * Whether a profile's section in the AWS config file sets
 * `credential_process`: then keys in the credentials file would shadow it,
 * so `login` records the session only.
 */
export async function profileUsesCredentialProcess(
  profile: string,
  env: Record<string, string | undefined>,
): Promise<boolean> {
  const values = await readProfile("config", profile, env);
  return Boolean(values?.credential_process);
}

/**
 * The session `login` would reuse instead of signing in: the profile's
 * cached session for the same user (when `username` is given), pools,
 * client and flow, whose credentials are valid for longer than
 * `windowSeconds`, and (when `writeFiles`) still in the credentials file
 * unless the profile uses `credential_process`. Undefined otherwise.
 */
export async function reusableSession(options: {
  settings: LoginSettings;
  profile: string;
  username?: string;
  flow?: CredentialFlow;
  windowSeconds: number;
  writeFiles: boolean;
  env: Record<string, string | undefined>;
  now: Date;
}): Promise<Session | undefined> {
  const { settings, env } = options;
  const session = await readSession(env, options.profile);
  if (
    !session ||
    session.userPoolId !== settings.userPoolId ||
    session.clientId !== settings.clientId ||
    session.identityPoolId !== settings.identityPoolId ||
    session.flow !== (options.flow ?? "enhanced") ||
    (options.username !== undefined && session.username !== options.username &&
      session.cognitoUsername !== options.username) ||
    !isFresh(session.credentials, options.now, options.windowSeconds)
  ) return undefined;
  if (!options.writeFiles) return session;
  if (await profileUsesCredentialProcess(options.profile, env)) return session;
  const values = await readProfile("credentials", options.profile, env);
  const c = session.credentials;
  return values?.aws_access_key_id === c.accessKeyId &&
      values?.aws_secret_access_key === c.secretAccessKey &&
      values?.aws_session_token === c.sessionToken
    ? session
    : undefined;
}

/** Builds the session record of a login. */
function sessionOf(
  options: LoginOptions,
  profile: string,
  obtained: ObtainedCredentials,
): Session {
  const { settings } = options;
  return {
    profile,
    username: options.username,
    cognitoUsername: obtained.cognitoUsername,
    userPoolId: settings.userPoolId,
    clientId: settings.clientId,
    identityPoolId: settings.identityPoolId,
    region: settings.region,
    authFlow: options.authFlow ?? "password",
    clientSecret: settings.clientSecret !== undefined,
    flow: options.flow ?? "enhanced",
    classicRoleArn: options.flow === "classic"
      ? settings.classicRoleArn
      : undefined,
    durationHours: options.durationHours ?? 12,
    proxy: obtained.source === "proxy" && settings.lambdaFunctionName
      ? { functionName: settings.lambdaFunctionName }
      : undefined,
    identityId: obtained.identityId,
    refreshToken: obtained.refreshToken,
    credentials: obtained.credentials,
    source: obtained.source,
  };
}

/**
 * The full login: obtain credentials, write them into the profile (unless
 * `writeFiles` is false, or the profile uses `credential_process`), and
 * record the session. A session that cannot be recorded is a warning, not
 * a failure: the credentials were delivered.
 */
export async function login(options: LoginOptions): Promise<LoginResult> {
  const env = options.env ?? Deno.env.toObject();
  const profile = options.profile ?? "default";
  const report = options.reporter ?? silentReporter;
  let writeFiles = options.writeFiles !== false;
  let usesCredentialProcess = false;
  // Check the profile name and both files before anything talks to AWS.
  sectionName("credentials", profile);
  if (writeFiles) {
    await checkHomeFolder(env);
    await checkEditable(
      credentialsFilePath(env),
      sectionName("credentials", profile),
    );
    await checkEditable(
      awsConfigFilePath(env),
      sectionName("config", profile),
    );
    usesCredentialProcess = await profileUsesCredentialProcess(profile, env);
    writeFiles = !usesCredentialProcess;
  }
  const obtained = await obtainCredentials({ ...options, env });
  const files = writeFiles
    ? await writeProfile(
      profile,
      obtained.credentials,
      options.settings.region,
      env,
    )
    : {};
  let sessionFile: string | undefined;
  if (options.recordSession !== false) {
    try {
      sessionFile = await writeSession(
        env,
        sessionOf({ ...options, env }, profile, obtained),
      );
    } catch (error) {
      report.warn(
        `${
          (error as Error).message
        } credential-process and exec will not find this sign-in.`,
      );
    }
  }
  // The refresh token goes to the session cache only, never further.
  const { refreshToken: _token, cognitoUsername: _name, ...delivered } =
    obtained;
  return {
    ...delivered,
    ...files,
    profile,
    usesCredentialProcess: usesCredentialProcess || undefined,
    sessionFile,
  };
}
