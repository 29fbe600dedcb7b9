/**
 * Asks Cognito whether a sign-in is still alive: `GetUser` with the caller's
 * access token. Cognito refuses it (`NotAuthorizedException`) once the user
 * signed out everywhere (GlobalSignOut, AdminUserGlobalSignOut), the token
 * was revoked (RevokeToken), or the user was disabled, and answers
 * `UserNotFoundException` once the user was deleted.
 *
 * GetUser is authorised by the access token itself: the request is not
 * signed and needs no IAM permission. It is one small JSON call, made with
 * Deno's `fetch` (which keeps the connection open between invocations)
 * rather than with `@aws-sdk/client-cognito-identity-provider`, which would
 * add ~140 KB (+29%) to the bundle that every cold start loads. The endpoint
 * comes from the SDK's standard settings (see `ProxyConfig.cognitoEndpoint`).
 *
 * @module
 */
import type { ProxyConfig } from "./config.ts";

/** Cognito says the sign-in is over (signed out, disabled, deleted). */
export class SessionRevokedError extends Error {
  /** Cognito's error code, e.g. `NotAuthorizedException`. */
  readonly code: string;

  /** Creates the error with Cognito's (non-secret) error code. */
  constructor(code: string) {
    super(`Cognito no longer honours the sign-in (${code})`);
    this.name = "SessionRevokedError";
    this.code = code;
  }
}

/** Cognito could not be asked (network, throttling, 5xx, deadline). */
export class SessionCheckUnavailableError extends Error {
  /** What went wrong: an error code, `HTTP <status>` or `NetworkError`. */
  readonly code: string;

  /** Creates the error with a non-secret code. */
  constructor(code: string) {
    super(`Could not ask Cognito whether the sign-in is alive (${code})`);
    this.name = "SessionCheckUnavailableError";
    this.code = code;
  }
}

/** Asks Cognito whether an access token is still honoured. */
export interface SessionChecker {
  /**
   * Resolves when Cognito still honours `accessToken`.
   *
   * @throws {SessionRevokedError} when Cognito refuses it.
   * @throws {SessionCheckUnavailableError} when Cognito cannot be asked.
   */
  check(accessToken: string, signal?: AbortSignal): Promise<void>;
}

/** Cognito errors that mean the token or the user is no longer good. */
const REVOKED = new Set([
  "NotAuthorizedException",
  "UserNotFoundException",
  "UserNotConfirmedException",
  "PasswordResetRequiredException",
]);

/**
 * The real {@linkcode SessionChecker}: `GetUser` at the configured endpoint,
 * retried once after a network failure, throttling or a 5xx.
 *
 * @example
 * ```ts ignore
 * const sessions = createSessionChecker(config);
 * await sessions.check(accessToken); // throws SessionRevokedError
 * ```
 */
export function createSessionChecker(
  config: Pick<ProxyConfig, "cognitoEndpoint">,
  options: { fetch?: typeof fetch } = {},
): SessionChecker {
  const http = options.fetch ?? fetch;
  const once = async (accessToken: string, signal?: AbortSignal) => {
    let response: Response;
    try {
      response = await http(`${config.cognitoEndpoint}/`, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-amz-json-1.1",
          "X-Amz-Target": "AWSCognitoIdentityProviderService.GetUser",
        },
        body: JSON.stringify({ AccessToken: accessToken }),
        signal,
      });
    } catch {
      return new SessionCheckUnavailableError(
        signal?.aborted ? "Timeout" : "NetworkError",
      );
    }
    let text = "";
    try {
      text = await response.text();
    } catch {
      return new SessionCheckUnavailableError("NetworkError");
    }
    if (response.ok) return undefined;
    const code = errorCode(response, text);
    if (REVOKED.has(code)) return new SessionRevokedError(code);
    return new SessionCheckUnavailableError(
      code === "UnknownError" ? `HTTP ${response.status}` : code,
    );
  };
  return {
    async check(accessToken, signal) {
      let failure = await once(accessToken, signal);
      if (
        failure instanceof SessionCheckUnavailableError &&
        failure.code !== "Timeout" && !signal?.aborted
      ) {
        failure = await once(accessToken, signal);
      }
      if (failure) throw failure;
    },
  };
}

/** Cognito's error code from `X-Amzn-ErrorType` or the body's `__type`. */
function errorCode(response: Response, text: string): string {
  let type = response.headers.get("x-amzn-errortype") ?? "";
  if (!type) {
    try {
      const body = JSON.parse(text);
      if (typeof body?.__type === "string") type = body.__type;
    } catch { /* not JSON */ }
  }
  // "NotAuthorizedException:http://...", "com.amazonaws...#NotAuthorized..."
  const code = type.split(":")[0].split("#").at(-1) ?? "";
  return /^[A-Za-z]{1,64}$/.test(code) ? code : "UnknownError";
}
