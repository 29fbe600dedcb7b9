/**
 * Client side of the credential proxy Lambda: invokes it with the caller's
 * Identity Pool credentials, ID token and (when given) access token, and
 * returns the longer-lived role
 * credentials it answers with.
 *
 * The Lambda client gets the credentials explicitly, so whatever credentials
 * the machine happens to have are never used. Its endpoint comes from the
 * SDK's standard settings (`AWS_ENDPOINT_URL_LAMBDA`, `AWS_ENDPOINT_URL`,
 * region). The SDK is imported lazily, so commands that never invoke the
 * proxy do not load it.
 *
 * @module
 */
import type { TemporaryCredentials } from "./credentials.ts";
import {
  ConfigError,
  isNetworkFailure,
  ProxyError,
  unreachableHint,
} from "./errors.ts";
import { fetchRequestHandler } from "./fetch_handler.ts";

/** Options of {@linkcode invokeCredentialProxy}. */
export interface InvokeProxyOptions {
  /** Region of the function. */
  region: string;
  /** Function name or ARN. */
  functionName: string;
  /** Credentials to sign the invoke with (the Identity Pool's). */
  credentials: Omit<TemporaryCredentials, "expiration">;
  /** The user's Cognito ID token. */
  idToken: string;
  /**
   * The user's access token from the same sign-in, sent as `access_token`
   * so the proxy can ask Cognito whether the sign-in is still alive
   * (GetUser). Proxies set to `ACCESS_TOKEN_CHECK=require` refuse callers
   * that send none.
   */
  accessToken?: string;
  /** Requested lifetime in seconds (the proxy clamps it to 900..43200). */
  durationSeconds: number;
  /** Cancels the call. */
  signal?: AbortSignal;
  /** Gives up after this many milliseconds (default 60000). */
  timeoutMs?: number;
}

/** Default time limit of one proxy call. */
export const DEFAULT_PROXY_TIMEOUT_MS = 60_000;

/** The largest `COGNITO_PROXY_TIMEOUT_MS` accepted (one hour). */
const MAX_PROXY_TIMEOUT_MS = 3_600_000;

/**
 * The proxy call's time limit from `COGNITO_PROXY_TIMEOUT_MS` (whole
 * milliseconds, 1 to 3600000); `undefined` when it is unset or empty, which
 * means {@linkcode DEFAULT_PROXY_TIMEOUT_MS}.
 *
 * Throws {@linkcode ConfigError} when the value is not such a number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { proxyTimeoutFromEnv } from "./proxy.ts";
 * assert.equal(proxyTimeoutFromEnv({ COGNITO_PROXY_TIMEOUT_MS: "5000" }), 5000);
 * assert.equal(proxyTimeoutFromEnv({}), undefined);
 * ```
 */
export function proxyTimeoutFromEnv(
  env: Record<string, string | undefined>,
): number | undefined {
  const raw = env.COGNITO_PROXY_TIMEOUT_MS?.trim();
  if (!raw) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > MAX_PROXY_TIMEOUT_MS) {
    throw new ConfigError(
      `COGNITO_PROXY_TIMEOUT_MS must be a whole number of milliseconds from ` +
        `1 to ${MAX_PROXY_TIMEOUT_MS}, not ${
          JSON.stringify(raw.slice(0, 40))
        }.`,
    );
  }
  return value;
}

/**
 * Invokes the credential proxy and returns the credentials it issued.
 *
 * @example
 * ```ts ignore
 * const credentials = await invokeCredentialProxy({
 *   region: "us-east-1",
 *   functionName: "cognito-credential-proxy",
 *   credentials: identityPoolCredentials,
 *   idToken,
 *   durationSeconds: 12 * 3600,
 * });
 * ```
 *
 * @throws {ProxyError} with a plain reason (no secrets) for every failure:
 * the function could not be invoked or reached, it failed, it refused the
 * request (its `message` is quoted), it answered something unreadable, or it
 * timed out.
 */
export async function invokeCredentialProxy(
  options: InvokeProxyOptions,
): Promise<TemporaryCredentials> {
  const name = options.functionName;
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROXY_TIMEOUT_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();

  let payload: Uint8Array | undefined;
  let functionError: string | undefined;
  try {
    const [{ LambdaClient, InvokeCommand }, requestHandler] = await Promise
      .all([import("@aws-sdk/client-lambda"), fetchRequestHandler()]);
    const client = new LambdaClient({
      region: options.region,
      requestHandler,
      credentials: {
        accessKeyId: options.credentials.accessKeyId,
        secretAccessKey: options.credentials.secretAccessKey,
        sessionToken: options.credentials.sessionToken,
      },
      maxAttempts: 2,
    });
    try {
      const output = await client.send(
        new InvokeCommand({
          FunctionName: name,
          InvocationType: "RequestResponse",
          Payload: new TextEncoder().encode(JSON.stringify({
            id_token: options.idToken,
            ...(options.accessToken
              ? { access_token: options.accessToken }
              : {}),
            duration_seconds: options.durationSeconds,
          })),
        }),
        { abortSignal: controller.signal },
      );
      payload = output.Payload;
      functionError = output.FunctionError;
    } finally {
      client.destroy();
    }
  } catch (error) {
    if (timedOut) {
      throw new ProxyError(
        `The credential proxy ${name} did not answer within ${
          Math.round(timeoutMs / 1000)
        } s.`,
        { cause: error },
      );
    }
    if (options.signal?.aborted || controller.signal.aborted) {
      throw new ProxyError(`The call to the credential proxy was cancelled.`, {
        cause: error,
      });
    }
    throw new ProxyError(describeInvokeFailure(name, error), { cause: error });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }

  if (functionError) {
    throw new ProxyError(
      `The credential proxy ${name} failed (${
        oneLine(functionError, 40)
      }). Its logs say why.`,
    );
  }
  return readProxyAnswer(name, payload);
}

function readProxyAnswer(
  name: string,
  payload: Uint8Array | undefined,
): TemporaryCredentials {
  const unreadable = (what: string) =>
    new ProxyError(
      `The credential proxy ${name} gave an answer that could not be read (${what}).`,
    );
  let answer: unknown;
  try {
    answer = JSON.parse(new TextDecoder().decode(payload ?? new Uint8Array()));
  } catch {
    throw unreadable("not JSON");
  }
  if (!isObject(answer) || typeof answer.statusCode !== "number") {
    throw unreadable("no statusCode");
  }
  let body: unknown = answer.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      body = undefined;
    }
  }
  if (answer.statusCode !== 200) {
    const message = isObject(body) && typeof body.message === "string"
      ? body.message
      : isObject(body) && typeof body.error === "string"
      ? body.error
      : "no reason given";
    throw new ProxyError(
      `The credential proxy ${name} refused (${answer.statusCode}): ${
        oneLine(message, 300)
      }`,
    );
  }
  if (!isObject(body)) throw unreadable("body is not a JSON object");
  const missing = [
    "access_key_id",
    "secret_access_key",
    "session_token",
    "expiration",
  ].filter((key) => typeof body[key] !== "string" || body[key] === "");
  if (missing.length) throw unreadable(`missing ${missing.join(", ")}`);
  const expiration = new Date(body.expiration as string);
  if (Number.isNaN(expiration.getTime())) {
    throw unreadable("expiration is not a date");
  }
  return {
    accessKeyId: body.access_key_id as string,
    secretAccessKey: body.secret_access_key as string,
    sessionToken: body.session_token as string,
    expiration,
  };
}

function describeInvokeFailure(name: string, error: unknown): string {
  const e = error as { name?: string };
  switch (e?.name) {
    case "ResourceNotFoundException":
      return `The credential proxy function ${name} was not found. Check the function name and region, or deploy it with aws-cognito-admin lambda deploy.`;
    case "AccessDeniedException":
    case "UnrecognizedClientException":
    case "InvalidSignatureException":
    case "ExpiredTokenException":
      return `Not allowed to invoke the credential proxy ${name} (${e.name}). The Identity Pool role needs lambda:InvokeFunction on it.`;
    case "TooManyRequestsException":
      return `The credential proxy ${name} is throttled. Try again shortly.`;
  }
  if (isNetworkFailure(error)) {
    return `Could not reach AWS Lambda to invoke the credential proxy ${name}. ${
      unreachableHint(error)
    }`;
  }
  const code = typeof e?.name === "string" && /^[\w.]{1,64}$/.test(e.name)
    ? e.name
    : "unknown error";
  return `Invoking the credential proxy ${name} failed (${code}).`;
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\p{Cc}+/gu, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
