/**
 * Credentials for a profile from its saved session: the cached ones while
 * they are valid for longer than the refresh window; after that a new
 * sign-in with the refresh token (REFRESH_TOKEN_AUTH, no password), the
 * Identity Pool exchange with the cached identity id (or the classic flow),
 * and the proxy when the session used it; when the refresh token no longer
 * works, a password sign-in only if the caller can ask for the password
 * (a terminal), else a {@linkcode SessionExpiredError} that says to run
 * `login`. What `credential-process` and `exec` use.
 *
 * @module
 */
import {
  ChallengeError,
  ConfigError,
  ExitCode,
  SessionExpiredError,
  SignInError,
} from "./errors.ts";
import {
  credentialsFromIdToken,
  type LoginSettings,
  obtainCredentials,
  type Reporter,
  silentReporter,
} from "./login.ts";
import { withFileLock } from "./file_lock.ts";
import {
  isFresh,
  readSession,
  type Session,
  sessionFilePath,
  writeSession,
} from "./session_cache.ts";
import { type MfaKind, refreshSession, userPoolRegion } from "./user_pool.ts";

/** A password sign-in the caller can offer when the refresh token fails. */
export interface SignInAgain {
  /** Asks for the password. */
  password: () => Promise<string>;
  /** Asks for a new password (NEW_PASSWORD_REQUIRED). */
  newPassword?: () => Promise<string>;
  /** Asks for an MFA code. */
  mfaCode?: (kind: MfaKind) => Promise<string>;
}

/** What {@linkcode sessionCredentials} needs. */
export interface SessionCredentialsOptions {
  /** The AWS profile whose session to use. */
  profile: string;
  /** Reuse cached credentials valid for longer than this many seconds. */
  windowSeconds: number;
  /** Environment (cache folder, endpoints, the client secret). */
  env: Record<string, string | undefined>;
  /** The session, when the caller has read it already. */
  session?: Session;
  /**
   * Gives the app client's secret for sessions whose client has one
   * (`COGNITO_CLIENT_SECRET` or the config file); undefined when unknown.
   */
  clientSecret?: () => Promise<string | undefined>;
  /** Offered only when a password can be asked for (a terminal). */
  signInAgain?: SignInAgain;
  /** Clock. */
  now?: () => Date;
  /** Progress output (stderr in the CLI). */
  reporter?: Reporter;
}

/** What {@linkcode sessionCredentials} returns. */
export interface SessionCredentialsResult {
  /** The session, with the credentials to use. */
  session: Session;
  /** Cached, refreshed with the refresh token, or signed in with a password. */
  how: "cache" | "refresh" | "password";
}

function loginCommand(profile: string): string {
  return `aws-cognito-auth login --profile ${profile}`;
}

/**
 * Returns usable credentials for `profile` from its session, refreshing
 * them as the module describes, and saves the refreshed session. Throws
 * {@linkcode SessionExpiredError} when there is no session, or the refresh
 * token no longer works and no password sign-in is offered.
 *
 * The refresh runs under the profile's lock (`<session file>.lock`, see
 * {@linkcode withFileLock}): the AWS CLI and SDKs may run
 * `credential_process` several times at once, and a process that waited for
 * the lock first reads the session again and uses credentials another one
 * has just saved, with no request. Fresh credentials are returned without
 * the lock. The password sign-in, which waits for a person, runs after the
 * lock is released. Throws `CredentialsFileError` (exit 10) when another
 * process keeps the lock for more than about 10 s.
 */
export async function sessionCredentials(
  options: SessionCredentialsOptions,
): Promise<SessionCredentialsResult> {
  const { profile, env } = options;
  const now = options.now ?? (() => new Date());
  const report = options.reporter ?? silentReporter;
  const cached = options.session ?? await readSession(env, profile);
  if (!cached) throw noSavedSignIn(profile);
  if (isFresh(cached.credentials, now(), options.windowSeconds)) {
    return { session: cached, how: "cache" };
  }

  const path = sessionFilePath(env, profile);
  const attempt = path === undefined
    ? await refreshWithToken(cached, options, now, report)
    : await withFileLock(path, async () => {
      // Another process may have refreshed it while this one waited.
      const session = await readSession(env, profile);
      if (!session) throw noSavedSignIn(profile);
      if (isFresh(session.credentials, now(), options.windowSeconds)) {
        return { session, how: "cache" } satisfies SessionCredentialsResult;
      }
      return await refreshWithToken(session, options, now, report);
    }, {
      holder: `another aws-cognito-auth is refreshing the sign-in of ` +
        `profile ${profile}`,
      onNoLock: (error) =>
        report.warn(
          `Refreshing the sign-in of profile ${profile} without its lock: ` +
            `${(error.cause as Error)?.message ?? error.message}.`,
        ),
    });
  if ("how" in attempt) return attempt;

  const { session, exchange, refreshFailure } = attempt;
  const why = refreshFailure
    ? `The saved sign-in of ${session.username} for profile ${profile} has ` +
      `expired or was revoked`
    : `The saved sign-in of ${session.username} for profile ${profile} has ` +
      `no refresh token`;
  if (!options.signInAgain) {
    throw new SessionExpiredError(
      `${why}, and there is no terminal to ask for the password. Run ` +
        `\`${loginCommand(profile)}\` to sign in again.`,
      { cause: refreshFailure },
    );
  }
  report.warn(`${why}; signing in with the password.`);
  const obtained = await obtainCredentials({
    ...exchange,
    password: options.signInAgain.password,
    newPassword: options.signInAgain.newPassword,
    mfaCode: options.signInAgain.mfaCode,
    authFlow: session.authFlow,
    profile,
  });
  const next: Session = {
    ...session,
    cognitoUsername: obtained.cognitoUsername,
    identityId: obtained.identityId,
    credentials: obtained.credentials,
    source: obtained.source,
    refreshToken: obtained.refreshToken,
  };
  await save(env, next, report);
  return { session: next, how: "password" };
}

function noSavedSignIn(profile: string): SessionExpiredError {
  return new SessionExpiredError(
    `There is no saved sign-in for profile ${profile}. Run ` +
      `\`${loginCommand(profile)}\` first.`,
  );
}

/** How a session's ID token becomes credentials, for both sign-ins. */
function exchangeFor(
  session: Session,
  clientSecret: string | undefined,
  env: Record<string, string | undefined>,
  now: () => Date,
  reporter: Reporter,
) {
  const settings: LoginSettings = {
    userPoolId: session.userPoolId,
    clientId: session.clientId,
    identityPoolId: session.identityPoolId,
    region: session.region,
    lambdaFunctionName: session.proxy?.functionName,
    clientSecret,
    classicRoleArn: session.classicRoleArn,
  };
  return {
    settings,
    username: session.username,
    flow: session.flow,
    useProxy: session.proxy !== undefined,
    durationHours: session.durationHours,
    env,
    now,
    reporter,
  };
}

/** A refresh the refresh token could not do: what the password sign-in needs. */
interface RefreshRefused {
  session: Session;
  exchange: ReturnType<typeof exchangeFor>;
  /** Cognito's refusal; undefined when the session has no refresh token. */
  refreshFailure?: unknown;
}

/**
 * Signs in again with the session's refresh token, exchanges the ID token
 * and saves the result; returns what a password sign-in needs instead when
 * the refresh token no longer works (or there is none).
 */
async function refreshWithToken(
  session: Session,
  options: SessionCredentialsOptions,
  now: () => Date,
  report: Reporter,
): Promise<SessionCredentialsResult | RefreshRefused> {
  const { profile, env } = options;
  let clientSecret: string | undefined;
  if (session.clientSecret) {
    clientSecret = await options.clientSecret?.();
    if (!clientSecret) {
      throw new ConfigError(
        `The app client ${session.clientId} has a client secret: set ` +
          `COGNITO_CLIENT_SECRET or client_secret in the config file so ` +
          `that the sign-in of profile ${profile} can be refreshed.`,
      );
    }
  }
  const exchange = exchangeFor(session, clientSecret, env, now, report);
  if (!session.refreshToken) return { session, exchange };
  report.step(
    `Refreshing the sign-in of ${session.username} for profile ` +
      `${profile} (no password needed)...`,
  );
  try {
    const tokens = await refreshSession({
      region: userPoolRegion(session.userPoolId),
      clientId: session.clientId,
      clientSecret,
      refreshToken: session.refreshToken,
      username: session.cognitoUsername,
    });
    const obtained = await credentialsFromIdToken({
      ...exchange,
      idToken: tokens.idToken,
      identityId: session.identityId,
    });
    const next: Session = {
      ...session,
      identityId: obtained.identityId,
      credentials: obtained.credentials,
      source: obtained.source,
      refreshToken: tokens.refreshToken ?? session.refreshToken,
    };
    await save(env, next, report);
    return { session: next, how: "refresh" };
  } catch (error) {
    if (!refreshRefused(error)) throw error;
    return { session, exchange, refreshFailure: error };
  }
}

/** Whether a refresh failed because the refresh token no longer works. */
function refreshRefused(error: unknown): boolean {
  return (error instanceof SignInError &&
    error.exitCode === ExitCode.sessionExpired) ||
    error instanceof ChallengeError;
}

async function save(
  env: Record<string, string | undefined>,
  session: Session,
  report: Reporter,
): Promise<void> {
  try {
    await writeSession(env, session);
  } catch (error) {
    // The credentials are good; the next call just refreshes again.
    report.warn((error as Error).message);
  }
}
