/**
 * `sts:AssumeRole` with the IAM user's keys, and the naming rules for the
 * session (name and tags).
 *
 * The STS client is created with explicit credentials, so the SDK never looks
 * at the function's own execution-role credentials or any other source. Its
 * region and endpoint are passed explicitly too (`ProxyConfig.region` and
 * `stsEndpoint`, read from the SDK's standard settings by `config.ts`): the
 * bundled function carries the SDK's browser build, which reads no
 * environment and no files, and so loads none of Deno's Node compatibility
 * modules on a cold start (issue 17). Unbundled (tests, benchmarks) the same
 * code runs the SDK's Node build, which would read them itself.
 * `@aws-sdk/client-sts` is imported lazily: the paths that reject a request
 * never evaluate it.
 *
 * @module
 */
import type { ProxyConfig } from "./config.ts";
import { fetchRequestHandler } from "../lib/fetch_handler.ts";

type StsSdk = typeof import("@aws-sdk/client-sts");
type StsClient = InstanceType<StsSdk["STSClient"]>;

/** One session tag. */
export interface SessionTag {
  /** Tag key. */
  Key: string;
  /** Tag value, already within AWS's characters and length. */
  Value: string;
}

/** What the proxy asks STS for. */
export interface AssumeRoleRequest {
  /** ARN of the role to assume. */
  roleArn: string;
  /** Session name (see {@linkcode roleSessionName}). */
  sessionName: string;
  /** Requested lifetime in seconds (900..43200). */
  durationSeconds: number;
  /** Session tags for attribute-based access control. */
  tags: SessionTag[];
}

/** Temporary credentials from STS. */
export interface IssuedCredentials {
  /** Access key id. */
  accessKeyId: string;
  /** Secret access key. */
  secretAccessKey: string;
  /** Session token. */
  sessionToken: string;
  /** When the credentials stop working. */
  expiration: Date;
}

/** Something that can assume a role (the real one calls STS). */
export interface RoleAssumer {
  /**
   * Assumes the role.
   *
   * @throws {DurationTooLongError} when STS says the duration exceeds the
   * role's maximum.
   * @throws {AssumeRoleError} for any other failure.
   */
  assumeRole(
    request: AssumeRoleRequest,
    signal?: AbortSignal,
  ): Promise<IssuedCredentials>;
  /**
   * Starts loading what {@linkcode RoleAssumer.assumeRole} needs without
   * waiting for it, so that a cold start loads the STS client while the
   * sign-in is checked at Cognito. Optional.
   */
  preload?(): void;
}

/** STS refused the duration: it exceeds the role's `MaxSessionDuration`. */
export class DurationTooLongError extends Error {
  /** The role's maximum when STS's message names it, else undefined. */
  readonly maximumSeconds?: number;

  /** Creates the error, with the maximum if STS named one. */
  constructor(maximumSeconds?: number) {
    super("The requested duration exceeds the role's maximum session duration");
    this.name = "DurationTooLongError";
    this.maximumSeconds = maximumSeconds;
  }
}

/** AssumeRole failed; `code` is STS's error code or a fixed word. */
export class AssumeRoleError extends Error {
  /** STS error code (e.g. `AccessDenied`), `Timeout` or `NetworkError`. */
  readonly code: string;

  /** Creates the error with a non-secret code. */
  constructor(code: string, options?: { cause?: unknown }) {
    super(`AssumeRole failed: ${code}`, options);
    this.name = "AssumeRoleError";
    this.code = code;
  }
}

export {
  roleSessionName,
  SESSION_NAME_PREFIX,
} from "../lib/role_session_name.ts";

/** Value of the `Source` session tag. */
export const SOURCE_TAG_VALUE = "cognito-credential-proxy";

/**
 * A session tag value made safe for STS: only letters, digits, spaces and
 * `_ . : / = + - @` (other characters become `_`), at most 256 characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sessionTagValue } from "./sts.ts";
 * assert.equal(sessionTagValue("a<b>"), "a_b_");
 * ```
 */
export function sessionTagValue(value: string): string {
  return Array.from(value.replace(/[^\p{L}\p{N} _.:/=+\-@]/gu, "_"))
    .slice(0, 256).join("");
}

/**
 * The proxy's session tags for a verified user: `CognitoUsername`,
 * `CognitoSubject` and `Source`. A user name or subject that a tag value
 * cannot hold exactly is left out rather than changed: "bob!" would become
 * "bob_", the tag of another user, and a policy that isolates users by
 * `${aws:PrincipalTag/CognitoUsername}` would then let one into the other's
 * data. Without the tag such a policy matches nothing.
 */
export function sessionTags(
  identity: { username: string; sub: string },
): SessionTag[] {
  const exact = (Key: string, value: string): SessionTag[] =>
    sessionTagValue(value) === value ? [{ Key, Value: value }] : [];
  return [
    ...exact("CognitoUsername", identity.username),
    ...exact("CognitoSubject", identity.sub),
    { Key: "Source", Value: SOURCE_TAG_VALUE },
  ];
}

/**
 * The real {@linkcode RoleAssumer}: one STS client per process, created on
 * first use with the IAM user's keys, the region and the endpoint
 * (`config.stsEndpoint`, else STS's own for the region), over one fetch
 * handler whose connection is reused across invocations. `clientOptions`
 * passes SDK client settings through (e.g. `endpoint`, which wins over
 * `config.stsEndpoint`).
 */
export function createStsRoleAssumer(
  config:
    & Pick<ProxyConfig, "region" | "accessKeyId" | "secretAccessKey">
    & Partial<Pick<ProxyConfig, "stsEndpoint">>,
  clientOptions: { endpoint?: string } = {},
): RoleAssumer {
  let loaded: Promise<{ sdk: StsSdk; client: StsClient }> | undefined;
  const load = () =>
    loaded ??= Promise.all([
      import("@aws-sdk/client-sts"),
      fetchRequestHandler({ keepAlive: true }),
    ]).then(([sdk, requestHandler]) => ({
      sdk,
      client: new sdk.STSClient({
        ...config.stsEndpoint ? { endpoint: config.stsEndpoint } : {},
        ...clientOptions,
        region: config.region,
        credentials: {
          accessKeyId: config.accessKeyId,
          secretAccessKey: config.secretAccessKey,
        },
        maxAttempts: 2,
        // Deno's own fetch keeps the TLS connection to STS open between
        // invocations; the SDK's default node:https handler set up a new
        // one each time (~15 ms of a ~31 ms warm invocation). Its network
        // failures are retried (fetch_handler.ts).
        requestHandler,
      }),
    }));

  return {
    preload() {
      // A failure to load is reported by assumeRole, which loads again.
      load().catch(() => {
        loaded = undefined;
      });
    },
    async assumeRole(request, signal) {
      const { sdk, client } = await load();
      let output;
      try {
        output = await client.send(
          new sdk.AssumeRoleCommand({
            RoleArn: request.roleArn,
            RoleSessionName: request.sessionName,
            DurationSeconds: request.durationSeconds,
            Tags: request.tags,
          }),
          { abortSignal: signal },
        );
      } catch (error) {
        throw classify(error, signal);
      }
      const c = output.Credentials;
      if (
        !c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken ||
        !(c.Expiration instanceof Date)
      ) {
        throw new AssumeRoleError("IncompleteResponse");
      }
      return {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
    },
  };
}

function classify(error: unknown, signal?: AbortSignal): Error {
  const e = error as { name?: string; message?: string; $metadata?: unknown };
  if (signal?.aborted || e?.name === "AbortError") {
    return new AssumeRoleError("Timeout", { cause: error });
  }
  const message = typeof e?.message === "string" ? e.message : "";
  if (e?.name === "ValidationError" && /MaxSessionDuration/i.test(message)) {
    // STS does not usually say what the maximum is; use it when it does.
    const stated = Number(/\b(\d{4,5})\b/.exec(message)?.[1]);
    return new DurationTooLongError(
      Number.isInteger(stated) && stated >= 3600 && stated <= 43200
        ? stated
        : undefined,
    );
  }
  const status = (e?.$metadata as { httpStatusCode?: number } | undefined)
    ?.httpStatusCode;
  if (status === undefined) {
    // No HTTP answer at all: STS could not be reached.
    return new AssumeRoleError("NetworkError", { cause: error });
  }
  const code = typeof e.name === "string" && /^[\w.]{1,64}$/.test(e.name)
    ? e.name
    : "UnknownError";
  return new AssumeRoleError(code, { cause: error });
}
