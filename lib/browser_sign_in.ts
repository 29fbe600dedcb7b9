/**
 * Browser sign-in through Cognito Managed Login (the hosted UI): the OAuth 2.0
 * authorization code flow with PKCE (S256) and a random `state`, against
 * `<domain>/oauth2/authorize` and `<domain>/oauth2/token`, redirected back to
 * a loopback listener `http://localhost:<port>/callback` bound to 127.0.0.1
 * only. The protocol work (PKCE, `state`, the token requests and their
 * checks) is done by `oauth4webapi`; this module adds the listener, the
 * pasted-address mode for machines with no browser, Cognito's check of the
 * ID token (`iss`, `aud`, `token_use`, expiry) and one error type per failure.
 *
 * Nothing here prints: lines for the user go to the `report` callback. The
 * `state` and the PKCE verifier never leave this module except as part of
 * the authorization address the user must open (the verifier never: only its
 * hash, the challenge, is in the address); tokens never reach a report line,
 * an error message or the page the browser shows.
 *
 * @module
 */
import * as oauth from "oauth4webapi";
import {
  CliError,
  type CliErrorOptions,
  ConfigError,
  ExitCode,
  InputRequiredError,
  NetworkError,
  SessionExpiredError,
} from "./errors.ts";
import { openUrl as openInBrowser } from "./open_url.ts";
import type { UserPoolTokens } from "./user_pool.ts";

/** The callback port used when the `callback_port` setting is not given. */
export const DEFAULT_CALLBACK_PORT = 47291;
/**
 * Scopes asked for when none are given: the ID token (`openid`, `email`,
 * `profile`), and `aws.cognito.signin.user.admin`, without which Cognito
 * does not accept a Managed Login access token for GetUser (the proxy's
 * check that the user is still signed in).
 */
export const DEFAULT_SCOPES: readonly string[] = [
  "openid",
  "email",
  "profile",
  "aws.cognito.signin.user.admin",
];
/** How long to wait for the redirect when no timeout is given (5 minutes). */
export const DEFAULT_BROWSER_TIMEOUT_MS = 5 * 60_000;

/** The redirect address registered on the app client for a port. */
export function callbackUrl(port: number): string {
  return `http://localhost:${port}/callback`;
}

/**
 * The issuer (`iss`) of a User Pool's tokens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { userPoolIssuer } from "./browser_sign_in.ts";
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
 * import { managedLoginOrigin } from "./browser_sign_in.ts";
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

// --- errors -----------------------------------------------------------------

/** The redirect's `state` was not the one this run sent (exit 60). */
export class StateMismatchError extends CliError {
  /** Creates a state-mismatch error. */
  constructor(message: string, options?: CliErrorOptions) {
    super(message, ExitCode.browserStateMismatch, options);
  }
}

/** The sign-in page redirected back with `error=` (exit 61). */
export class BrowserSignInRefusedError extends CliError {
  /** The OAuth error code (`access_denied`, ...). */
  readonly error: string;
  /** Creates a refused-sign-in error. */
  constructor(message: string, error: string) {
    super(message, ExitCode.browserSignInRefused);
    this.error = error;
  }
}

/** The token endpoint refused the code or the refresh token (exit 62). */
export class TokenExchangeRefusedError extends CliError {
  /** The OAuth error code (`invalid_grant`, ...), when the server gave one. */
  readonly error?: string;
  /** Creates a refused-exchange error. */
  constructor(message: string, error?: string) {
    super(message, ExitCode.tokenExchangeRefused);
    this.error = error;
  }
}

/** No redirect arrived before the timeout (exit 63). */
export class BrowserSignInTimeoutError extends CliError {
  /** Creates a timeout error. */
  constructor(message: string) {
    super(message, ExitCode.browserSignInTimeout);
  }
}

/** The callback port is taken by another program (exit 64). */
export class CallbackPortInUseError extends CliError {
  /** Creates a port-in-use error. */
  constructor(message: string, options?: CliErrorOptions) {
    super(message, ExitCode.callbackPortInUse, options);
  }
}

/** The ID token is not one this pool issued to this client, now (exit 65). */
export class IdTokenRejectedError extends CliError {
  /** Creates an ID-token error. */
  constructor(message: string) {
    super(message, ExitCode.idTokenRejected);
  }
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
 * import { checkIdTokenClaims } from "./browser_sign_in.ts";
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

interface OAuthParts {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  auth: oauth.ClientAuth;
  options: oauth.TokenEndpointRequestOptions;
  now: () => Date;
}

function oauthParts(config: ManagedLoginClient): OAuthParts {
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
function plain(text: string | undefined, max = 200): string {
  return (text ?? "").replace(/[^\x20-\x7e]/g, "?").slice(0, max);
}

/**
 * Runs one token request and returns its checked result: a refusal becomes
 * `refused(error, description)`, a network failure {@linkcode NetworkError},
 * a bad ID token {@linkcode IdTokenRejectedError}.
 */
async function tokenRequest(
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

// --- the sign-in ----------------------------------------------------------------

/** Options of {@linkcode signInWithBrowser}. */
export interface BrowserSignInOptions extends ManagedLoginClient {
  /** The loopback port of the redirect (default {@linkcode DEFAULT_CALLBACK_PORT}). */
  callbackPort?: number;
  /** Scopes to ask for (default {@linkcode DEFAULT_SCOPES}). */
  scopes?: readonly string[];
  /** `identity_provider`: skip Cognito's chooser and go to this provider. */
  identityProvider?: string;
  /** Milliseconds to wait for the redirect (default 5 minutes). */
  timeoutMs?: number;
  /** Opens the address in a browser (default `lib/open_url.ts`). */
  openUrl?: (url: string) => Promise<void>;
  /**
   * `--no-browser`: open nothing and listen on no port; show the address and
   * read the address the browser was sent to from {@linkcode readLine}.
   */
  noBrowser?: boolean;
  /**
   * Reads one line (the pasted address) for `noBrowser`; `undefined` or
   * `null` at the end of input.
   */
  readLine?: () => Promise<string | null | undefined>;
  /** Gets each line for the user (stderr); never a token or the verifier. */
  report?: (line: string) => void;
}

/** The secrets of one run, never shown except inside the address. */
interface Attempt {
  state: string;
  verifier: string;
  redirectUri: string;
}

/**
 * Signs the user in through the Managed Login pages in a browser and returns
 * the User Pool tokens, checked (see {@linkcode checkIdTokenClaims}).
 *
 * Listens on `127.0.0.1:<callbackPort>` (unless `noBrowser`), opens the
 * authorization address (and reports it, so the user can open it by hand),
 * waits for the one redirect to `/callback`, answers the browser with a short
 * page saying whether the sign-in worked, stops listening, and exchanges the
 * code (with the PKCE verifier, and the client secret when there is one).
 *
 * Throws {@linkcode CallbackPortInUseError}, {@linkcode StateMismatchError},
 * {@linkcode BrowserSignInRefusedError}, {@linkcode TokenExchangeRefusedError},
 * {@linkcode BrowserSignInTimeoutError}, {@linkcode IdTokenRejectedError},
 * `NetworkError` or `InputRequiredError` (no line to read).
 */
export async function signInWithBrowser(
  options: BrowserSignInOptions,
): Promise<UserPoolTokens> {
  const report = options.report ?? (() => {});
  const port = options.callbackPort ?? DEFAULT_CALLBACK_PORT;
  const timeoutMs = options.timeoutMs ?? DEFAULT_BROWSER_TIMEOUT_MS;
  const parts = oauthParts(options);
  const attempt: Attempt = {
    state: oauth.generateRandomState(),
    verifier: oauth.generateRandomCodeVerifier(),
    redirectUri: callbackUrl(port),
  };
  const url = new URL(parts.as.authorization_endpoint!);
  url.searchParams.set("response_type", "code");
  url.searchParams.set("client_id", options.clientId);
  url.searchParams.set("redirect_uri", attempt.redirectUri);
  url.searchParams.set("scope", (options.scopes ?? DEFAULT_SCOPES).join(" "));
  url.searchParams.set("state", attempt.state);
  url.searchParams.set(
    "code_challenge",
    await oauth.calculatePKCECodeChallenge(attempt.verifier),
  );
  url.searchParams.set("code_challenge_method", "S256");
  if (options.identityProvider) {
    url.searchParams.set("identity_provider", options.identityProvider);
  }
  const exchange = (params: URLSearchParams) =>
    exchangeCode(parts, options, attempt, params);

  if (options.noBrowser) {
    return await withTimeout(
      timeoutMs,
      async () => {
        report(
          "Open this address in a browser on any machine and sign in:",
        );
        report(url.href);
        report(
          `The browser then goes to ${attempt.redirectUri}?code=... (the ` +
            "page may not load). Paste that whole address here:",
        );
        const line = await options.readLine?.();
        if (line === undefined || line === null) {
          throw new InputRequiredError(
            "No address was pasted (end of input): paste the address the " +
              "browser was sent to after signing in, on one line.",
          );
        }
        return await exchange(pastedParameters(line));
      },
    );
  }

  const listener = listenForCallback(port, exchange);
  try {
    report(
      "Opening the sign-in page in your browser. If it does not open, " +
        "open this address:",
    );
    report(url.href);
    try {
      await (options.openUrl ?? openInBrowser)(url.href);
    } catch (error) {
      report(
        error instanceof CliError
          ? error.message
          : "The browser could not be opened; open the address above by hand.",
      );
    }
    report(
      `Waiting for the sign-in to finish in the browser (up to ${
        Math.round(timeoutMs / 1000)
      } s) ...`,
    );
    return await withTimeout(timeoutMs, () => listener.result);
  } finally {
    await listener.stop();
  }
}

/** The parameters of a pasted redirect address (or of its query alone). */
function pastedParameters(line: string): URLSearchParams {
  const text = line.trim();
  try {
    return new URL(text).searchParams;
  } catch {
    return new URLSearchParams(text.replace(/^\?/, ""));
  }
}

async function withTimeout<T>(
  ms: number,
  work: () => Promise<T>,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(
        new BrowserSignInTimeoutError(
          `The browser sign-in did not finish within ${
            Math.round(ms / 1000)
          } s. Run the command again (--timeout gives more time); nothing ` +
            "was changed.",
        ),
      );
    }, ms);
  });
  try {
    return await Promise.race([work(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Checks the redirect's parameters and exchanges the code. */
async function exchangeCode(
  parts: OAuthParts,
  config: ManagedLoginClient,
  attempt: Attempt,
  params: URLSearchParams,
): Promise<UserPoolTokens> {
  let callback: URLSearchParams;
  // The state first, so an `error=` from someone else's redirect is not
  // believed; the expected value is never put in a message.
  const state = params.get("state");
  if (state !== attempt.state) {
    throw new StateMismatchError(
      state === null
        ? "The redirect carried no state: it does not answer this sign-in. " +
          "Run the command again; nothing was changed."
        : "The redirect's state is not the one this sign-in sent: it " +
          "answers another sign-in (or was forged). Run the command again; " +
          "nothing was changed.",
    );
  }
  try {
    callback = oauth.validateAuthResponse(
      parts.as,
      parts.client,
      params,
      attempt.state,
    );
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError) {
      const description = plain(error.error_description ?? "");
      throw new BrowserSignInRefusedError(
        `The sign-in page answered with the error ${plain(error.error, 64)}${
          description ? `: ${description}` : ""
        }. Nothing was changed.`,
        plain(error.error, 64),
      );
    }
    throw new TokenExchangeRefusedError(
      `The redirect could not be used: ${
        plain((error as Error)?.message)
      }. Nothing was changed.`,
    );
  }
  if (!callback.get("code")) {
    throw new TokenExchangeRefusedError(
      "The redirect carried no authorization code. Nothing was changed.",
    );
  }
  return await tokenRequest(
    parts,
    config,
    "exchanging the authorization code",
    () =>
      oauth.authorizationCodeGrantRequest(
        parts.as,
        parts.client,
        parts.auth,
        callback,
        attempt.redirectUri,
        attempt.verifier,
        parts.options,
      ),
    (response) =>
      oauth.processAuthorizationCodeResponse(
        parts.as,
        parts.client,
        response,
      ),
    (error, description) =>
      new TokenExchangeRefusedError(
        `The Managed Login domain refused the authorization code` +
          `${error ? ` (${error})` : ""}: ${description}. Nothing was ` +
          "changed.",
        error,
      ),
  );
}

interface CallbackListener {
  /** The tokens, once the one callback came and its code was exchanged. */
  result: Promise<UserPoolTokens>;
  /** Stops listening (waits for the page to be sent). */
  stop(): Promise<void>;
}

/**
 * Listens on 127.0.0.1:`port` for the one redirect to `/callback`; any other
 * path is 404. The browser's answer waits for `handle`'s outcome, so the
 * page says whether the whole sign-in worked.
 */
function listenForCallback(
  port: number,
  handle: (params: URLSearchParams) => Promise<UserPoolTokens>,
): CallbackListener {
  let settle!: {
    resolve: (t: UserPoolTokens) => void;
    reject: (e: unknown) => void;
  };
  const result = new Promise<UserPoolTokens>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Keep an unobserved failure from being reported as unhandled.
  result.catch(() => {});
  let taken = false;
  let server: Deno.HttpServer;
  try {
    server = Deno.serve({
      hostname: "127.0.0.1",
      port,
      onListen: () => {},
      onError: () => new Response("Internal error", { status: 500 }),
    }, async (request) => {
      const url = new URL(request.url);
      if (url.pathname !== "/callback" || request.method !== "GET" || taken) {
        return page(404, "Not found", "There is nothing here.");
      }
      taken = true;
      try {
        const tokens = await handle(url.searchParams);
        settle.resolve(tokens);
        return page(
          200,
          "Signed in",
          "You are signed in. You can close this tab and go back to the " +
            "terminal.",
        );
      } catch (error) {
        settle.reject(error);
        return page(
          400,
          "Sign-in failed",
          error instanceof CliError
            ? error.message
            : "The sign-in failed; the terminal says why.",
        );
      }
    });
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) {
      throw new CallbackPortInUseError(
        `The callback port ${port} (setting callback_port) is in use by ` +
          "another program. Stop it, or choose another port with " +
          "--callback-port or COGNITO_CALLBACK_PORT; the app client must " +
          "then allow the callback URL http://localhost:<port>/callback for " +
          "that port (aws-cognito-admin managed-login enable " +
          "--callback-port adds it).",
        { cause: error },
      );
    }
    throw error;
  }
  return {
    result,
    async stop() {
      // Graceful: the page being answered is still sent.
      await server.shutdown();
    },
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(status: number, title: string, text: string): Response {
  const body = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${
    escapeHtml(title)
  }</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 4em auto">
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(text)}</p>
</body></html>
`;
  return new Response(body, {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "referrer-policy": "no-referrer",
      "x-content-type-options": "nosniff",
    },
  });
}
