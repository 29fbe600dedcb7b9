/**
 * Browser sign-in through Cognito Managed Login (the hosted UI): the OAuth 2.0
 * authorization code flow with PKCE (S256) and a random `state`, against
 * `<domain>/oauth2/authorize` and `<domain>/oauth2/token`, redirected back to
 * a loopback listener `http://localhost:<port>/callback` bound to 127.0.0.1
 * only. The protocol work (PKCE, `state`, the token requests and their
 * checks) is done by `oauth4webapi`; this module adds the listener, the
 * pasted-address mode for machines with no browser, Cognito's check of the
 * ID token (`iss`, `aud`, `token_use`, expiry) and one error type per failure.
 * The listener is `sign_in/browser_listener.ts`, the token endpoint and the
 * ID token check `sign_in/managed_login_tokens.ts`, the errors
 * `sign_in/browser_errors.ts`; this module runs the flow and exports them all.
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
import { CliError, InputRequiredError } from "./errors.ts";
import { openUrl as openInBrowser } from "./open_url.ts";
import { DEFAULT_CALLBACK_PORT } from "./settings.ts";
import {
  BrowserSignInRefusedError,
  BrowserSignInTimeoutError,
  StateMismatchError,
  TokenExchangeRefusedError,
} from "./sign_in/browser_errors.ts";
import { listenForCallback } from "./sign_in/browser_listener.ts";
import {
  type ManagedLoginClient,
  type OAuthParts,
  oauthParts,
  plain,
  tokenRequest,
} from "./sign_in/managed_login_tokens.ts";
import type { UserPoolTokens } from "./user_pool.ts";

export { DEFAULT_CALLBACK_PORT };
export * from "./sign_in/browser_errors.ts";
export {
  checkIdTokenClaims,
  type IdTokenClaims,
  type ManagedLoginClient,
  managedLoginOrigin,
  refreshBrowserSession,
  userPoolIssuer,
} from "./sign_in/managed_login_tokens.ts";

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
