/**
 * What every admin command needs from AWS: the SDK clients (built on the
 * machine's own credentials, as an administrator tool should), who the
 * caller is, calls whose failures become plain sentences, and retries with
 * backoff while IAM changes propagate.
 *
 * Endpoints and credentials come from the SDK's standard settings
 * (`AWS_PROFILE`, `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, ...).
 *
 * @module
 */
import { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";
import { IAMClient } from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  AwsPermissionError,
  AwsRefusedError,
  CliError,
  ConfigError,
  ExitCode,
  isNetworkFailure,
  NetworkError,
  redactSecrets,
  ResourceNotFoundError,
} from "../errors.ts";

/** The SDK clients the admin commands use, all in one region. */
export interface AwsClients {
  /** IAM (global; signed for the region below). */
  iam: IAMClient;
  /** Lambda's control plane. */
  lambda: LambdaClient;
  /** STS, for the caller's identity. */
  sts: STSClient;
  /** Cognito Identity (Identity Pools) in {@linkcode AwsClients.region}. */
  identity: CognitoIdentityClient;
  /** Cognito Identity in another region (an Identity Pool's own). */
  identityIn(region: string): CognitoIdentityClient;
  /** STS signed with other credentials (to check an access key). */
  stsWith(
    credentials: { accessKeyId: string; secretAccessKey: string },
  ): STSClient;
  /** The region every regional call goes to. */
  region: string;
  /** Closes the clients' connections. */
  destroy(): void;
}

/** SDK client settings passed through (tests give an endpoint and keys). */
export interface ClientOptions {
  /** Endpoint of every service; normally unset (the SDK's settings decide). */
  endpoint?: string;
  /** Explicit credentials; normally unset (the SDK's default chain). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Creates the clients for `region`. */
export function createAwsClients(
  region: string,
  options: ClientOptions = {},
): AwsClients {
  const config = { region, ...options };
  const clients = {
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    sts: new STSClient(config),
    identity: new CognitoIdentityClient(config),
  };
  const others = new Map<string, CognitoIdentityClient>();
  const extra: { destroy(): void }[] = [];
  return {
    ...clients,
    identityIn(other: string) {
      if (other === region) return clients.identity;
      let client = others.get(other);
      if (!client) {
        client = new CognitoIdentityClient({ ...options, region: other });
        others.set(other, client);
      }
      return client;
    },
    stsWith(credentials) {
      const client = new STSClient({ ...config, credentials });
      extra.push(client);
      return client;
    },
    region,
    destroy() {
      for (const client of Object.values(clients)) client.destroy();
      for (const client of others.values()) client.destroy();
      for (const client of extra) client.destroy();
    },
  };
}

/** Who runs the command. */
export interface Caller {
  /** The 12-digit account id. */
  account: string;
  /** The caller's ARN. */
  arn: string;
  /** The partition (`aws`, `aws-cn`, `aws-us-gov`) read from the ARN. */
  partition: string;
}

/** Asks STS who the caller is (no permission is needed for this call). */
export async function getCaller(clients: AwsClients): Promise<Caller> {
  const out = await awsCall(
    "finding out which AWS account your credentials belong to",
    "sts:GetCallerIdentity",
    () => clients.sts.send(new GetCallerIdentityCommand({})),
  );
  const arn = out.Arn ?? "";
  return {
    account: out.Account ?? "",
    arn,
    partition: arn.split(":")[1] || "aws",
  };
}

/** An error as the SDK throws it, with the fields we read. */
interface SdkError {
  name?: string;
  message?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

/** The AWS error code of an SDK error, without an `Exception` suffix. */
export function awsErrorCode(error: unknown): string {
  const e = error as SdkError;
  const code = e?.Code ?? e?.name ?? "";
  return code.replace(/Exception$/, "");
}

const DENIED = new Set([
  "AccessDenied",
  "UnauthorizedOperation",
  "NotAuthorized",
  "UnrecognizedClient",
  "InvalidClientTokenId",
  "SignatureDoesNotMatch",
  "ExpiredToken",
  "InvalidSignature",
]);
const NOT_FOUND = new Set(["NoSuchEntity", "ResourceNotFound"]);
const LIMIT = new Set(["LimitExceeded", "TooManyRequests", "Throttling"]);
const EXISTS = new Set(["EntityAlreadyExists", "ResourceConflict"]);

/**
 * Turns an error from an SDK call into a {@linkcode CliError} whose message
 * is a plain sentence: what was being done, what AWS said, and (for
 * AccessDenied) the permission that is missing, as AWS names it or else the
 * call's own. Secrets never appear: only the code and AWS's message are used,
 * without the `secrets` sent in the request (services may echo parameters)
 * and without the environment Lambda dumps after "String measured:" when a
 * function's variables exceed 4 KB.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeAwsError } from "./aws.ts";
 *
 * const denied = Object.assign(new Error(
 *   "User: arn:aws:iam::123456789012:user/bob is not authorized to perform: " +
 *     "iam:CreateRole on resource: arn:aws:iam::123456789012:role/R",
 * ), { name: "AccessDenied" });
 * const error = describeAwsError(denied, "creating role R", "iam:CreateRole");
 * assert.match(error.message, /lacks the permission iam:CreateRole/);
 * assert.equal(error.exitCode, 15);
 * ```
 */
export function describeAwsError(
  error: unknown,
  doing: string,
  permission: string,
  secrets: readonly (string | undefined)[] = [],
): CliError {
  if (error instanceof CliError) return error;
  if (isNetworkFailure(error)) {
    return new NetworkError(
      `Could not reach AWS while ${doing}. Check the network, the region and ` +
        "AWS_ENDPOINT_URL if you set it.",
      { cause: error },
    );
  }
  const e = error as SdkError;
  const name = e?.name ?? "";
  if (
    name === "CredentialsProviderError" ||
    /Could not load credentials/i.test(e?.message ?? "")
  ) {
    return new ConfigError(
      `No AWS credentials were found while ${doing}. aws-cognito-admin uses ` +
        "your own AWS credentials, as the AWS CLI does: run `aws configure`, " +
        "`aws sso login`, or set AWS_PROFILE or AWS_ACCESS_KEY_ID and " +
        "AWS_SECRET_ACCESS_KEY.",
      { cause: error },
    );
  }
  const code = awsErrorCode(error);
  const said = redactSecrets(
    (e?.message ?? "").replace(/\s*String measured:[\s\S]*$/, ""),
    secrets,
  ).trim().replace(/\.$/, "");
  const saidPart = said ? `: ${said}` : "";
  if (DENIED.has(code)) {
    if (
      ["UnrecognizedClient", "InvalidClientTokenId", "SignatureDoesNotMatch"]
        .includes(code) || code === "ExpiredToken"
    ) {
      return new AwsPermissionError(
        `AWS did not accept your credentials while ${doing} (${code})` +
          `${saidPart}. Refresh them (e.g. \`aws sso login\`) or check ` +
          "AWS_PROFILE.",
        { cause: error },
      );
    }
    const named = /not authorized to perform:?\s+([\w-]+:[\w*]+)/i.exec(said)
      ?.[1];
    const who = /User: (arn:\S+)/.exec(said)?.[1];
    const resource = /on resource:?\s+(\S+?)(?:\s|$)/.exec(said)?.[1];
    const missing = named ?? permission;
    return new AwsPermissionError(
      `AWS denied ${doing}: ${who ?? "your AWS identity"} lacks the ` +
        `permission ${missing}${resource ? ` on ${resource}` : ""}. Ask an ` +
        `administrator of the account to allow ${missing}, or run with ` +
        "credentials that have it.",
      { cause: error },
    );
  }
  if (NOT_FOUND.has(code)) {
    return new ResourceNotFoundError(
      `AWS could not find what it needed while ${doing} (${code})${saidPart}.`,
      { cause: error },
    );
  }
  if (LIMIT.has(code)) {
    return new AwsRefusedError(
      `AWS refused ${doing}: a limit was reached (${code})${saidPart}. ` +
        "Remove something you no longer need, or ask AWS to raise the quota.",
      { cause: error },
    );
  }
  if (EXISTS.has(code)) {
    return new AwsRefusedError(
      `AWS refused ${doing}: it already exists or is being changed (${code})` +
        `${saidPart}. Someone may be changing it at the same time; run the ` +
        "command again, and it will adopt what is there.",
      { cause: error },
    );
  }
  const status = e?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return new AwsRefusedError(
      `AWS refused ${doing} (${code || status})${saidPart}.`,
      { cause: error },
    );
  }
  return new CliError(
    `AWS failed while ${doing} (${code || "unknown error"})${saidPart}.`,
    ExitCode.unexpected,
    { cause: error },
  );
}

/**
 * Makes one SDK call; a failure becomes {@linkcode describeAwsError}'s
 * sentence. `doing` completes "while ...", e.g. "creating role R".
 */
export async function awsCall<T>(
  doing: string,
  permission: string,
  request: () => Promise<T>,
): Promise<T> {
  try {
    return await request();
  } catch (error) {
    throw describeAwsError(error, doing, permission);
  }
}

/**
 * Like {@linkcode awsCall}, but `undefined` when AWS answers that the thing
 * does not exist (NoSuchEntity, ResourceNotFoundException).
 */
export async function awsFind<T>(
  doing: string,
  permission: string,
  request: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await request();
  } catch (error) {
    if (NOT_FOUND.has(awsErrorCode(error))) return undefined;
    throw describeAwsError(error, doing, permission);
  }
}

/**
 * Every item on every page of an SDK paginator (`paginateListAccessKeys(...)`),
 * taken from each page by `items`, with a failure turned into
 * {@linkcode describeAwsError}'s sentence, as {@linkcode awsCall} does for one
 * call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { awsListAll } from "./aws.ts";
 *
 * async function* pages() {
 *   yield { Names: ["a"] };
 *   yield {};
 *   yield { Names: ["b"] };
 * }
 * assert.deepEqual(
 *   await awsListAll("listing names", "x:List", pages(), (p) => p.Names),
 *   ["a", "b"],
 * );
 * ```
 */
export async function awsListAll<Page, Item>(
  doing: string,
  permission: string,
  pages: AsyncIterable<Page>,
  items: (page: Page) => readonly Item[] | undefined,
): Promise<Item[]> {
  const all: Item[] = [];
  try {
    for await (const page of pages) all.push(...(items(page) ?? []));
  } catch (error) {
    throw describeAwsError(error, doing, permission);
  }
  return all;
}

/** How long to keep retrying, and how to wait. */
export interface Backoff {
  /** Waits this many milliseconds (tests pass a fake). */
  sleep(ms: number): Promise<void>;
  /** First wait in ms (default 500); each next one doubles. */
  firstDelayMs?: number;
  /** Longest single wait in ms (default 8000). */
  maxDelayMs?: number;
  /** Most attempts in all (default 9, about 45 s of waiting). */
  attempts?: number;
  /** Told before each wait (to say why the command pauses). */
  onRetry?(attempt: number, delayMs: number, error: unknown): void;
}

/**
 * Calls `request` until it succeeds, retrying with exponential backoff while
 * `isPending(error)` says the error only means "not propagated yet" (IAM
 * changes take seconds to reach other services). Any other error, or the
 * last attempt's, is rethrown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { retryWhilePending } from "./aws.ts";
 *
 * const waits: number[] = [];
 * let calls = 0;
 * const result = await retryWhilePending(
 *   () => ++calls < 3 ? Promise.reject(new Error("not yet")) : Promise.resolve("ok"),
 *   () => true,
 *   { sleep: (ms) => (waits.push(ms), Promise.resolve()) },
 * );
 * assert.equal(result, "ok");
 * assert.deepEqual(waits, [500, 1000]);
 * ```
 */
export async function retryWhilePending<T>(
  request: () => Promise<T>,
  isPending: (error: unknown) => boolean,
  backoff: Backoff,
): Promise<T> {
  const attempts = backoff.attempts ?? 9;
  let delay = backoff.firstDelayMs ?? 500;
  const maxDelay = backoff.maxDelayMs ?? 8000;
  for (let attempt = 1;; attempt++) {
    try {
      return await request();
    } catch (error) {
      if (attempt >= attempts || !isPending(error)) throw error;
      backoff.onRetry?.(attempt, delay, error);
      await backoff.sleep(delay);
      delay = Math.min(delay * 2, maxDelay);
    }
  }
}

/**
 * Whether Lambda refused a role only because IAM has not propagated it yet
 * ("The role defined for the function cannot be assumed by Lambda").
 */
export function isRoleNotYetAssumable(error: unknown): boolean {
  return awsErrorCode(error) === "InvalidParameterValue" &&
    /cannot be assumed by Lambda/i.test((error as SdkError)?.message ?? "");
}

/**
 * Masks an access key id for display: `AKIA…WXYZ`. Key ids are not secret,
 * but there is no need to print them whole.
 */
export function maskKeyId(keyId: string): string {
  return keyId.length > 8 ? `${keyId.slice(0, 4)}…${keyId.slice(-4)}` : "****";
}
