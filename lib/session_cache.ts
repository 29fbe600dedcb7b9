/**
 * The saved session: for each AWS profile, the sign-in record (who signs
 * in where, how), its current credentials and the refresh token that signs
 * in again without a person. `login --profile P` writes it;
 * `credential-process` and `exec` read it, and renew it through
 * {@linkcode sessionCredentials}. The one "still fresh?" rule
 * ({@linkcode isFresh}) and the refresh window ({@linkcode
 * refreshWindowSeconds}) live here too.
 *
 * One JSON file per profile, `<cache dir>/sessions/<profile>.json` (see
 * {@linkcode sessionFile}), mode 0600 in 0700 folders, replaced
 * atomically. It is never the shared credentials file. It never holds the
 * password or the app client's secret.
 *
 * Reading it loads nothing else (no AWS SDK, no Node modules), so that a
 * `credential-process` cache hit starts as fast as Deno does: what a
 * renewal needs is imported only when one runs.
 *
 * @module
 */
import { cacheDir } from "./cache.ts";
import type { Settings } from "./config.ts";
import type { CredentialsSource, TemporaryCredentials } from "./credentials.ts";
import {
  ChallengeError,
  ConfigError,
  CredentialsFileError,
  ExitCode,
  SessionExpiredError,
  SignInError,
} from "./errors.ts";
import type { Reporter } from "./login.ts";
import type {
  CredentialFlow,
  SignInContext,
  SignInInputs,
  SignInMethod,
  SignInRecord,
} from "./sign_in.ts";

export type { CredentialFlow };

/** What the cache remembers about one profile's sign-in. Holds secrets. */
export interface Session extends SignInRecord {
  /** The AWS profile this session belongs to. */
  profile: string;
  /** The user name as it was typed at sign-in (for messages and prompts). */
  username: string;
  /**
   * The user's real user name (`cognito:username`), which REFRESH_TOKEN_AUTH
   * needs for SECRET_HASH; differs from `username` when that is an alias.
   */
  cognitoUsername: string;
  /** The Identity Pool identity id (skips GetId on refresh). */
  identityId: string;
  /** The refresh token; absent when Cognito gave none. */
  refreshToken?: string;
  /** The current credentials. */
  credentials: TemporaryCredentials;
  /** Where the current credentials came from. */
  source: CredentialsSource;
}

/** Refresh window used when neither the flag nor the environment sets one. */
export const DEFAULT_REFRESH_WINDOW_SECONDS = 300;

/** Environment variables, as `Deno.env.toObject()` gives them. */
export type Env = Record<string, string | undefined>;

/** Longest profile file name kept readable; longer ones are hashed. */
const READABLE_NAME_LENGTH = 200;

/**
 * The file of a profile's session, or undefined when no cache folder is
 * known (no HOME). The profile name is percent-encoded, so any name the
 * AWS files accept makes one plain file name. A name that encodes to more
 * than 200 characters becomes its first 160 characters, `#` (which an
 * encoded name never holds) and a SHA-256 of the exact profile name, so
 * that the file and its lock always fit the file system.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sessionFile } from "./session_cache.ts";
 * assert.equal(
 *   await sessionFile({ XDG_CACHE_HOME: "/c" }, "team/dev"),
 *   "/c/cognito-authoriser/sessions/team%2Fdev.json",
 * );
 * const long = await sessionFile({ XDG_CACHE_HOME: "/c" }, "%".repeat(90));
 * assert.match(long!, /\/sessions\/(%25){53}%#[0-9a-f]{32}\.json$/);
 * ```
 */
export async function sessionFile(
  env: Env,
  profile: string,
): Promise<string | undefined> {
  const dir = cacheDir(env);
  if (!dir) return undefined;
  let name = encodeURIComponent(profile).replaceAll(".", "%2E");
  if (name.length > READABLE_NAME_LENGTH) {
    const digest = await crypto.subtle.digest(
      "SHA-256",
      new TextEncoder().encode(profile),
    );
    const hex = Array.from(
      new Uint8Array(digest, 0, 16),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    name = `${name.slice(0, 160)}#${hex}`;
  }
  return `${dir}/sessions/${name}.json`;
}

/**
 * Reads a profile's session. Undefined when there is none, or when the file
 * is damaged or from another version (the same as none: sign in again).
 */
export async function readSession(
  env: Env,
  profile: string,
): Promise<Session | undefined> {
  const path = await sessionFile(env, profile);
  if (!path) return undefined;
  try {
    return parseSession(JSON.parse(await Deno.readTextFile(path)), profile);
  } catch {
    return undefined;
  }
}

/**
 * The profile's session when its credentials are still fresh (see
 * {@linkcode isFresh}), else undefined: what a cache hit serves.
 */
export async function freshSession(
  env: Env,
  profile: string,
  windowSeconds: number,
  now: Date,
): Promise<Session | undefined> {
  const session = await readSession(env, profile);
  return session && isFresh(session.credentials, now, windowSeconds)
    ? session
    : undefined;
}

function parseSession(data: unknown, profile: string): Session | undefined {
  const d = data as Record<string, unknown> | null;
  if (!d || typeof d !== "object" || d.version !== 1) return undefined;
  const strings = [
    "username",
    "cognitoUsername",
    "userPoolId",
    "clientId",
    "identityPoolId",
    "region",
    "identityId",
    "source",
  ];
  if (strings.some((key) => typeof d[key] !== "string")) return undefined;
  if (d.profile !== profile) return undefined;
  const c = d.credentials as Record<string, unknown> | null;
  if (
    !c || typeof c.accessKeyId !== "string" ||
    typeof c.secretAccessKey !== "string" ||
    typeof c.sessionToken !== "string" || typeof c.expiration !== "string"
  ) return undefined;
  const expiration = new Date(c.expiration);
  if (Number.isNaN(expiration.getTime())) return undefined;
  const proxy = d.proxy as { functionName?: unknown } | undefined;
  const text = (key: string) =>
    typeof d[key] === "string" ? d[key] as string : undefined;
  const session: Session = {
    profile,
    username: d.username as string,
    cognitoUsername: d.cognitoUsername as string,
    userPoolId: d.userPoolId as string,
    clientId: d.clientId as string,
    identityPoolId: d.identityPoolId as string,
    region: d.region as string,
    // The method's name as saved; an unknown one is refused only if a
    // sign-in with it is ever needed.
    authFlow: text("authFlow") ?? "password",
    clientSecret: d.clientSecret === true,
    flow: d.flow === "classic" ? "classic" : "enhanced",
    durationHours: typeof d.durationHours === "number" ? d.durationHours : 12,
    identityId: d.identityId as string,
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration,
    },
    source: d.source as CredentialsSource,
  };
  const classicRoleArn = text("classicRoleArn");
  if (classicRoleArn !== undefined) session.classicRoleArn = classicRoleArn;
  if (typeof proxy?.functionName === "string") {
    session.proxy = { functionName: proxy.functionName };
  }
  const refreshToken = text("refreshToken");
  if (refreshToken !== undefined) session.refreshToken = refreshToken;
  return session;
}

/**
 * Saves a profile's session (mode 0600, folders 0700, atomic replace) and
 * returns the file written. Throws {@linkcode CredentialsFileError} when the
 * cache cannot be written.
 */
export async function writeSession(
  env: Env,
  session: Session,
): Promise<string> {
  const path = await sessionFile(env, session.profile);
  if (!path) {
    throw new CredentialsFileError(
      "Cannot find a cache folder for the session: set HOME or XDG_CACHE_HOME.",
    );
  }
  const data = {
    version: 1,
    ...session,
    credentials: {
      ...session.credentials,
      expiration: session.credentials.expiration.toISOString(),
    },
    updatedAt: new Date().toISOString(),
  };
  try {
    // Loaded only here: reading the cache must stay as light as it can be.
    const { writeFileAtomic } = await import("./atomic_file.ts");
    await writeFileAtomic(path, JSON.stringify(data, null, 2) + "\n", {
      mode: 0o600,
      dirMode: 0o700,
    });
  } catch (error) {
    throw new CredentialsFileError(
      `Cannot write the session cache ${path}: ${(error as Error).message}.`,
      { cause: error },
    );
  }
  return path;
}

/** Deletes a profile's session; true when there was one. */
export async function removeSession(
  env: Env,
  profile: string,
): Promise<boolean> {
  const path = await sessionFile(env, profile);
  if (!path) return false;
  try {
    await Deno.remove(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw new CredentialsFileError(
      `Cannot remove the session cache ${path}: ${(error as Error).message}.`,
      { cause: error },
    );
  }
}

/**
 * Whether credentials are still good for more than `windowSeconds` at
 * `now`: the one test of whether saved credentials are reused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isFresh } from "./session_cache.ts";
 * const now = new Date("2030-01-01T00:00:00Z");
 * const expiration = new Date("2030-01-01T00:10:00Z");
 * assert.equal(isFresh({ expiration }, now, 300), true);
 * assert.equal(isFresh({ expiration }, now, 600), false);
 * ```
 */
export function isFresh(
  credentials: { expiration: Date },
  now: Date,
  windowSeconds: number,
): boolean {
  return credentials.expiration.getTime() - now.getTime() >
    windowSeconds * 1000;
}

/**
 * Parses a refresh window: a whole number of seconds from 0 to 43200 (12
 * hours, the longest credentials this tool gets), or undefined. The one
 * parser of `--refresh-window` and `COGNITO_AUTH_REFRESH_WINDOW`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRefreshWindow } from "./session_cache.ts";
 * assert.equal(parseRefreshWindow("600"), 600);
 * assert.equal(parseRefreshWindow("43201"), undefined);
 * assert.equal(parseRefreshWindow("1e3"), undefined);
 * ```
 */
export function parseRefreshWindow(value: string): number | undefined {
  if (!/^\d+$/.test(value)) return undefined;
  const seconds = Number(value);
  return seconds <= 43200 ? seconds : undefined;
}

/**
 * The refresh window in seconds: the `--refresh-window` value when given,
 * else `COGNITO_AUTH_REFRESH_WINDOW`, else 300. Throws
 * {@linkcode ConfigError} for a value that is not a whole number of seconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { refreshWindowSeconds } from "./session_cache.ts";
 * assert.equal(refreshWindowSeconds(undefined, {}), 300);
 * assert.equal(
 *   refreshWindowSeconds(undefined, { COGNITO_AUTH_REFRESH_WINDOW: "60" }),
 *   60,
 * );
 * assert.equal(refreshWindowSeconds(120, { COGNITO_AUTH_REFRESH_WINDOW: "60" }), 120);
 * ```
 */
export function refreshWindowSeconds(
  flag: number | undefined,
  env: Env,
): number {
  if (flag !== undefined) return flag;
  const raw = env.COGNITO_AUTH_REFRESH_WINDOW?.trim();
  if (!raw) return DEFAULT_REFRESH_WINDOW_SECONDS;
  const seconds = parseRefreshWindow(raw);
  if (seconds === undefined) {
    throw new ConfigError(
      `COGNITO_AUTH_REFRESH_WINDOW must be a whole number of seconds from 0 ` +
        `to 43200, not ${JSON.stringify(raw.slice(0, 20))}.`,
    );
  }
  return seconds;
}

/** What {@linkcode sessionCredentials} needs. */
export interface SessionCredentialsOptions {
  /** The AWS profile whose session to use. */
  profile: string;
  /** Reuse cached credentials valid for longer than this many seconds. */
  windowSeconds: number;
  /** Environment (cache folder, endpoints, the client secret). */
  env: Env;
  /** The session, when the caller has read it already. */
  session?: Session;
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
 * Returns usable credentials for `profile` from its session: the cached
 * ones while they are fresh; else a sign-in with the refresh token, the
 * Identity Pool exchange with the cached identity id (or the classic flow)
 * and the proxy when the session used it; when the refresh token no longer
 * works, a new sign-in with the session's own method if
 * `signInAgain` can give what it needs. Saves what it renewed. Throws
 * {@linkcode SessionExpiredError} when there is no session, or nothing can
 * sign in again.
 *
 * The refresh runs under the profile's lock (`<session file>.lock`): the
 * AWS CLI and SDKs may run `credential_process` several times at once, and
 * a process that waited for the lock first reads the session again and
 * uses credentials another one has just saved, with no request. Fresh
 * credentials are returned without the lock. A sign-in that waits for a
 * person runs after the lock is released. Throws `CredentialsFileError`
 * (exit 10) when another process keeps the lock for more than about 10 s.
 */
export async function sessionCredentials(
  options: SessionCredentialsOptions,
): Promise<SessionCredentialsResult> {
  const { profile, env } = options;
  const now = options.now ?? (() => new Date());
  const report = options.reporter ?? { step() {}, warn() {} };
  const cached = options.session ?? await readSession(env, profile);
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
      onStaleLock: (message) => report.warn(message),
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
        `\`${loginCommand(profile)}\` to sign in again.`,
      { cause: refreshFailure },
    );
  }
  report.warn(`${why}; signing in ${method.how}.`);
  const next = await renew(method, session, options, now, report, {
    clientSecret,
    inputs,
  });
  return { session: next, how: method.name };
}

function loginCommand(profile: string): string {
  return `aws-cognito-auth login --profile ${profile}`;
}

function noSavedSignIn(profile: string): SessionExpiredError {
  return new SessionExpiredError(
    `There is no saved sign-in for profile ${profile}. Run ` +
      `\`${loginCommand(profile)}\` first.`,
  );
}

/** A refresh the refresh token could not do: what a new sign-in needs. */
interface RefreshRefused {
  session: Session;
  clientSecret?: string;
  /** Cognito's refusal; undefined when the session has no refresh token. */
  refreshFailure?: unknown;
}

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
  const { signInMethod } = await import("./sign_in.ts");
  try {
    const next = await renew(
      signInMethod("refresh"),
      session,
      options,
      now,
      report,
      { clientSecret, inputs: {}, saved: { refreshToken, cognitoUsername } },
    );
    return { session: next, how: "refresh" };
  } catch (error) {
    if (!refreshRefused(error)) throw error;
    return { session, clientSecret, refreshFailure: error };
  }
}

/**
 * Signs in with `method` for the session's record, exchanges the ID token
 * as the session did, and saves the renewed session.
 */
async function renew(
  method: SignInMethod,
  session: Session,
  options: SessionCredentialsOptions,
  now: () => Date,
  report: Reporter,
  extra: Pick<SignInContext, "clientSecret" | "inputs" | "saved">,
): Promise<Session> {
  const { env } = options;
  const settings = () => options.settings?.() ?? Promise.resolve({});
  const tokens = await method.signIn({
    record: session,
    settings,
    env,
    now,
    reporter: report,
    ...extra,
  });
  const [{ credentialsFromIdToken }, { usernameFromIdToken }] = await Promise
    .all([import("./login.ts"), import("./user_pool.ts")]);
  const cognitoUsername = usernameFromIdToken(tokens.idToken);
  const obtained = await credentialsFromIdToken({
    record: session,
    idToken: tokens.idToken,
    accessToken: tokens.accessToken,
    identityId: session.identityId,
    env,
    now,
    reporter: report,
  });
  const next: Session = {
    ...session,
    cognitoUsername,
    identityId: obtained.identityId,
    credentials: obtained.credentials,
    source: obtained.source,
    refreshToken: tokens.refreshToken ?? session.refreshToken,
  };
  try {
    await writeSession(env, next);
  } catch (error) {
    // The credentials are good; the next call just refreshes again.
    report.warn((error as Error).message);
  }
  return next;
}

/** Whether a refresh failed because the refresh token no longer works. */
function refreshRefused(error: unknown): boolean {
  return (error instanceof SignInError &&
    error.exitCode === ExitCode.sessionExpired) ||
    error instanceof ChallengeError ||
    error instanceof SessionExpiredError;
}
