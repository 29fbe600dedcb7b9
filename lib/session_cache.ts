/**
 * The saved session: for each AWS profile, the sign-in record (who signs
 * in where, how), its current credentials and the refresh token. `login
 * --profile P` writes it; `credential-process` and `exec` read it and renew
 * it (`sessionCredentials` in `session_renewal.ts`). The one "still fresh?"
 * rule ({@linkcode isFresh}) and the refresh window live here too.
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
import type { CredentialsSource, TemporaryCredentials } from "./credentials.ts";
import { ConfigError, CredentialsFileError } from "./errors.ts";
import type { CredentialFlow, SignInRecord } from "./sign_in.ts";

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
