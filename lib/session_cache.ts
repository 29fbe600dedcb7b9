/**
 * The session cache: for each AWS profile, which user, pools, app client and
 * flow it belongs to, its current credentials, and the refresh token that
 * signs in again without the password. `login --profile P` writes it;
 * `credential-process` and `exec` read it and refresh it.
 *
 * One JSON file per profile, `<cache dir>/sessions/<profile>.json` (see
 * {@linkcode cacheDir}: `$XDG_CACHE_HOME/cognito-authoriser`, else
 * `~/.cache/cognito-authoriser`), mode 0600 in 0700 folders, replaced
 * atomically. It is never the shared credentials file. It never holds the
 * password or the app client's secret.
 *
 * Reading it loads nothing else (no AWS SDK, no Node modules), so that a
 * `credential-process` cache hit starts as fast as Deno does.
 *
 * @module
 */
import { cacheDir } from "./cache.ts";
import type { CredentialsSource, TemporaryCredentials } from "./credentials.ts";
import { ConfigError, CredentialsFileError } from "./errors.ts";
import type { AuthFlow } from "./user_pool.ts";

/**
 * How the ID token becomes AWS credentials: `"enhanced"` (GetId and
 * GetCredentialsForIdentity, optionally upgraded by the proxy) or
 * `"classic"` (GetId, GetOpenIdToken, then sts:AssumeRoleWithWebIdentity).
 */
export type CredentialFlow = "enhanced" | "classic";

/** What the cache remembers about one profile's sign-in. Holds secrets. */
export interface Session {
  /** The AWS profile this session belongs to. */
  profile: string;
  /** The user name as it was typed at sign-in (for messages and prompts). */
  username: string;
  /**
   * The user's real user name (`cognito:username`), which REFRESH_TOKEN_AUTH
   * needs for SECRET_HASH; differs from `username` when that is an alias.
   */
  cognitoUsername: string;
  /** User Pool id. */
  userPoolId: string;
  /** App client id. */
  clientId: string;
  /** Identity Pool id. */
  identityPoolId: string;
  /** Region written into the profile, and the proxy's region. */
  region: string;
  /** How the password was proved at sign-in. */
  authFlow: AuthFlow;
  /**
   * Whether the app client has a secret (the secret itself is never cached:
   * it is read again from `COGNITO_CLIENT_SECRET` or the config file).
   */
  clientSecret: boolean;
  /** Enhanced or classic flow. */
  flow: CredentialFlow;
  /** The role of the classic flow. */
  classicRoleArn?: string;
  /** Hours asked for (proxy and classic flow). */
  durationHours: number;
  /** The credential proxy, when the session got its credentials from it. */
  proxy?: { functionName: string };
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

/**
 * The file of a profile's session, or undefined when no cache folder is
 * known (no HOME). The profile name is percent-encoded, so any name the
 * AWS files accept makes one plain file name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sessionFilePath } from "./session_cache.ts";
 * assert.equal(
 *   sessionFilePath({ XDG_CACHE_HOME: "/c" }, "team/dev"),
 *   "/c/cognito-authoriser/sessions/team%2Fdev.json",
 * );
 * ```
 */
export function sessionFilePath(env: Env, profile: string): string | undefined {
  const dir = cacheDir(env);
  if (!dir) return undefined;
  const name = encodeURIComponent(profile).replaceAll(".", "%2E");
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
  const path = sessionFilePath(env, profile);
  if (!path) return undefined;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return undefined;
  }
  try {
    return parseSession(JSON.parse(text), profile);
  } catch {
    return undefined;
  }
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
  const session: Session = {
    profile,
    username: d.username as string,
    cognitoUsername: d.cognitoUsername as string,
    userPoolId: d.userPoolId as string,
    clientId: d.clientId as string,
    identityPoolId: d.identityPoolId as string,
    region: d.region as string,
    authFlow: d.authFlow === "srp" ? "srp" : "password",
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
  if (typeof d.classicRoleArn === "string") {
    session.classicRoleArn = d.classicRoleArn;
  }
  if (typeof proxy?.functionName === "string") {
    session.proxy = { functionName: proxy.functionName };
  }
  if (typeof d.refreshToken === "string") {
    session.refreshToken = d.refreshToken;
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
  const path = sessionFilePath(env, session.profile);
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
  const path = sessionFilePath(env, profile);
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
 * `now`: the test `credential-process` and `login` use to reuse them.
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

/**
 * Parses a refresh window: a whole number of seconds from 0 to 43200 (12
 * hours, the longest credentials this tool gets), or undefined.
 */
export function parseRefreshWindow(value: string): number | undefined {
  if (!/^\d{1,6}$/.test(value)) return undefined;
  const seconds = Number(value);
  return seconds <= 43200 ? seconds : undefined;
}
