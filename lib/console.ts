/**
 * The AWS Management Console in one step: temporary credentials become a
 * sign-in link through AWS's federation endpoint, as the IAM User Guide
 * describes ("Enable custom identity broker access to the AWS console"):
 *
 * 1. `GET <federation endpoint>?Action=getSigninToken&Session=<JSON>`, the
 *    Session being exactly `{"sessionId", "sessionKey", "sessionToken"}`
 *    of the credentials, with `SessionDuration` (900 to 43200 seconds) only
 *    when asked for: without it the console session lasts as long as the
 *    credentials do. AWS answers `{"SigninToken": "..."}`.
 * 2. The link is `<federation endpoint>?Action=login&Issuer=...&Destination=
 *    <console URL>&SigninToken=...`, good for 15 minutes.
 *
 * Each partition has its own endpoint and console host: `aws`
 * (`signin.aws.amazon.com`, `console.aws.amazon.com`), `aws-us-gov`
 * (`signin.amazonaws-us-gov.com`, `console.amazonaws-us-gov.com`) and
 * `aws-cn` (`signin.amazonaws.cn`, `console.amazonaws.cn`), chosen by the
 * region. `COGNITO_FEDERATION_ENDPOINT` names another endpoint (another
 * partition, or a stand-in in tests).
 *
 * Only temporary credentials (with a session token) can sign in; long-term
 * keys and expired credentials are refused here, before any request. The
 * link and the sign-in token are bearer secrets: this module returns them
 * and never logs them.
 *
 * @module
 */
import { isoSeconds, type TemporaryCredentials } from "./credentials.ts";
import { CliError, ConfigError, ExitCode, NetworkError } from "./errors.ts";

/** The credentials cannot sign in to the console, or AWS refused them. */
export class ConsoleSignInError extends CliError {
  /** Creates a console sign-in error (exit 55). */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.consoleSignIn, options);
  }
}

/** The environment variable that names another federation endpoint. */
export const FEDERATION_ENDPOINT_ENV = "COGNITO_FEDERATION_ENDPOINT";

/** The shortest console session `SessionDuration` may ask for (15 min). */
export const MIN_SESSION_SECONDS = 900;
/** The longest console session `SessionDuration` may ask for (12 h). */
export const MAX_SESSION_SECONDS = 43200;

/** A partition's federation endpoint and console host. */
export interface PartitionEndpoints {
  /** `aws`, `aws-us-gov` or `aws-cn`. */
  partition: "aws" | "aws-us-gov" | "aws-cn";
  /** The federation endpoint, e.g. `https://signin.aws.amazon.com/federation`. */
  federationEndpoint: string;
  /** The console's host, e.g. `console.aws.amazon.com`. */
  consoleHost: string;
}

const PARTITIONS: PartitionEndpoints[] = [
  {
    partition: "aws",
    federationEndpoint: "https://signin.aws.amazon.com/federation",
    consoleHost: "console.aws.amazon.com",
  },
  {
    partition: "aws-us-gov",
    federationEndpoint: "https://signin.amazonaws-us-gov.com/federation",
    consoleHost: "console.amazonaws-us-gov.com",
  },
  {
    partition: "aws-cn",
    federationEndpoint: "https://signin.amazonaws.cn/federation",
    consoleHost: "console.amazonaws.cn",
  },
];

/**
 * The partition of a region, with its federation endpoint and console host:
 * `cn-*` is `aws-cn`, `us-gov-*` is `aws-us-gov`, other standard regions
 * (`us-east-1`, `eu-west-3`, ...) are `aws`. Regions of partitions whose
 * console this tool does not know (the isolated `us-iso*`, `eu-isoe-*`,
 * ...) are a {@linkcode ConfigError}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { partitionOf } from "./console.ts";
 * assert.equal(partitionOf("us-gov-west-1").partition, "aws-us-gov");
 * assert.equal(partitionOf("cn-north-1").consoleHost, "console.amazonaws.cn");
 * assert.equal(partitionOf("eu-west-1").partition, "aws");
 * ```
 */
export function partitionOf(region: string): PartitionEndpoints {
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new ConfigError(
      `${JSON.stringify(region)} is not an AWS region (such as us-east-1).`,
    );
  }
  if (region.startsWith("cn-")) return PARTITIONS[2];
  if (region.startsWith("us-gov-")) return PARTITIONS[1];
  if (/^[a-z]{2}-iso[a-z]*-/.test(region)) {
    throw new ConfigError(
      `The console sign-in endpoint of region ${region}'s partition is not ` +
        `known to this tool: set ${FEDERATION_ENDPOINT_ENV} to its ` +
        `federation endpoint and give --destination as a full console URL.`,
    );
  }
  return PARTITIONS[0];
}

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" ||
    /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * The federation endpoint for `region`: `COGNITO_FEDERATION_ENDPOINT` when
 * set (an https URL, or http on a loopback host), else the partition's.
 */
export function federationEndpoint(
  region: string,
  env: Record<string, string | undefined>,
): string {
  const value = env[FEDERATION_ENDPOINT_ENV];
  if (!value) return partitionOf(region).federationEndpoint;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(
      `${FEDERATION_ENDPOINT_ENV} is not a URL: give the federation ` +
        `endpoint, such as https://signin.aws.amazon.com/federation.`,
    );
  }
  const ok = url.protocol === "https:" ||
    (url.protocol === "http:" && isLoopback(url.hostname));
  if (!ok || url.search || url.hash || url.username || url.password) {
    throw new ConfigError(
      `${FEDERATION_ENDPOINT_ENV} must be an https URL with no query ` +
        `(http only on a loopback host), such as ` +
        `https://signin.aws.amazon.com/federation.`,
    );
  }
  return url.href;
}

/**
 * The console page to land on. Without `destination`, the console home of
 * the region; a service name (`s3`, `ec2`, `cloudwatch`) is that service's
 * home in the region; a URL must be https on the partition's console host
 * or one of its subdomains (`https://s3.console.aws.amazon.com/s3/...`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { consoleDestination } from "./console.ts";
 * assert.equal(
 *   consoleDestination("s3", "eu-west-1"),
 *   "https://console.aws.amazon.com/s3/home?region=eu-west-1",
 * );
 * assert.equal(
 *   consoleDestination(undefined, "cn-north-1"),
 *   "https://console.amazonaws.cn/console/home?region=cn-north-1",
 * );
 * ```
 */
export function consoleDestination(
  destination: string | undefined,
  region: string,
): string {
  const service = destination ?? "console";
  if (/^[a-z0-9][a-z0-9-]{0,62}$/.test(service)) {
    const { consoleHost } = partitionOf(region);
    return `https://${consoleHost}/${service}/home?region=${region}`;
  }
  let url: URL;
  try {
    url = new URL(service);
  } catch {
    throw new CliError(
      `--destination ${JSON.stringify(service)} is neither a service name ` +
        `(such as s3 or ec2) nor a console URL.`,
      ExitCode.usage,
    );
  }
  const host = /^[a-z]{2}-iso[a-z]*-/.test(region)
    ? undefined
    : partitionOf(region).consoleHost;
  if (
    url.protocol !== "https:" || url.username || url.password ||
    (host !== undefined && url.hostname !== host &&
      !url.hostname.endsWith(`.${host}`))
  ) {
    throw new CliError(
      `--destination must be an https URL of the console` +
        (host ? ` (${host} or a subdomain of it)` : "") +
        `, or a service name such as s3.`,
      ExitCode.usage,
    );
  }
  return url.href;
}

/**
 * Reads a console session length: whole hours from 1 to 12 (`4`, as
 * `login --duration` takes them), or a length with units (`15m`, `1h30m`,
 * `5400s`). Returns seconds, from 900 to 43200; throws a `RangeError` that
 * says what is allowed otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseSessionDuration } from "./console.ts";
 * assert.equal(parseSessionDuration("4"), 14400);
 * assert.equal(parseSessionDuration("1h30m"), 5400);
 * assert.throws(() => parseSessionDuration("10m"), RangeError);
 * ```
 */
export function parseSessionDuration(value: string): number {
  const allowed =
    "give whole hours from 1 to 12, or a length such as 15m or 1h30m, " +
    "from 15 minutes to 12 hours.";
  let seconds: number;
  if (/^\d{1,2}$/.test(value)) seconds = Number(value) * 3600;
  else {
    const match = value.match(
      /^(?:(\d{1,2})h)?(?:(\d{1,3})m)?(?:(\d{1,5})s)?$/,
    );
    if (!match || value === "") throw new RangeError(allowed);
    const [, h = "0", m = "0", s = "0"] = match;
    seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
  }
  if (seconds < MIN_SESSION_SECONDS || seconds > MAX_SESSION_SECONDS) {
    throw new RangeError(allowed);
  }
  return seconds;
}

/**
 * Refuses credentials the federation endpoint cannot sign in with: no
 * session token (long-term IAM user keys, `AKIA...`), or expired.
 */
export function checkConsoleCredentials(
  credentials: Partial<TemporaryCredentials>,
  profile: string,
  now: Date,
): asserts credentials is TemporaryCredentials {
  if (
    !credentials.accessKeyId || !credentials.secretAccessKey ||
    !credentials.sessionToken || credentials.accessKeyId.startsWith("AKIA")
  ) {
    throw new ConsoleSignInError(
      `Profile ${profile} holds long-term keys (no session token): the AWS ` +
        `console's federation sign-in takes only temporary credentials. ` +
        `Run \`aws-cognito-auth login --profile ${profile}\` to get them.`,
    );
  }
  if (
    credentials.expiration === undefined ||
    credentials.expiration.getTime() <= now.getTime()
  ) {
    throw new ConsoleSignInError(
      `The credentials of profile ${profile} ${
        credentials.expiration
          ? `expired at ${isoSeconds(credentials.expiration)}`
          : "have no expiry"
      }: run \`aws-cognito-auth login --profile ${profile}\` first.`,
    );
  }
}

/** Options of {@linkcode getSigninToken}. */
export interface SigninTokenOptions {
  /** The federation endpoint (see {@linkcode federationEndpoint}). */
  endpoint: string;
  /** Temporary credentials with a session token. */
  credentials: TemporaryCredentials;
  /** Console session length in seconds (900..43200); omitted when unset. */
  sessionDurationSeconds?: number;
  /** The profile, for messages. */
  profile: string;
  /** Request timeout in milliseconds (default 30000). */
  timeoutMs?: number;
}

/**
 * Asks the federation endpoint for a sign-in token (`getSigninToken`).
 * Throws {@linkcode ConsoleSignInError} (exit 55) when it refuses the
 * credentials (4xx), `NetworkError` (exit 9) when it cannot be reached or
 * fails (5xx). Its answer's body is never quoted: it may echo the request.
 */
export async function getSigninToken(
  options: SigninTokenOptions,
): Promise<string> {
  const { endpoint, credentials } = options;
  const url = new URL(endpoint);
  url.searchParams.set("Action", "getSigninToken");
  if (options.sessionDurationSeconds !== undefined) {
    url.searchParams.set(
      "SessionDuration",
      String(options.sessionDurationSeconds),
    );
  }
  url.searchParams.set(
    "Session",
    JSON.stringify({
      sessionId: credentials.accessKeyId,
      sessionKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
    }),
  );
  const where = `AWS's federation endpoint (${new URL(endpoint).origin})`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: { accept: "application/json" },
      redirect: "error",
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (error) {
    // No `cause`: Deno's fetch error quotes the request address, whose
    // Session holds the secret key and session token, and `--debug` prints
    // the causes.
    throw new NetworkError(
      `Could not reach ${where}: ${
        (error as Error)?.name === "TimeoutError"
          ? "no answer in time"
          : "the connection failed"
      }. Check your network, or ${FEDERATION_ENDPOINT_ENV}.`,
    );
  }
  const body = await response.text();
  if (response.status >= 500) {
    throw new NetworkError(
      `${where} failed (HTTP ${response.status}); try again in a moment.`,
    );
  }
  if (!response.ok) {
    throw new ConsoleSignInError(
      `${where} refused the credentials of profile ${options.profile} ` +
        `(HTTP ${response.status}). Only temporary credentials from a role ` +
        `session can sign in to the console` +
        (options.sessionDurationSeconds !== undefined
          ? ", and credentials from GetFederationToken take no --duration"
          : "") +
        `; run \`aws-cognito-auth login --profile ${options.profile} ` +
        `--force\` for new ones.`,
    );
  }
  let token: unknown;
  try {
    token = (JSON.parse(body) as { SigninToken?: unknown })?.SigninToken;
  } catch {
    token = undefined;
  }
  if (typeof token !== "string" || token === "") {
    throw new ConsoleSignInError(
      `${where} answered without a sign-in token (HTTP ${response.status}).`,
    );
  }
  return token;
}

/** The issuer shown by the console when the session ends. */
export const ISSUER = "aws-cognito-auth";

/**
 * The console sign-in link: the federation endpoint with `Action=login`,
 * `Issuer`, `Destination` and `SigninToken`. A bearer secret for 15 minutes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { consoleLoginUrl } from "./console.ts";
 * const url = new URL(consoleLoginUrl(
 *   "https://signin.aws.amazon.com/federation",
 *   "TOKEN",
 *   "https://console.aws.amazon.com/s3/home?region=us-east-1",
 * ));
 * assert.equal(url.searchParams.get("Action"), "login");
 * assert.equal(url.searchParams.get("SigninToken"), "TOKEN");
 * assert.equal(
 *   url.searchParams.get("Destination"),
 *   "https://console.aws.amazon.com/s3/home?region=us-east-1",
 * );
 * ```
 */
export function consoleLoginUrl(
  endpoint: string,
  signinToken: string,
  destination: string,
): string {
  const url = new URL(endpoint);
  url.searchParams.set("Action", "login");
  url.searchParams.set("Issuer", ISSUER);
  url.searchParams.set("Destination", destination);
  url.searchParams.set("SigninToken", signinToken);
  return url.href;
}

/** How long a sign-in link works after it was made (AWS: 15 minutes). */
export const LOGIN_URL_LIFETIME_SECONDS = 900;

/** Options of {@linkcode consoleSignInUrl}. */
export interface ConsoleSignInOptions {
  /** The profile the credentials belong to (for messages). */
  profile: string;
  /** The credentials. */
  credentials: TemporaryCredentials;
  /** The region: partition, and the console's region. */
  region: string;
  /** A service name or console URL (default: the console home). */
  destination?: string;
  /** Console session length in seconds, when asked for. */
  sessionDurationSeconds?: number;
  /** Environment (`COGNITO_FEDERATION_ENDPOINT`). */
  env: Record<string, string | undefined>;
  /** Clock. */
  now?: () => Date;
}

/**
 * Checks the credentials and the options, gets a sign-in token and returns
 * the console sign-in link with the time it stops working.
 */
export async function consoleSignInUrl(
  options: ConsoleSignInOptions,
): Promise<{ url: string; validUntil: Date }> {
  const now = options.now ?? (() => new Date());
  // Everything that can be wrong locally fails before the request.
  const destination = consoleDestination(options.destination, options.region);
  const endpoint = federationEndpoint(options.region, options.env);
  checkConsoleCredentials(options.credentials, options.profile, now());
  const token = await getSigninToken({
    endpoint,
    credentials: options.credentials,
    sessionDurationSeconds: options.sessionDurationSeconds,
    profile: options.profile,
  });
  return {
    url: consoleLoginUrl(endpoint, token, destination),
    validUntil: new Date(now().getTime() + LOGIN_URL_LIFETIME_SECONDS * 1000),
  };
}
