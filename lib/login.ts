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
  credentialsFileEntries,
  type CredentialsSource,
  type TemporaryCredentials,
} from "./credentials.ts";
import { preloadCognitoSdk } from "./cognito_sdk.ts";
import type { Settings } from "./config.ts";
import { CredentialsFileError } from "./errors.ts";
import {
  credentialsFromIdToken,
  durationSeconds,
  type ExchangedCredentials,
} from "./exchange.ts";
import {
  type CredentialFlow,
  freshSession,
  type Session,
  writeSession,
} from "./session_cache.ts";
import {
  type BrowserInputs,
  type PersonInput,
  type Reporter,
  type SignInContext,
  type SignInInputs,
  type SignInMethod,
  signInMethod,
  type SignInRecord,
  silentReporter,
  type UserPoolTokens,
} from "./sign_in.ts";
import { type MfaKind, usernameFromIdToken } from "./user_pool.ts";

export type {
  BrowserInputs,
  CredentialFlow,
  MfaKind,
  PersonInput,
  Reporter,
  Session,
  SignInContext,
  SignInInputs,
  SignInMethod,
  SignInRecord,
  UserPoolTokens,
};
export { silentReporter };
export {
  credentialsFromIdToken,
  durationSeconds,
  type ExchangedCredentials,
  type ExchangeOptions,
} from "./exchange.ts";

/** What {@linkcode obtainCredentials} needs. */
export interface SignInOptions {
  /**
   * Who signs in where, and how (`authFlow` names the sign-in method). The
   * user name may be left out for a method that asks for none.
   */
  record: SignInRecord;
  /** Sign in with this method instead of the record's (a refresh). */
  method?: SignInMethod;
  /** The app client's secret, when it has one (adds SECRET_HASH). */
  clientSecret?: string;
  /** Where the password, a new password and MFA codes come from. */
  inputs?: SignInInputs;
  /** Gives every setting in effect, for methods that need more. */
  settings?: () => Promise<Settings>;
  /** A saved sign-in to continue (the refresh method). */
  saved?: SignInContext["saved"];
  /** An identity id known already (e.g. from the session); skips GetId. */
  identityId?: string;
  /** Fail instead of falling back when the proxy fails. */
  requireProxy?: boolean;
  /** Environment (file locations, cache folder); default `Deno.env`. */
  env?: Record<string, string | undefined>;
  /** Clock, for expiry messages. */
  now?: () => Date;
  /** Progress output. */
  reporter?: Reporter;
  /** Cancels a sign-in that waits (a browser, a prompt). */
  signal?: AbortSignal;
}

/** Everything {@linkcode login} needs. */
export interface LoginOptions extends SignInOptions {
  /** Profile to write (default `default`). */
  profile?: string;
  /**
   * Write the credentials into the shared AWS files (default true). False
   * for `--format env|json`, which prints them instead.
   */
  writeFiles?: boolean;
  /** Record the session for `credential-process` and `exec` (default true). */
  recordSession?: boolean;
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

/** Credentials obtained by a sign-in, before they are delivered anywhere. */
export interface ObtainedCredentials extends ExchangedCredentials {
  /** The refresh token of the sign-in, when Cognito gave one. */
  refreshToken?: string;
  /** The user's real user name (`cognito:username` of the ID token). */
  cognitoUsername: string;
  /** The user name as typed, else the real one. */
  username: string;
}

/**
 * Signs in with the record's method and obtains credentials (Identity
 * Pool, then the proxy when the record names one, or the classic flow),
 * without writing anything.
 */
export async function obtainCredentials(
  options: SignInOptions,
): Promise<ObtainedCredentials> {
  const { record } = options;
  const env = options.env ?? Deno.env.toObject();
  const now = options.now ?? (() => new Date());
  const reporter = options.reporter ?? silentReporter;
  durationSeconds(record.durationHours);
  const method = options.method ?? signInMethod(record.authFlow);
  const tokens = await method.signIn({
    record,
    clientSecret: options.clientSecret,
    inputs: options.inputs ?? {},
    settings: options.settings ?? (() => Promise.resolve({})),
    saved: options.saved,
    env,
    now,
    reporter,
    signal: options.signal,
  });
  const cognitoUsername = usernameFromIdToken(tokens.idToken);
  const username = record.username ?? cognitoUsername;
  const obtained = await credentialsFromIdToken({
    record: { ...record, username },
    idToken: tokens.idToken,
    accessToken: tokens.accessToken,
    identityId: options.identityId,
    requireProxy: options.requireProxy,
    env,
    now,
    reporter,
  });
  return {
    ...obtained,
    refreshToken: tokens.refreshToken,
    cognitoUsername,
    username,
  };
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
  // Two files, two locks: written side by side. Both writes finish (each
  // is atomic) before a failure of either is thrown.
  const written = await Promise.allSettled([
    updateProfileFile(
      credentialsFile,
      sectionName("credentials", profile),
      credentialsFileEntries(credentials),
    ),
    updateProfileFile(configFile, sectionName("config", profile), { region }),
  ]);
  for (const result of written) {
    if (result.status === "rejected") throw result.reason;
  }
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
 * Signs in again for a saved session (with the refresh token, or the
 * session's own method), exchanges the ID token as the session did, and
 * saves the renewed session; a session that cannot be saved is a warning,
 * since the credentials are good. Returns the renewed session.
 */
export async function renewSession(
  session: Session,
  options: Omit<SignInOptions, "record" | "identityId">,
): Promise<Session> {
  const env = options.env ?? Deno.env.toObject();
  const obtained = await obtainCredentials({
    ...options,
    record: session,
    identityId: session.identityId,
    env,
  });
  const next: Session = {
    ...session,
    cognitoUsername: obtained.cognitoUsername,
    identityId: obtained.identityId,
    credentials: obtained.credentials,
    source: obtained.source,
    refreshToken: obtained.refreshToken ?? session.refreshToken,
  };
  try {
    await writeSession(env, next);
  } catch (error) {
    // The next call just signs in again.
    (options.reporter ?? silentReporter).warn((error as Error).message);
  }
  return next;
}

/**
 * The session `login` would reuse instead of signing in: the profile's
 * cached session for the same user (when the record names one), pools,
 * client and flow, whose credentials are fresh for `windowSeconds`, and
 * (when `writeFiles`) still in the credentials file unless the profile
 * uses `credential_process`. Undefined otherwise.
 */
export async function reusableSession(options: {
  record: SignInRecord;
  profile: string;
  windowSeconds: number;
  writeFiles: boolean;
  env: Record<string, string | undefined>;
  now: Date;
}): Promise<Session | undefined> {
  const { record, env } = options;
  const session = await freshSession(
    env,
    options.profile,
    options.windowSeconds,
    options.now,
  );
  if (
    !session ||
    session.userPoolId !== record.userPoolId ||
    session.clientId !== record.clientId ||
    session.identityPoolId !== record.identityPoolId ||
    session.flow !== record.flow ||
    (record.username !== undefined && session.username !== record.username &&
      session.cognitoUsername !== record.username)
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
  // The SDK loads meanwhile (and while a prompt waits for the password).
  preloadCognitoSdk();
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
  const { record } = options;
  const files = writeFiles
    ? await writeProfile(
      profile,
      obtained.credentials,
      record.region,
      env,
    )
    : {};
  let sessionFile: string | undefined;
  if (options.recordSession !== false) {
    try {
      sessionFile = await writeSession(env, {
        profile,
        username: obtained.username,
        cognitoUsername: obtained.cognitoUsername,
        userPoolId: record.userPoolId,
        clientId: record.clientId,
        identityPoolId: record.identityPoolId,
        region: record.region,
        authFlow: record.authFlow,
        clientSecret: options.clientSecret !== undefined,
        flow: record.flow,
        classicRoleArn: record.flow === "classic"
          ? record.classicRoleArn
          : undefined,
        durationHours: record.durationHours,
        // Renewals use the proxy only when this sign-in got through it.
        proxy: obtained.source === "proxy" ? record.proxy : undefined,
        managedLoginDomain: record.managedLoginDomain,
        identityId: obtained.identityId,
        refreshToken: obtained.refreshToken,
        credentials: obtained.credentials,
        source: obtained.source,
      });
    } catch (error) {
      report.warn(
        `${
          (error as Error).message
        } credential-process and exec will not find this sign-in.`,
      );
    }
  }
  // The refresh token goes to the session cache only, never further.
  const {
    refreshToken: _token,
    cognitoUsername: _name,
    username: _user,
    ...delivered
  } = obtained;
  return {
    ...delivered,
    ...files,
    profile,
    usesCredentialProcess: usesCredentialProcess || undefined,
    sessionFile,
  };
}
