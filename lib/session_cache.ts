/**
 * The saved session: for each AWS profile, the sign-in record (who signs
 * in where, how), its current credentials and the refresh token. `login
 * --profile P` writes it; `credential-process` and `exec` read it and renew
 * it ({@linkcode sessionCredentials}). The one "still fresh?" rule
 * ({@linkcode isFresh}) and the refresh window live here too.
 *
 * One JSON file per profile ({@linkcode sessionFile}), mode 0600 in 0700
 * folders, replaced atomically; never the shared credentials file, never
 * the password or the app client's secret. Reading it loads no AWS SDK and
 * no Node module, so a cache hit starts as fast as Deno does: a renewal
 * imports what it needs when it runs.
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
import type {
  CredentialFlow,
  Reporter,
  SignInInputs,
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

const REQUIRED = [
  "username",
  "cognitoUsername",
  "userPoolId",
  "clientId",
  "identityPoolId",
  "region",
  "identityId",
  "source",
];

function parseSession(data: unknown, profile: string): Session | undefined {
  const d = (data ?? {}) as Record<string, unknown>;
  const c = (d.credentials ?? {}) as Record<string, unknown>;
  const text = (o: Record<string, unknown>, key: string) =>
    typeof o[key] === "string" ? o[key] as string : undefined;
  if (
    d.version !== 1 || d.profile !== profile ||
    REQUIRED.some((key) => text(d, key) === undefined) ||
    ["accessKeyId", "secretAccessKey", "sessionToken"]
      .some((key) => text(c, key) === undefined)
  ) return undefined;
  const expiration = new Date(text(c, "expiration") ?? NaN);
  if (Number.isNaN(expiration.getTime())) return undefined;
  const session = {
    profile,
    ...Object.fromEntries(REQUIRED.map((key) => [key, d[key]])),
    // The method's name as saved; an unknown one is refused only if a
    // sign-in with it is ever needed.
    authFlow: text(d, "authFlow") ?? "password",
    clientSecret: d.clientSecret === true,
    flow: d.flow === "classic" ? "classic" : "enhanced",
    durationHours: typeof d.durationHours === "number" ? d.durationHours : 12,
    credentials: {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      expiration,
    },
  } as Session;
  const classicRoleArn = text(d, "classicRoleArn");
  if (classicRoleArn !== undefined) session.classicRoleArn = classicRoleArn;
  const functionName = text(
    (d.proxy ?? {}) as Record<string, unknown>,
    "functionName",
  );
  if (functionName !== undefined) session.proxy = { functionName };
  const refreshToken = text(d, "refreshToken");
  if (refreshToken !== undefined) session.refreshToken = refreshToken;
  const managedLoginDomain = text(d, "managedLoginDomain");
  if (managedLoginDomain !== undefined) {
    session.managedLoginDomain = managedLoginDomain;
  }
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
