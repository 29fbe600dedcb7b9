/**
 * The proxy function's environment: the variables `lambda deploy` owns, the
 * key the function already holds (under our names or the original tool's),
 * and the revocation setting. Variables the deploy does not own are kept,
 * except the original tool's names for the key, which are removed once ours
 * are set, so an old secret does not stay in the function.
 *
 * @module
 */
import { maskKeyId } from "../aws.ts";

/** The longest session the long-lived role allows: 12 hours. */
export const LONG_LIVED_MAX_SESSION = 43200;

/** Our names for the proxy user's key. */
export const KEY_NAMES = {
  accessKeyId: "IAM_USER_ACCESS_KEY_ID",
  secretAccessKey: "IAM_USER_SECRET_ACCESS_KEY",
} as const;

/** The original Python tool's names for the same key. */
export const LEGACY_KEY_NAMES = {
  accessKeyId: "IAM_USER_AWS_ACCESS_KEY_ID",
  secretAccessKey: "IAM_USER_AWS_SECRET_ACCESS_KEY",
} as const;

/**
 * The proxy's setting for callers that send no access token: `require`
 * refuses them, `allow-missing` lets them through. New functions get
 * {@linkcode ACCESS_TOKEN_CHECK_FOR_NEW}; existing ones keep what they have.
 */
export const ACCESS_TOKEN_CHECK = "ACCESS_TOKEN_CHECK";
/** What a new function gets for {@linkcode ACCESS_TOKEN_CHECK}. */
export const ACCESS_TOKEN_CHECK_FOR_NEW = "require";

/** An IAM user's access key. */
export interface Key {
  /** Access key id. */
  accessKeyId: string;
  /** Its secret. Never printed. */
  secretAccessKey: string;
}

/** A function's environment variables. */
export type Environment = Record<string, string>;

/**
 * The key a function holds: under our names, else under the original tool's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { functionKey } from "./environment.ts";
 *
 * assert.deepEqual(
 *   functionKey({
 *     IAM_USER_AWS_ACCESS_KEY_ID: "AKIAOLDTOOLKEY",
 *     IAM_USER_AWS_SECRET_ACCESS_KEY: "old-secret",
 *   }),
 *   { accessKeyId: "AKIAOLDTOOLKEY", secretAccessKey: "old-secret" },
 * );
 * assert.equal(functionKey({}), undefined);
 * ```
 */
export function functionKey(env: Environment): Key | undefined {
  for (const names of [KEY_NAMES, LEGACY_KEY_NAMES]) {
    const accessKeyId = env[names.accessKeyId];
    const secretAccessKey = env[names.secretAccessKey];
    if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  }
  return undefined;
}

/** What the proxy is told about the pool and the role. */
export interface ProxySettings {
  /** The User Pool whose ID tokens the proxy accepts. */
  userPoolId: string;
  /** App client ids accepted as audience. */
  clientIds: string[];
  /** The role the proxy assumes. */
  longLivedRoleArn: string;
}

/**
 * The environment the function should have: what it has, less the original
 * tool's key names, with ours set. A new function (`current` undefined) also
 * gets `ACCESS_TOKEN_CHECK=require`; an existing one keeps its own. Until a
 * new key exists, its id and secret are placeholders.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wantedEnvironment } from "./environment.ts";
 *
 * const env = wantedEnvironment(
 *   { IAM_USER_AWS_SECRET_ACCESS_KEY: "old", OTHER: "kept" },
 *   { userPoolId: "us-east-1_x", clientIds: ["c"], longLivedRoleArn: "arn:r" },
 *   { accessKeyId: "AKIANEW", secretAccessKey: "new" },
 * );
 * assert.equal(env.IAM_USER_AWS_SECRET_ACCESS_KEY, undefined);
 * assert.equal(env.IAM_USER_SECRET_ACCESS_KEY, "new");
 * assert.equal(env.OTHER, "kept");
 * assert.equal(env.ACCESS_TOKEN_CHECK, undefined);
 * ```
 */
export function wantedEnvironment(
  current: Environment | undefined,
  settings: ProxySettings,
  key: Key | undefined,
): Environment {
  const kept = Object.fromEntries(
    Object.entries(current ?? {}).filter(([name]) =>
      !(Object.values(LEGACY_KEY_NAMES) as string[]).includes(name)
    ),
  );
  return {
    ...kept,
    COGNITO_USER_POOL_ID: settings.userPoolId,
    COGNITO_CLIENT_IDS: settings.clientIds.join(","),
    DEFAULT_ROLE_ARN: settings.longLivedRoleArn,
    [KEY_NAMES.accessKeyId]: key?.accessKeyId ?? "(new access key)",
    [KEY_NAMES.secretAccessKey]: key?.secretAccessKey ?? "(new secret)",
    ROLE_MAX_SESSION_DURATION: String(LONG_LIVED_MAX_SESSION),
    ...(current ? {} : { [ACCESS_TOKEN_CHECK]: ACCESS_TOKEN_CHECK_FOR_NEW }),
  };
}

/**
 * The environment as a plan shows it: the key id shortened. (The plan's
 * printer hides every secret-looking value, the key's secret among them.)
 */
export function shownEnvironment(
  env: Environment,
  key: Key | undefined,
): Environment {
  return {
    ...env,
    [KEY_NAMES.accessKeyId]: key ? maskKeyId(key.accessKeyId) : "(new key)",
  };
}

/** One line on the revocation setting of an existing function, for a plan. */
export function accessTokenCheckLine(
  functionName: string,
  env: Environment,
): string {
  const value = env[ACCESS_TOKEN_CHECK];
  return value
    ? `function ${functionName} ${ACCESS_TOKEN_CHECK}=${value} (kept)`
    : `function ${functionName} has no ${ACCESS_TOKEN_CHECK} (kept: the ` +
      "proxy's default applies; set it to require to refuse callers that " +
      "send no access token)";
}
