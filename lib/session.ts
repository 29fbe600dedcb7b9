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
import {
  isFresh,
  readSession,
  type Session,
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
 */
export async function sessionCredentials(
  options: SessionCredentialsOptions,
): Promise<SessionCredentialsResult> {
  const { profile, env } = options;
  const now = options.now ?? (() => new Date());
  const report = options.reporter ?? silentReporter;
  const session = options.session ?? await readSession(env, profile);
  if (!session) {
    throw new SessionExpiredError(
      `There is no saved sign-in for profile ${profile}. Run ` +
        `\`${loginCommand(profile)}\` first.`,
    );
  }
  if (isFresh(session.credentials, now(), options.windowSeconds)) {
    return { session, how: "cache" };
  }

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
  const settings: LoginSettings = {
    userPoolId: session.userPoolId,
    clientId: session.clientId,
    identityPoolId: session.identityPoolId,
    region: session.region,
    lambdaFunctionName: session.proxy?.functionName,
    clientSecret,
    classicRoleArn: session.classicRoleArn,
  };
  const exchange = {
    settings,
    username: session.username,
    flow: session.flow,
    useProxy: session.proxy !== undefined,
    durationHours: session.durationHours,
    env,
    now,
    reporter: report,
  };

  let refreshFailure: unknown;
  if (session.refreshToken) {
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
      refreshFailure = error;
    }
  }

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
