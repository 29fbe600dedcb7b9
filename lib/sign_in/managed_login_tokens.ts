/**
 * The Managed Login domain's token endpoint, through `oauth4webapi`: the
 * authorization code exchange and the refresh grant, each answer's ID token
 * checked as Cognito's (`iss`, `aud`, `token_use`, expiry) before use, and
 * the origin and issuer a browser sign-in talks to.
 *
 * Messages never quote a token, and quote a server's words only made
 * printable and short.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import {
  type CliError,
  ConfigError,
  NetworkError,
  SessionExpiredError,
} from "../errors.ts";
import type { UserPoolTokens } from "../user_pool.ts";
import {
  IdTokenRejectedError,
  TokenExchangeRefusedError,
} from "./browser_errors.ts";

/**
 * The issuer (`iss`) of a User Pool's tokens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { userPoolIssuer } from "./managed_login_tokens.ts";
 * assert.equal(
 *   userPoolIssuer("eu-west-1", "eu-west-1_AbC123"),
 *   "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
 * );
 * ```
 */
export function userPoolIssuer(region: string, userPoolId: string): string {
  return `https://cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * The origin of a Managed Login domain given as an address (`https://x.auth.
 * us-east-1.amazoncognito.com`, a custom domain, or the original tool's
 * `managed_login_url`, whose path and query are dropped). `http` is accepted
 * only for loopback hosts. Throws {@linkcode ConfigError} naming `source`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { managedLoginOrigin } from "./managed_login_tokens.ts";
 * assert.equal(
 *   managedLoginOrigin("https://auth.example.com/login?client_id=x"),
 *   "https://auth.example.com",
 * );
 * assert.equal(managedLoginOrigin("http://127.0.0.1:9400"), "http://127.0.0.1:9400");
 * assert.throws(() => managedLoginOrigin("http://auth.example.com"));
 * ```
 */
export function managedLoginOrigin(
  value: string,
  source = "managed_login_domain",
): string {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    throw new ConfigError(
      `${source} is not an address: give the https origin of the User ` +
        "Pool's Managed Login domain, like https://my-app.auth.us-east-1." +
        "amazoncognito.com.",
    );
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  if (
    url.protocol !== "https:" && !(url.protocol === "http:" && loopback)
  ) {
    throw new ConfigError(
      `${source} must be an https address (http only for localhost and ` +
        `127.0.0.1), not ${url.protocol}//${url.host}.`,
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(`${source} must not hold a user name or password.`);
  }
  return url.origin;
}

// --- the ID token -------------------------------------------------------------

/** The claims of a Cognito ID token this module reads. */
export interface IdTokenClaims {
  /** Issuer: the User Pool's. */
  iss: string;
  /** Audience: the app client id. */
  aud: string | string[];
  /** `id` for an ID token. */
  token_use: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
  /** The user's id. */
  sub: string;
  /** The user's real user name in the pool (federated: `Provider_id`). */
  "cognito:username"?: string;
  /** Other claims. */
  [claim: string]: unknown;
}

function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  if (!part) throw new IdTokenRejectedError("The ID token is not a JWT.");
  try {
    const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(base64 + "=".repeat((4 - base64.length % 4) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const payload = JSON.parse(new TextDecoder().decode(bytes));
    if (payload && typeof payload === "object" && !Array.isArray(payload)) {
      return payload;
    }
  } catch { /* reported below */ }
  throw new IdTokenRejectedError("The ID token's claims cannot be read.");
}

/**
 * Checks an ID token's claims before it is used: `iss` is the pool's issuer,
 * `aud` is the client id, `token_use` is `id`, and `exp` is after `now`.
 * Returns the claims. The signature is not checked here (the token came
 * straight from the token endpoint over TLS; the credential proxy checks it
 * against the pool's keys). Messages never quote the token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkIdTokenClaims } from "./managed_login_tokens.ts";
 * const part = (o: object) => btoa(JSON.stringify(o)).replace(/=+$/, "");
 * const token = `${part({ alg: "RS256" })}.${part({
 *   iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A",
 *   aud: "client1", token_use: "id", exp: 2000, sub: "u1",
 * })}.sig`;
 * const expected = {
 *   issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_A",
 *   clientId: "client1",
 * };
 * assert.equal(checkIdTokenClaims(token, expected, new Date(1000_000)).sub, "u1");
 * assert.throws(() => checkIdTokenClaims(token, expected, new Date(2000_000)), /expired/);
 * ```
 */
export function checkIdTokenClaims(
  idToken: string,
  expected: { issuer: string; clientId: string },
  now: Date,
): IdTokenClaims {
  const claims = decodeJwtPayload(idToken);
  const said = (name: string) => {
    const value = claims[name];
    return typeof value === "string"
      ? JSON.stringify(value.slice(0, 200))
      : value === undefined
      ? "none"
      : "not a string";
  };
  if (claims.iss !== expected.issuer) {
    throw new IdTokenRejectedError(
      `The ID token was issued by ${said("iss")}, not by this User Pool ` +
        `(${expected.issuer}). Check managed_login_domain and user_pool_id.`,
    );
  }
  const aud = claims.aud;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(expected.clientId)) {
    throw new IdTokenRejectedError(
      "The ID token is for another app client, not " +
        `${expected.clientId}. Check client_id.`,
    );
  }
  if (claims.token_use !== "id") {
    throw new IdTokenRejectedError(
      `The token received as the ID token has token_use ${
        said("token_use")
      }, not "id".`,
    );
  }
  if (typeof claims.exp !== "number") {
    throw new IdTokenRejectedError("The ID token has no expiry (exp).");
  }
  if (claims.exp * 1000 <= now.getTime()) {
    throw new IdTokenRejectedError(
      `The ID token expired at ${
        new Date(claims.exp * 1000).toISOString()
      }; check this machine's clock.`,
    );
  }
  if (typeof claims.sub !== "string") {
    throw new IdTokenRejectedError("The ID token names no user (sub).");
  }
  return claims as IdTokenClaims;
}

// --- the token endpoint -------------------------------------------------------

/** Where and as whom to talk to the Managed Login domain. */
export interface ManagedLoginClient {
  /** The Managed Login domain's origin (see {@linkcode managedLoginOrigin}). */
  domain: string;
  /** The app client id. */
  clientId: string;
  /** The app client's secret (confidential clients only). */
  clientSecret?: string;
  /** The issuer the ID token must name: {@linkcode userPoolIssuer}. */
  issuer: string;
  /** The current time (default the clock); used for the expiry checks. */
  now?: () => Date;
  /** The fetch to use (default `globalThis.fetch`; the benchmark counts). */
  fetch?: typeof fetch;
}

/** What `oauth4webapi` needs to talk to the domain as the client. */
export interface OAuthParts {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  options: oauth.TokenEndpointRequestOptions;
  now: () => Date;
}

/** The `oauth4webapi` pieces for a client of a Managed Login domain. */
export function oauthParts(config: ManagedLoginClient): OAuthParts {
  const domain = managedLoginOrigin(config.domain);
  const now = config.now ?? (() => new Date());
  const as: oauth.AuthorizationServer = {
    issuer: config.issuer,
    authorization_endpoint: `${domain}/oauth2/authorize`,
    token_endpoint: `${domain}/oauth2/token`,
  };
  const client: oauth.Client = {
    client_id: config.clientId,
    [oauth.clockSkew]: (now().getTime() - Date.now()) / 1000,
  };
  const auth = config.clientSecret
    ? oauth.ClientSecretBasic(config.clientSecret)
    : oauth.None();
  const options: oauth.TokenEndpointRequestOptions = {
    // http is only accepted for loopback hosts (managedLoginOrigin).
    [oauth.allowInsecureRequests]: domain.startsWith("http:"),
    ...(config.fetch ? { [oauth.customFetch]: config.fetch } : {}),
  };
  return { as, client, auth, options, now };
}

/** Keeps a server-chosen text printable and short, for a message. */
export function plain(text: string | undefined, max = 200): string {
  return (text ?? "").replace(/[^\x20-\x7e]/g, "?").slice(0, max);
}

/**
 * Runs one token request and returns its checked result: a refusal becomes
 * `refused(error, description)`, a network failure {@linkcode NetworkError},
 * a bad ID token {@linkcode IdTokenRejectedError}.
 */
export async function tokenRequest(
  parts: OAuthParts,
  config: ManagedLoginClient,
  doing: string,
  request: () => Promise<Response>,
  process: (response: Response) => Promise<oauth.TokenEndpointResponse>,
  refused: (error: string | undefined, description: string) => CliError,
): Promise<UserPoolTokens> {
  let response: Response;
  try {
    response = await request();
  } catch (error) {
    throw new NetworkError(
      `Could not reach the Managed Login domain ${
        managedLoginOrigin(config.domain)
      } while ${doing}: ${plain((error as Error)?.message)}.`,
    );
  }
  let result: oauth.TokenEndpointResponse;
  try {
    result = await process(response);
  } catch (error) {
    if (error instanceof oauth.ResponseBodyError) {
      throw refused(plain(error.error, 64), plain(error.error_description));
    }
    if (
      error instanceof oauth.OperationProcessingError &&
      /JWT|ID Token|id_token|claim/i.test(error.message)
    ) {
      throw new IdTokenRejectedError(
        `The ID token received while ${doing} was not accepted: ` +
          `${plain(error.message)}.`,
      );
    }
    throw refused(
      undefined,
      `the answer (HTTP ${response.status}) could not be used: ${
        plain((error as Error)?.message)
      }`,
    );
  }
  if (!result.id_token) {
    throw refused(undefined, "the answer holds no ID token (scope openid?)");
  }
  checkIdTokenClaims(result.id_token, config, parts.now());
  return {
    idToken: result.id_token,
    accessToken: result.access_token,
    ...(result.refresh_token ? { refreshToken: result.refresh_token } : {}),
    expiresIn: result.expires_in ?? 3600,
  };
}

/**
 * Signs in again with a refresh token that a browser sign-in gave, through
 * the token endpoint (`grant_type=refresh_token`). The new ID token is
 * checked as after the sign-in. A refresh token Cognito no longer takes
 * (`invalid_grant`: expired, revoked, signed out) is
 * {@linkcode SessionExpiredError} (exit 19: sign in again); other refusals
 * are {@linkcode TokenExchangeRefusedError}. `refreshToken` is in the result
 * only when the pool rotated it.
 */
export function refreshBrowserSession(
  config: ManagedLoginClient & { refreshToken: string },
): Promise<UserPoolTokens> {
  const parts = oauthParts(config);
  return tokenRequest(
    parts,
    config,
    "refreshing the sign-in",
    () =>
      oauth.refreshTokenGrantRequest(
        parts.as,
        parts.client,
        parts.auth,
        config.refreshToken,
        parts.options,
      ),
    (response) =>
      oauth.processRefreshTokenResponse(parts.as, parts.client, response),
    (error, description) =>
      error === "invalid_grant"
        ? new SessionExpiredError(
          "The saved browser sign-in no longer works (the refresh token " +
            "expired or was revoked): run aws-cognito-auth login --browser " +
            "again.",
        )
        : new TokenExchangeRefusedError(
          `The Managed Login domain refused to refresh the sign-in` +
            `${error ? ` (${error})` : ""}: ${description}.`,
          error,
        ),
  );
}
