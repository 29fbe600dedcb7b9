/**
 * The credential proxy's request handler: takes a Cognito ID token, verifies
 * it, and returns credentials of the long-lived role for up to 12 hours.
 *
 * It is pure apart from its injected dependencies (config, token verifier,
 * STS, clock, log), so it is tested without a Lambda runtime.
 *
 * Accepted requests (a direct invoke, or the same fields inside an API
 * Gateway `body` string):
 *
 * ```json
 * { "id_token": "eyJ...", "access_token": "eyJ...",
 *   "duration_seconds": 43200, "role_arn": "arn:..." }
 * ```
 *
 * With an `access_token` (of the same user), Cognito is asked whether the
 * sign-in is still alive (GetUser) before any credentials are issued.
 * Without one, `ACCESS_TOKEN_CHECK` decides: `require` refuses the request
 * (400), `allow-missing` issues on the ID token alone.
 *
 * Every token failure gets the same 401 message; the reason goes only to
 * the function's log line.
 *
 * Response: `{ statusCode, body }`, where `body` is a JSON string: on 200
 * `{access_key_id, secret_access_key, session_token, expiration, user_id,
 * username}`, otherwise `{error, message}` with 400, 401, 403 or 500.
 *
 * @module
 */
import { DURATION_LIMITS, type ProxyConfig } from "./config.ts";
import {
  type IdTokenVerifier,
  JwksUnavailableError,
  TokenRejectedError,
  type VerifiedIdentity,
} from "./token.ts";
import {
  type SessionChecker,
  SessionCheckUnavailableError,
  SessionRevokedError,
} from "./session_check.ts";
import {
  AssumeRoleError,
  DurationTooLongError,
  type IssuedCredentials,
  type RoleAssumer,
  roleSessionName,
  sessionTags,
} from "./sts.ts";

/** Largest request accepted, in bytes of JSON (an ID token is ~1-2 KB). */
export const MAX_REQUEST_BYTES = 16 * 1024;

/**
 * The one message of every 401: callers are not told which check failed
 * (the function's log line says).
 */
export const UNAUTHORIZED_MESSAGE =
  "The sign-in was not accepted. Sign in again.";

/** Duration used when the request names none: the 12-hour maximum. */
export const DEFAULT_DURATION_SECONDS: number = DURATION_LIMITS.max;

/** What the handler needs from the outside world. */
export interface ProxyDeps {
  /** Settings from the function's environment. */
  config: ProxyConfig;
  /** ID token verifier (keep one per process: it caches the JWKS). */
  verifier: IdTokenVerifier;
  /** Calls STS. */
  sts: RoleAssumer;
  /** Asks Cognito whether an access token is still honoured (GetUser). */
  sessions: SessionChecker;
  /** The clock. */
  now(): Date;
  /**
   * Writes one log line. Lines carry the request id, the user name (only
   * once verified) and the outcome: never a token, key or request body.
   */
  log?(line: string): void;
}

/** Per-invocation details from the runtime. */
export interface InvocationContext {
  /** Lambda's request id, for the log line. */
  requestId?: string;
  /** Aborted shortly before the invocation's deadline. */
  signal?: AbortSignal;
}

/** The Lambda response, in the original proxy's shape. */
export interface ProxyResponse {
  /** HTTP-style status: 200, 400, 401, 403 or 500. */
  statusCode: number;
  /** JSON text: credentials on 200, `{error, message}` otherwise. */
  body: string;
}

/** The fields of a successful response body. */
export interface ProxyCredentialsBody {
  /** Access key id of the role session. */
  access_key_id: string;
  /** Secret access key of the role session. */
  secret_access_key: string;
  /** Session token of the role session. */
  session_token: string;
  /** Expiry, ISO 8601 in UTC (`2025-01-01T12:00:00.000Z`). */
  expiration: string;
  /** The user's `sub`. */
  user_id: string;
  /** The user's `cognito:username`. */
  username: string;
}

class RequestError extends Error {
  constructor(
    readonly statusCode: 400 | 401 | 403 | 500,
    readonly error: string,
    message: string,
    /** What the log line says instead of the message (never secret). */
    readonly logReason?: string,
  ) {
    super(message);
  }
}

/** A 401 with the one message callers see; `reason` goes to the log. */
function unauthorized(reason: string): RequestError {
  return new RequestError(401, "Unauthorized", UNAUTHORIZED_MESSAGE, reason);
}

interface ProxyRequest {
  idToken: string;
  accessToken?: string;
  durationSeconds: number;
  roleArn?: string;
}

/**
 * Handles a raw invocation payload (the bytes the Runtime API gives): rejects
 * oversized or non-JSON payloads with 400, then calls
 * {@linkcode handleProxyRequest}.
 */
export function handleInvocation(
  payload: Uint8Array | string,
  deps: ProxyDeps,
  context: InvocationContext = {},
): Promise<ProxyResponse> {
  const size = typeof payload === "string"
    ? new TextEncoder().encode(payload).length
    : payload.length;
  if (size > MAX_REQUEST_BYTES) {
    return Promise.resolve(
      reject(deps, context, new RequestError(400, "BadRequest", tooLarge())),
    );
  }
  const text = typeof payload === "string"
    ? payload
    : new TextDecoder().decode(payload);
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    return Promise.resolve(
      reject(
        deps,
        context,
        new RequestError(400, "BadRequest", "The request is not JSON."),
      ),
    );
  }
  return handleProxyRequest(event, deps, context);
}

/**
 * Handles one proxy request (an already parsed event). Never throws: every
 * failure becomes a response with a status and a non-secret message.
 *
 * @example
 * ```ts ignore
 * const response = await handleProxyRequest(
 *   { id_token: idToken, duration_seconds: 28800 },
 *   { config, verifier, sts, now: () => new Date() },
 * );
 * ```
 */
export async function handleProxyRequest(
  event: unknown,
  deps: ProxyDeps,
  context: InvocationContext = {},
): Promise<ProxyResponse> {
  let identity: VerifiedIdentity | undefined;
  try {
    const request = parseRequest(event);
    identity = await withDeadline(
      deps.verifier.verify(request.idToken),
      context.signal,
    ).catch(tokenFailure("ID token rejected"));
    // On a cold start the STS client loads while Cognito is asked about
    // the sign-in; a rejected token never loads it.
    deps.sts.preload?.();
    await checkSession(deps, request, identity, context.signal);
    const roleArn = request.roleArn ?? deps.config.defaultRoleArn;
    if (!deps.config.allowedRoleArns.includes(roleArn)) {
      throw new RequestError(
        403,
        "Forbidden",
        "The requested role is not allowed by this proxy.",
      );
    }
    const credentials = await assumeRole(
      deps,
      roleArn,
      identity,
      request.durationSeconds,
      context.signal,
    );
    const body: ProxyCredentialsBody = {
      access_key_id: credentials.accessKeyId,
      secret_access_key: credentials.secretAccessKey,
      session_token: credentials.sessionToken,
      expiration: credentials.expiration.toISOString(),
      user_id: identity.sub,
      username: identity.username,
    };
    writeLog(
      deps,
      context,
      identity,
      200,
      request.accessToken === undefined
        ? "issued without an access token (ACCESS_TOKEN_CHECK=allow-missing)"
        : "issued",
    );
    return { statusCode: 200, body: JSON.stringify(body) };
  } catch (error) {
    const failure = error instanceof RequestError ? error : new RequestError(
      500,
      "InternalError",
      "The proxy failed unexpectedly. Try again later.",
    );
    return reject(deps, context, failure, identity);
  }
}

/** Turns a verifier failure into a 401 (or 500 when keys are missing). */
function tokenFailure(what: string) {
  return (error: unknown): never => {
    if (error instanceof TokenRejectedError) {
      throw unauthorized(`${what}: ${error.reason}`);
    }
    if (error instanceof JwksUnavailableError) {
      throw new RequestError(
        500,
        "InternalError",
        "The proxy could not fetch the User Pool's signing keys. Try again later.",
      );
    }
    throw error;
  };
}

/**
 * The revocation check: the access token must be a valid access token of
 * the same user, and Cognito must still honour it (GetUser). Without one,
 * `ACCESS_TOKEN_CHECK` decides.
 */
async function checkSession(
  deps: ProxyDeps,
  request: ProxyRequest,
  identity: VerifiedIdentity,
  signal?: AbortSignal,
): Promise<void> {
  if (request.accessToken === undefined) {
    if (deps.config.accessTokenCheck === "require") {
      throw new RequestError(
        400,
        "BadRequest",
        "This proxy requires the caller's access token (access_token) with " +
          "the ID token. Update the client.",
        "refused: no access token (ACCESS_TOKEN_CHECK=require)",
      );
    }
    return;
  }
  const { sub } = await withDeadline(
    deps.verifier.verifyAccessToken(request.accessToken),
    signal,
  ).catch(tokenFailure("access token rejected"));
  if (sub !== identity.sub) {
    throw unauthorized("access token rejected: another user's");
  }
  try {
    await withDeadline(
      deps.sessions.check(request.accessToken, signal),
      signal,
    );
  } catch (error) {
    if (error instanceof SessionRevokedError) {
      throw unauthorized(`sign-in revoked at Cognito (${error.code})`);
    }
    if (error instanceof SessionCheckUnavailableError) {
      throw new RequestError(
        500,
        "InternalError",
        "The proxy could not check the sign-in with Cognito. Try again later.",
        `could not check the sign-in with Cognito (${error.code})`,
      );
    }
    throw error;
  }
}

function parseRequest(event: unknown): ProxyRequest {
  let request = event;
  if (isObject(event) && "body" in event && !("id_token" in event)) {
    // API Gateway (proxy integration) wraps the request in a body string.
    let body = event.body;
    if (typeof body === "string") {
      if (event.isBase64Encoded === true) {
        try {
          body = new TextDecoder("utf-8", { fatal: true }).decode(
            Uint8Array.from(atob(body), (c) => c.charCodeAt(0)),
          );
        } catch {
          throw new RequestError(400, "BadRequest", "The body is not base64.");
        }
      }
      if ((body as string).length > MAX_REQUEST_BYTES) {
        throw new RequestError(400, "BadRequest", tooLarge());
      }
      try {
        body = JSON.parse(body as string);
      } catch {
        throw new RequestError(400, "BadRequest", "The body is not JSON.");
      }
    }
    request = body;
  } else if (JSON.stringify(event ?? null).length > MAX_REQUEST_BYTES) {
    throw new RequestError(400, "BadRequest", tooLarge());
  }
  if (!isObject(request)) {
    throw new RequestError(
      400,
      "BadRequest",
      "The request must be a JSON object with an id_token.",
    );
  }

  const idToken = request.id_token;
  if (typeof idToken !== "string" || idToken.length === 0) {
    throw new RequestError(400, "BadRequest", "id_token is required.");
  }
  if (idToken.length > MAX_REQUEST_BYTES) {
    throw new RequestError(400, "BadRequest", tooLarge());
  }

  let accessToken: string | undefined;
  const access = request.access_token;
  if (access !== undefined && access !== null && access !== "") {
    if (typeof access !== "string") {
      throw new RequestError(
        400,
        "BadRequest",
        "access_token must be a string.",
      );
    }
    if (access.length > MAX_REQUEST_BYTES) {
      throw new RequestError(400, "BadRequest", tooLarge());
    }
    accessToken = access;
  }

  let durationSeconds: number = DEFAULT_DURATION_SECONDS;
  const duration = request.duration_seconds;
  if (duration !== undefined && duration !== null) {
    if (typeof duration !== "number" || !Number.isFinite(duration)) {
      throw new RequestError(
        400,
        "BadRequest",
        "duration_seconds must be a number of seconds.",
      );
    }
    // Out-of-range durations are clamped, not refused: the caller asked for
    // "as long as possible" or "as short as possible".
    durationSeconds = Math.min(
      DURATION_LIMITS.max,
      Math.max(DURATION_LIMITS.min, Math.floor(duration)),
    );
  }

  const roleArn = request.role_arn;
  if (roleArn !== undefined && roleArn !== null && roleArn !== "") {
    if (typeof roleArn !== "string") {
      throw new RequestError(400, "BadRequest", "role_arn must be a string.");
    }
    return { idToken, accessToken, durationSeconds, roleArn };
  }
  return { idToken, accessToken, durationSeconds };
}

async function assumeRole(
  deps: ProxyDeps,
  roleArn: string,
  identity: VerifiedIdentity,
  durationSeconds: number,
  signal?: AbortSignal,
): Promise<IssuedCredentials> {
  const request = {
    roleArn,
    sessionName: await roleSessionName(identity.username),
    durationSeconds,
    tags: sessionTags(identity),
  };
  try {
    try {
      return await withDeadline(deps.sts.assumeRole(request, signal), signal);
    } catch (error) {
      if (!(error instanceof DurationTooLongError)) throw error;
      // STS: "The requested DurationSeconds exceeds the MaxSessionDuration
      // set for this role." Retry once at the role's maximum: the one STS
      // named, else ROLE_MAX_SESSION_DURATION, else 3600 (every role allows).
      let retry = error.maximumSeconds ?? deps.config.retryDurationSeconds;
      if (retry >= durationSeconds) retry = 3600;
      if (retry >= durationSeconds) throw error;
      return await withDeadline(
        deps.sts.assumeRole({ ...request, durationSeconds: retry }, signal),
        signal,
      );
    }
  } catch (error) {
    if (error instanceof RequestError) throw error;
    const code = error instanceof AssumeRoleError ? error.code : "Error";
    if (code === "Timeout") {
      throw new RequestError(
        500,
        "InternalError",
        "The proxy ran out of time. Try again.",
      );
    }
    throw new RequestError(
      500,
      "InternalError",
      `The proxy could not assume the role (${code}). Ask your administrator to check the proxy's IAM user and role.`,
    );
  }
}

function withDeadline<T>(promise: Promise<T>, signal?: AbortSignal) {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(new RequestError(500, "InternalError", "The proxy timed out."));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() =>
      signal.removeEventListener("abort", onAbort)
    );
  });
}

function reject(
  deps: ProxyDeps,
  context: InvocationContext,
  failure: RequestError,
  identity?: VerifiedIdentity,
): ProxyResponse {
  writeLog(
    deps,
    context,
    identity,
    failure.statusCode,
    failure.logReason ?? failure.message,
  );
  return {
    statusCode: failure.statusCode,
    body: JSON.stringify({ error: failure.error, message: failure.message }),
  };
}

function writeLog(
  deps: ProxyDeps,
  context: InvocationContext,
  identity: VerifiedIdentity | undefined,
  status: number,
  outcome: string,
) {
  (deps.log ?? console.log)(JSON.stringify({
    requestId: context.requestId ?? null,
    username: identity?.username ?? null,
    status,
    outcome,
  }));
}

function tooLarge() {
  return `The request is larger than ${MAX_REQUEST_BYTES} bytes.`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
