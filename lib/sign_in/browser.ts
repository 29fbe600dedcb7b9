/**
 * The browser sign-in method (`login --browser`): the authorization code
 * flow with PKCE through the pool's Managed Login pages, where federated
 * providers, passkeys and the pool's own MFA pages are handled (see
 * `../browser_sign_in.ts`). It asks the terminal for nothing: the person
 * answers in the browser.
 *
 * A saved browser sign-in is refreshed at the same domain's token endpoint
 * (`grant_type=refresh_token`, {@linkcode browserRefreshMethod}), with the
 * client's secret when it has one, so `credential-process`, `exec` and a
 * repeated `login --browser` open no browser until the refresh token
 * expires. The ID token of every answer is checked (`iss`, `aud`,
 * `token_use`, expiry) before it is used.
 *
 * The OAuth code (`oauth4webapi`) is loaded only when one of these runs.
 *
 * @module
 */
import type { Settings } from "../config.ts";
import { ConfigError, SessionExpiredError } from "../errors.ts";
import { DEFAULT_CALLBACK_PORT } from "../settings.ts";
import type { SignInContext, SignInMethod } from "../sign_in.ts";
import { userPoolRegion } from "../user_pool.ts";

/**
 * The Managed Login domain of a sign-in: the record's (a saved browser
 * sign-in's), else the `managed_login_domain` setting. Throws
 * {@linkcode ConfigError} when neither is set.
 */
function managedLoginDomain(
  context: SignInContext,
  settings: Settings,
): string {
  const domain = context.record.managedLoginDomain ??
    settings.managedLoginDomain;
  if (!domain) {
    throw new ConfigError(
      "Browser sign-in needs the User Pool's Managed Login domain: give it " +
        "with --managed-login-domain, COGNITO_MANAGED_LOGIN_DOMAIN or " +
        "managed_login_domain in the config file (`aws-cognito-admin " +
        "managed-login enable` sets one up and prints it).",
    );
  }
  return domain;
}

/** Where and as whom the token endpoint is called, from the context. */
async function managedLoginClient(context: SignInContext) {
  const settings = await context.settings();
  const { record } = context;
  const { userPoolIssuer } = await import("./managed_login_tokens.ts");
  return {
    settings,
    client: {
      domain: managedLoginDomain(context, settings),
      clientId: record.clientId,
      clientSecret: context.clientSecret,
      issuer: userPoolIssuer(
        userPoolRegion(record.userPoolId),
        record.userPoolId,
      ),
      now: context.now,
    },
  };
}

/**
 * Continues a saved browser sign-in with its refresh token at the Managed
 * Login domain's token endpoint. Returns the refresh token in use when the
 * pool did not rotate it, so that it is saved again. A refresh token the
 * domain no longer takes is `SessionExpiredError` (exit 19).
 */
export const browserRefreshMethod: SignInMethod = {
  name: "browser-refresh",
  needs: [],
  how: "with the saved refresh token (Managed Login's token endpoint)",
  async signIn(context) {
    const { saved } = context;
    if (!saved) {
      throw new SessionExpiredError(
        "There is no saved refresh token to sign in with.",
      );
    }
    const { client } = await managedLoginClient(context);
    const { refreshBrowserSession } = await import(
      "./managed_login_tokens.ts"
    );
    const tokens = await refreshBrowserSession({
      ...client,
      refreshToken: saved.refreshToken,
    });
    return {
      ...tokens,
      refreshToken: tokens.refreshToken ?? saved.refreshToken,
    };
  },
};

/** Browser sign-in through Managed Login (`login --browser`). */
export const browserMethod: SignInMethod = {
  name: "browser",
  needs: [],
  how: "in a browser (Managed Login)",
  loginOption: "--browser",
  refresh: browserRefreshMethod,
  async signIn(context) {
    const { settings, client } = await managedLoginClient(context);
    const browser = context.inputs.browser ?? {};
    const { signInWithBrowser } = await import("../browser_sign_in.ts");
    context.reporter.step(
      "Signing in through the User Pool's Managed Login pages in a " +
        "browser...",
    );
    return await signInWithBrowser({
      ...client,
      callbackPort: Number(settings.callbackPort ?? DEFAULT_CALLBACK_PORT),
      identityProvider: browser.identityProvider,
      timeoutMs: browser.timeoutMs,
      openUrl: browser.openUrl,
      noBrowser: browser.noBrowser,
      readLine: browser.readRedirect,
      report: (line) => context.reporter.step(line),
    });
  },
};
