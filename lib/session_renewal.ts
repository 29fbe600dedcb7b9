/**
 * Renewing a saved session ({@linkcode sessionCredentials}): the cached
 * credentials while they are fresh, else the refresh token under the
 * profile's lock, else a new sign-in with the session's own method. The
 * session's record, its file and the freshness rule are `session_cache.ts`.
 *
 * Like that module it loads no AWS SDK until a renewal runs.
 *
 * @module
 */
import type { Settings } from "./config.ts";
import {
  ChallengeError,
  ConfigError,
  ExitCode,
  SessionExpiredError,
  SignInError,
} from "./errors.ts";
import {
  type Env,
  isFresh,
  readSession,
  type Session,
  sessionFile,
} from "./session_cache.ts";
import type { Reporter, SignInInputs } from "./sign_in.ts";

/** What {@linkcode sessionCredentials} needs. */
export interface SessionCredentialsOptions {
  /** The AWS profile whose session to use. */
  profile: string;
  /** Reuse cached credentials valid for longer than this many seconds. */
  windowSeconds: number;
  /** Environment (cache folder, endpoints, the client secret). */
  env: Env;
  /**
   * Gives the settings in effect, read only when a renewal needs them (the
   * app client's secret, a method's own settings).
   */
  settings?: () => Promise<Settings>;
  /**
   * Gives what a person can answer for a new sign-in with the session's
   * method, when the refresh token no longer works; undefined (or no
   * function) when nobody can be asked (no terminal).
   */
  signInAgain?: (session: Session) => Promise<SignInInputs | undefined>;
  /** Clock. */
  now?: () => Date;
  /** Progress output (stderr in the CLI). */
  reporter?: Reporter;
}

/** What {@linkcode sessionCredentials} returns. */
export interface SessionCredentialsResult {
  /** The session, with the credentials to use. */
  session: Session;
  /**
   * Cached, refreshed with the refresh token, or the name of the method
   * that signed in again (`"password"`, `"srp"`, ...).
   */
  how: "cache" | "refresh" | string;
}

/**
 * Usable credentials for `profile` from its session: the cached ones while
 * fresh; else a sign-in with the refresh token and the exchange the session
 * used (cached identity id, classic flow, proxy); when the refresh token no
 * longer works, a sign-in with the session's own method if `signInAgain`
 * gives what it needs. Saves what it renewed. Throws
 * {@linkcode SessionExpiredError} when there is no session or nothing can
 * sign in again.
 *
 * The refresh runs under the profile's lock (`<session file>.lock`): runs
 * started at once refresh once, a run that waited reads the session again
 * first. Fresh credentials never wait for the lock, and a sign-in that
 * waits for a person runs after it is released. Throws
 * `CredentialsFileError` (exit 10) when another process keeps the lock for
 * more than about 10 s.
 */
export async function sessionCredentials(
  options: SessionCredentialsOptions,
): Promise<SessionCredentialsResult> {
  const { profile, env } = options;
  const now = options.now ?? (() => new Date());
  const report = options.reporter ?? { step() {}, warn() {} };
  const cached = await readSession(env, profile);
  if (!cached) throw noSavedSignIn(profile);
  if (isFresh(cached.credentials, now(), options.windowSeconds)) {
    return { session: cached, how: "cache" };
  }

  const path = await sessionFile(env, profile);
  const { withFileLock } = await import("./file_lock.ts");
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

  const { session, clientSecret, refreshFailure } = attempt;
  const { signInMethod } = await import("./sign_in.ts");
  const method = signInMethod(session.authFlow);
  const why = `The saved sign-in of ${session.username} for profile ` +
    `${profile} has ${
      refreshFailure ? "expired or was revoked" : "no refresh token"
    }`;
  const inputs = await options.signInAgain?.(session);
  if (!inputs) {
    const ask = method.needs.includes("password")
      ? "ask for the password"
      : `sign in ${method.how}`;
    throw new SessionExpiredError(
      `${why}, and there is no terminal to ${ask}. Run ` +
        `\`${loginCommand(profile, method.loginOption)}\` to sign in again.`,
      { cause: refreshFailure },
    );
  }
  report.warn(`${why}; signing in ${method.how}.`);
  const { renewSession } = await import("./login.ts");
  const next = await renewSession(session, {
    method,
    clientSecret,
    inputs,
    settings: options.settings,
    env: options.env,
    now,
    reporter: report,
  });
  return { session: next, how: method.name };
}

function loginCommand(profile: string, option?: string): string {
  return `aws-cognito-auth login${
    option ? ` ${option}` : ""
  } --profile ${profile}`;
}

function noSavedSignIn(profile: string): SessionExpiredError {
  return new SessionExpiredError(
    `There is no saved sign-in for profile ${profile}. Run ` +
      `\`${loginCommand(profile)}\` first.`,
  );
}

/** A refresh that could not be done (`refreshFailure` unset: no token). */
type RefreshRefused = {
  session: Session;
  clientSecret?: string;
  refreshFailure?: unknown;
};

/**
 * Signs in again with the session's refresh token, exchanges the ID token
 * and saves the result; returns what a new sign-in needs instead when the
 * refresh token no longer works (or there is none).
 */
async function refreshWithToken(
  session: Session,
  options: SessionCredentialsOptions,
  now: () => Date,
  report: Reporter,
): Promise<SessionCredentialsResult | RefreshRefused> {
  let clientSecret: string | undefined;
  if (session.clientSecret) {
    clientSecret = (await options.settings?.())?.clientSecret;
    if (!clientSecret) {
      throw new ConfigError(
        `The app client ${session.clientId} has a client secret: set ` +
          `COGNITO_CLIENT_SECRET or client_secret in the config file so ` +
          `that the sign-in of profile ${options.profile} can be refreshed.`,
      );
    }
  }
  const { refreshToken, cognitoUsername } = session;
  if (!refreshToken) return { session, clientSecret };
  report.step(
    `Refreshing the sign-in of ${session.username} for profile ` +
      `${options.profile} (no password needed)...`,
  );
  const [{ refreshMethodFor }, { renewSession }] = await Promise.all([
    import("./sign_in.ts"),
    import("./login.ts"),
  ]);
  try {
    const next = await renewSession(session, {
      // A browser sign-in refreshes at its Managed Login domain.
      method: refreshMethodFor(session.authFlow),
      clientSecret,
      saved: { refreshToken, cognitoUsername },
      settings: options.settings,
      env: options.env,
      now,
      reporter: report,
    });
    return { session: next, how: "refresh" };
  } catch (error) {
    if (!refreshRefused(error)) throw error;
    return { session, clientSecret, refreshFailure: error };
  }
}

/** Whether a refresh failed because the refresh token no longer works. */
function refreshRefused(error: unknown): boolean {
  return (error instanceof SignInError &&
    error.exitCode === ExitCode.sessionExpired) ||
    error instanceof ChallengeError ||
    error instanceof SessionExpiredError;
}
