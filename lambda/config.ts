/**
 * The proxy function's settings, read once at start-up from its environment.
 * Missing or malformed settings are reported by name only (never by value),
 * so a secret key can never reach a log through a configuration error.
 *
 * @module
 */

/** Everything the proxy needs to verify tokens and assume the role. */
export interface ProxyConfig {
  /** Region of STS calls (`AWS_REGION`, set by Lambda). */
  region: string;
  /** The User Pool whose ID tokens are accepted (`COGNITO_USER_POOL_ID`). */
  userPoolId: string;
  /** App client ids accepted as the token's audience. */
  clientIds: string[];
  /**
   * Accepted `iss` values: the pool's regional issuer
   * `https://cognito-idp.<region>.amazonaws.com/<pool>` and its global form
   * `https://issuer-cognito-idp.<region>.amazonaws.com/<pool>`.
   */
  issuers: string[];
  /**
   * JWKS URL for each issuer. With `COGNITO_JWKS_URI` set, every issuer uses
   * that one URL; otherwise `<issuer>/.well-known/jwks.json`.
   */
  jwksUris: Record<string, string>;
  /** Role assumed when the caller names none (`DEFAULT_ROLE_ARN`). */
  defaultRoleArn: string;
  /** Roles a caller may name in `role_arn` (the default role is always in). */
  allowedRoleArns: string[];
  /** The IAM user's access key id (`IAM_USER_ACCESS_KEY_ID`). */
  accessKeyId: string;
  /** The IAM user's secret key (`IAM_USER_SECRET_ACCESS_KEY`). */
  secretAccessKey: string;
  /**
   * Duration to retry with when STS says the requested one exceeds the role's
   * `MaxSessionDuration` (`ROLE_MAX_SESSION_DURATION`, seconds). STS does not
   * say what the maximum is, so the deploy step writes it here; without it the
   * retry uses 3600, the lowest maximum any role can have.
   */
  retryDurationSeconds: number;
  /** The User Pool's region (from its id): where GetUser is asked. */
  userPoolRegion: string;
  /**
   * Longest token lifetime (`exp - iat`) accepted, in seconds
   * (`MAX_TOKEN_LIFETIME_SECONDS`, default 86400: Cognito's tokens live
   * from 5 minutes to 1 day).
   */
  maxTokenLifetimeSeconds: number;
  /**
   * What to do with a caller that sends no access token
   * (`ACCESS_TOKEN_CHECK`): `require` refuses it, `allow-missing` issues
   * credentials on the ID token alone (the original Python client and our
   * versions before the revocation check). Unset means `allow-missing`, so
   * updating an existing function's code does not lock its callers out;
   * `lambda deploy` writes `require` for new functions.
   */
  accessTokenCheck: AccessTokenCheck;
  /**
   * Cognito User Pools endpoint for GetUser, from the SDK's standard
   * settings: `AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER`, else
   * `AWS_ENDPOINT_URL` (both ignored when
   * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`), else
   * `https://cognito-idp.<pool region>.amazonaws.com`.
   */
  cognitoEndpoint: string;
  /**
   * STS endpoint from the SDK's standard settings: `AWS_ENDPOINT_URL_STS`,
   * else `AWS_ENDPOINT_URL` (both ignored when
   * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true`); undefined means STS's own
   * endpoint for {@linkcode ProxyConfig.region}. Read here because the
   * bundled function carries the SDK's browser build, which reads no
   * environment.
   */
  stsEndpoint?: string;
}

/** Values of `ACCESS_TOKEN_CHECK`. */
export type AccessTokenCheck = "require" | "allow-missing";

/** `MAX_TOKEN_LIFETIME_SECONDS` when unset: one day. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 86400;

/** A required setting is missing or malformed; names the variables only. */
export class ProxyConfigError extends Error {
  /** Creates a configuration error. */
  constructor(message: string) {
    super(message);
    this.name = "ProxyConfigError";
  }
}

/** Shortest and longest `DurationSeconds` the proxy asks STS for. */
export const DURATION_LIMITS = { min: 900, max: 43200 } as const;

/** The lowest `MaxSessionDuration` an IAM role can have (seconds). */
export const LOWEST_ROLE_MAXIMUM = 3600;

const USER_POOL_ID = /^(?<region>[a-z]{2}(?:-gov)?-[a-z]+-\d)_[A-Za-z0-9]+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]{1,512}$/;
const REGION = /^[a-z]{2}(?:-gov)?-[a-z]+-\d$/;

/**
 * Reads the proxy's settings from an environment map (normally
 * `Deno.env.toObject()`) and checks them.
 *
 * Variables: `AWS_REGION`, `COGNITO_USER_POOL_ID`, `COGNITO_CLIENT_IDS`
 * (comma list; `COGNITO_CLIENT_ID` also accepted), `DEFAULT_ROLE_ARN`,
 * `ALLOWED_ROLE_ARNS` (optional comma list), `IAM_USER_ACCESS_KEY_ID`,
 * `IAM_USER_SECRET_ACCESS_KEY`, `COGNITO_JWKS_URI` (optional, https only),
 * `ROLE_MAX_SESSION_DURATION`, `MAX_TOKEN_LIFETIME_SECONDS` and
 * `ACCESS_TOKEN_CHECK` (optional), and the SDK's endpoint settings for
 * Cognito User Pools and STS.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { loadProxyConfig } from "./config.ts";
 * const config = loadProxyConfig({
 *   AWS_REGION: "us-east-1",
 *   COGNITO_USER_POOL_ID: "us-east-1_Example1",
 *   COGNITO_CLIENT_ID: "exampleclientid",
 *   DEFAULT_ROLE_ARN: "arn:aws:iam::123456789012:role/LongLived",
 *   IAM_USER_ACCESS_KEY_ID: "AKIAEXAMPLE",
 *   IAM_USER_SECRET_ACCESS_KEY: "example-secret",
 * });
 * assert.equal(config.issuers.length, 2);
 * assert.equal(config.accessTokenCheck, "allow-missing");
 * ```
 *
 * @throws {ProxyConfigError} when a required variable is missing or malformed.
 */
export function loadProxyConfig(
  env: Record<string, string | undefined>,
): ProxyConfig {
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const list = (value: string | undefined) =>
    (value ?? "").split(",").map((item) => item.trim()).filter(Boolean);

  const userPoolId = get("COGNITO_USER_POOL_ID");
  const clientIds = list(get("COGNITO_CLIENT_IDS") ?? get("COGNITO_CLIENT_ID"));
  const defaultRoleArn = get("DEFAULT_ROLE_ARN");
  const accessKeyId = get("IAM_USER_ACCESS_KEY_ID");
  const secretAccessKey = get("IAM_USER_SECRET_ACCESS_KEY");

  const missing = [
    userPoolId ? undefined : "COGNITO_USER_POOL_ID",
    clientIds.length ? undefined : "COGNITO_CLIENT_IDS (or COGNITO_CLIENT_ID)",
    defaultRoleArn ? undefined : "DEFAULT_ROLE_ARN",
    accessKeyId ? undefined : "IAM_USER_ACCESS_KEY_ID",
    secretAccessKey ? undefined : "IAM_USER_SECRET_ACCESS_KEY",
  ].filter((name) => name !== undefined);
  if (missing.length) {
    throw new ProxyConfigError(
      `Missing configuration: set ${missing.join(", ")} on the function.`,
    );
  }

  const poolRegion = USER_POOL_ID.exec(userPoolId!)?.groups?.region;
  if (!poolRegion) {
    throw new ProxyConfigError(
      "COGNITO_USER_POOL_ID is not a User Pool id (like us-east-1_AbC123).",
    );
  }
  const region = get("AWS_REGION") ?? get("AWS_DEFAULT_REGION") ?? poolRegion;
  if (!REGION.test(region)) {
    throw new ProxyConfigError("AWS_REGION is not a region name.");
  }

  const allowed = list(get("ALLOWED_ROLE_ARNS"));
  for (
    const [name, arns] of [
      ["DEFAULT_ROLE_ARN", [defaultRoleArn!]],
      ["ALLOWED_ROLE_ARNS", allowed],
    ] as const
  ) {
    if (arns.some((arn) => !ROLE_ARN.test(arn))) {
      throw new ProxyConfigError(
        `${name} must hold IAM role ARNs (arn:aws:iam::<account>:role/<name>).`,
      );
    }
  }

  const issuers = [
    `https://cognito-idp.${poolRegion}.amazonaws.com/${userPoolId}`,
    `https://issuer-cognito-idp.${poolRegion}.amazonaws.com/${userPoolId}`,
  ];
  const jwksOverride = get("COGNITO_JWKS_URI");
  if (jwksOverride !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(jwksOverride);
    } catch {
      url = undefined;
    }
    if (url?.protocol !== "https:") {
      throw new ProxyConfigError("COGNITO_JWKS_URI must be an https:// URL.");
    }
  }
  const jwksUris = Object.fromEntries(
    issuers.map((iss) => [iss, jwksOverride ?? `${iss}/.well-known/jwks.json`]),
  );

  const retryText = get("ROLE_MAX_SESSION_DURATION");
  const retryDurationSeconds = retryText === undefined
    ? LOWEST_ROLE_MAXIMUM
    : Number(retryText);
  if (
    !Number.isInteger(retryDurationSeconds) ||
    retryDurationSeconds < LOWEST_ROLE_MAXIMUM ||
    retryDurationSeconds > DURATION_LIMITS.max
  ) {
    throw new ProxyConfigError(
      "ROLE_MAX_SESSION_DURATION must be whole seconds from 3600 to 43200.",
    );
  }

  const lifetimeText = get("MAX_TOKEN_LIFETIME_SECONDS");
  const maxTokenLifetimeSeconds = lifetimeText === undefined
    ? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS
    : Number(lifetimeText);
  if (
    !Number.isInteger(maxTokenLifetimeSeconds) ||
    maxTokenLifetimeSeconds < 300 ||
    maxTokenLifetimeSeconds > DEFAULT_MAX_TOKEN_LIFETIME_SECONDS
  ) {
    throw new ProxyConfigError(
      "MAX_TOKEN_LIFETIME_SECONDS must be whole seconds from 300 to 86400.",
    );
  }

  const check = get("ACCESS_TOKEN_CHECK") ?? "allow-missing";
  if (check !== "require" && check !== "allow-missing") {
    throw new ProxyConfigError(
      "ACCESS_TOKEN_CHECK must be require or allow-missing.",
    );
  }

  // The SDK's endpoint settings: the service's own variable, else
  // AWS_ENDPOINT_URL, neither with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true.
  const ignoreEndpoints =
    get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?.toLowerCase() === "true";
  const configuredEndpoint = (serviceVariable: string) => {
    const url = ignoreEndpoints
      ? undefined
      : get(serviceVariable) ?? get("AWS_ENDPOINT_URL");
    if (url !== undefined && !/^https?:$/.test(parseUrl(url)?.protocol ?? "")) {
      throw new ProxyConfigError(
        `${serviceVariable} (or AWS_ENDPOINT_URL) must be an http(s) URL.`,
      );
    }
    return url;
  };
  const cognitoEndpoint =
    configuredEndpoint("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER") ??
      `https://cognito-idp.${poolRegion}.amazonaws.com`;
  const stsEndpoint = configuredEndpoint("AWS_ENDPOINT_URL_STS");

  return {
    region,
    userPoolId: userPoolId!,
    clientIds,
    issuers,
    jwksUris,
    defaultRoleArn: defaultRoleArn!,
    allowedRoleArns: [...new Set([defaultRoleArn!, ...allowed])],
    accessKeyId: accessKeyId!,
    secretAccessKey: secretAccessKey!,
    retryDurationSeconds,
    userPoolRegion: poolRegion,
    maxTokenLifetimeSeconds,
    accessTokenCheck: check,
    cognitoEndpoint: cognitoEndpoint.replace(/\/+$/, ""),
    ...stsEndpoint === undefined ? {} : { stsEndpoint },
  };
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
