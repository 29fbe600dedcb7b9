/**
 * Browser sign-in (`lib/browser_sign_in.ts`) against OpenID providers on
 * loopback ports standing in for the Managed Login domain. Each test's name
 * says which stand-in it uses and what that stand-in can and cannot prove:
 * oidc-provider-mock serves Cognito's paths and Cognito-shaped ID tokens but
 * checks no PKCE verifier; the zitadel example checks the verifier (S256) but
 * issues no `token_use`. Most tests act as the browser with plain HTTP; one
 * uses a real headless Chromium.
 */
import assert from "node:assert/strict";
import {
  type BrowserSignInOptions,
  BrowserSignInRefusedError,
  BrowserSignInTimeoutError,
  CallbackPortInUseError,
  callbackUrl,
  checkIdTokenClaims,
  DEFAULT_SCOPES,
  IdTokenRejectedError,
  managedLoginOrigin,
  refreshBrowserSession,
  signInWithBrowser,
  StateMismatchError,
  TokenExchangeRefusedError,
  userPoolIssuer,
} from "../lib/browser_sign_in.ts";
import { ExitCode, InputRequiredError } from "../lib/errors.ts";
import { SessionExpiredError } from "../lib/errors.ts";
import {
  browse,
  type FormAnswer,
  mockProviderForm,
  type Provider,
  startOidcProviderMock,
  startZitadel,
  ZITADEL_PUBLIC_CLIENT,
  zitadelLoginForm,
  type ZitadelProvider,
} from "./support/openid_providers.ts";
import { startChromium } from "./support/chromium.ts";
import { freePort } from "./support/tools.ts";

const REGION = "us-east-1";
const POOL = "us-east-1_Browser1";
const ISSUER = userPoolIssuer(REGION, POOL);
const CLIENT = "browser-client-1";
const SECRET = "browser-client-secret-1";
const ALICE = {
  sub: "0a1b2c3d-alice",
  iss: ISSUER,
  token_use: "id",
  "cognito:username": "alice",
  email: "alice@example.com",
};

/** Lines reported to the user, kept for checks. */
function reporter() {
  const lines: string[] = [];
  return { lines, report: (line: string) => lines.push(line) };
}

/** Whether something listens on 127.0.0.1:`port`. */
async function listening(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

/** The parts of a JWT payload, for test checks. */
function claims(token: string): Record<string, unknown> {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "=".repeat((4 - part.length % 4) % 4)));
}

/** A fake JWT with the given claims (unsigned; for the claim checks). */
function fakeJwt(payload: Record<string, unknown>): string {
  const enc = (o: unknown) =>
    btoa(JSON.stringify(o)).replace(/=+$/, "").replace(/\+/g, "-").replace(
      /\//g,
      "_",
    );
  return `${enc({ alg: "RS256" })}.${enc(payload)}.sig`;
}

/** Rejects with what `promise` throws, for checks on the error. */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a failure");
}

/**
 * An opener that acts as a browser filling `form` at the address it is
 * given; the browser runs on after the opener returns, as a real one does.
 */
function browserFilling(form: FormAnswer): (url: string) => Promise<void> {
  return async (url) => {
    browse(url, form).catch(() => {});
    await Promise.resolve();
  };
}

/**
 * A sign-in as zitadel's public client, called back on `port`, with a
 * browser that fills zitadel's login form.
 */
function viaZitadel(
  zitadel: ZitadelProvider,
  port: number,
): BrowserSignInOptions {
  return {
    domain: zitadel.origin,
    clientId: ZITADEL_PUBLIC_CLIENT,
    issuer: zitadel.issuer,
    callbackPort: port,
    openUrl: browserFilling(zitadelLoginForm()),
  };
}

/**
 * A sign-in as the confidential client of oidc-provider-mock, called back
 * on `port`, with a browser that signs ALICE in.
 */
function viaMock(provider: Provider, port: number): BrowserSignInOptions {
  return {
    domain: provider.origin,
    clientId: CLIENT,
    clientSecret: SECRET,
    issuer: ISSUER,
    callbackPort: port,
    openUrl: browserFilling(mockProviderForm(ALICE.sub)),
  };
}

/** A sign-in where no provider listens, called back on `port`. */
function viaNowhere(port: number): BrowserSignInOptions {
  return {
    domain: "http://127.0.0.1:9",
    clientId: CLIENT,
    issuer: ISSUER,
    callbackPort: port,
  };
}

Deno.test("oidc-provider-mock (Cognito's paths and token claims, but no PKCE check): a confidential client signs in with the code flow; the address carries S256, state and the default scopes; the page says done and shows no token; the listener stops", async () => {
  await using provider = await startOidcProviderMock({ users: [ALICE] });
  const port = freePort();
  const { lines, report } = reporter();
  let authorizeUrl = "";
  let page = { status: 0, body: "" };
  const tokens = await signInWithBrowser({
    ...viaMock(provider, port),
    report,
    openUrl: async (url) => {
      authorizeUrl = url;
      // The browser: runs on after the opener returns, as a real one does.
      browse(url, mockProviderForm(ALICE.sub)).then((visit) => page = visit);
      await Promise.resolve();
    },
  });
  const url = new URL(authorizeUrl);
  assert.equal(
    url.origin + url.pathname,
    `${provider.origin}/oauth2/authorize`,
  );
  const params = url.searchParams;
  assert.equal(params.get("response_type"), "code");
  assert.equal(params.get("client_id"), CLIENT);
  assert.equal(params.get("redirect_uri"), callbackUrl(port));
  assert.equal(params.get("scope"), DEFAULT_SCOPES.join(" "));
  assert.equal(params.get("code_challenge_method"), "S256");
  assert.match(params.get("code_challenge")!, /^[\w-]{43}$/);
  assert.ok(params.get("state")!.length >= 22);
  assert.equal(params.get("identity_provider"), null);

  const id = claims(tokens.idToken);
  assert.equal(id.iss, ISSUER);
  assert.deepEqual([id.aud].flat(), [CLIENT]); // authlib: a list; Cognito: a string
  assert.equal(id["cognito:username"], "alice");
  assert.ok(tokens.accessToken && tokens.refreshToken);
  assert.equal(typeof tokens.expiresIn, "number");

  // The browser's page: done, no token; the listener is gone.
  for (let i = 0; i < 50 && page.status === 0; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.equal(page.status, 200);
  assert.match(page.body, /signed in/i);
  const secrets = [tokens.idToken, tokens.accessToken, tokens.refreshToken!];
  for (const secret of secrets) {
    assert.ok(!page.body.includes(secret));
    assert.ok(!lines.join("\n").includes(secret));
  }
  assert.ok(lines.includes(authorizeUrl), "the address is shown");
  assert.equal(await listening(port), false);
});

Deno.test("zitadel example (checks the PKCE verifier against the S256 challenge, public client; cannot issue token_use): our verifier matches our challenge, zitadel answers 200 with tokens, and our ID token check then refuses its token for lacking token_use (exit 65)", async () => {
  const port = freePort();
  await using zitadel = await startZitadel({
    redirectUris: [callbackUrl(port)],
  });
  const error = await failure(signInWithBrowser(viaZitadel(zitadel, port)));
  assert.equal(zitadel.tokenRequests.length, 1);
  const [exchange] = zitadel.tokenRequests;
  assert.equal(exchange.sent.grant_type, "authorization_code");
  assert.match(exchange.sent.code_verifier, /^[\w-]{43,128}$/);
  assert.equal(exchange.sent.client_secret, undefined);
  assert.equal(exchange.status, 200, JSON.stringify(exchange.answer.error));
  assert.equal(typeof exchange.answer.id_token, "string");
  assert.ok(error instanceof IdTokenRejectedError, String(error));
  assert.equal(error.exitCode, ExitCode.idTokenRejected);
  assert.match(error.message, /token_use/);
  assert.equal(await listening(port), false);
});

Deno.test("zitadel example (checks PKCE): a verifier altered on the way to the token endpoint is refused, so the 200 above really depended on it; exit 62, no token", async () => {
  const port = freePort();
  await using zitadel = await startZitadel({
    redirectUris: [callbackUrl(port)],
  });
  zitadel.alterTokenRequest = (form) => {
    const verifier = form.get("code_verifier")!;
    form.set(
      "code_verifier",
      (verifier[0] === "A" ? "B" : "A") + verifier.slice(1),
    );
  };
  const error = await failure(signInWithBrowser(viaZitadel(zitadel, port)));
  assert.ok(error instanceof TokenExchangeRefusedError, String(error));
  assert.equal(error.exitCode, ExitCode.tokenExchangeRefused);
  assert.equal(error.error, "invalid_grant");
  assert.equal(zitadel.tokenRequests[0].status, 400);
  assert.equal(zitadel.tokenRequests[0].answer.id_token, undefined);
});

Deno.test("wrong state (plain HTTP acting as the browser; no provider needed): exit 60, the page says it failed, and neither state is quoted", async () => {
  const port = freePort();
  let page = "";
  let sentState = "";
  const error = await failure(signInWithBrowser({
    ...viaNowhere(port),
    openUrl: async (url) => {
      sentState = new URL(url).searchParams.get("state")!;
      fetch(`http://127.0.0.1:${port}/callback?code=c1&state=forged-state-1`)
        .then((r) => r.text()).then((t) => page = t);
      await Promise.resolve();
    },
  }));
  assert.ok(error instanceof StateMismatchError, String(error));
  assert.equal(error.exitCode, 60);
  assert.ok(!error.message.includes(sentState));
  assert.ok(!error.message.includes("forged-state-1"));
  for (let i = 0; i < 50 && !page; i++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.match(page, /Sign-in failed/);
  assert.ok(!page.includes(sentState));
});

Deno.test("error= redirect (plain HTTP stands in for Managed Login answering access_denied with the right state): exit 61 naming the error; other paths are 404 and do not end the wait", async () => {
  const port = freePort();
  let stray = 0;
  const error = await failure(signInWithBrowser({
    ...viaNowhere(port),
    openUrl: async (url) => {
      const state = new URL(url).searchParams.get("state")!;
      stray = await fetch(`http://127.0.0.1:${port}/favicon.ico`)
        .then(async (r) => (await r.body?.cancel(), r.status));
      const back = new URL(`http://127.0.0.1:${port}/callback`);
      back.searchParams.set("error", "access_denied");
      back.searchParams.set("error_description", "User cancelled login");
      back.searchParams.set("state", state);
      fetch(back).then((r) => r.body?.cancel());
    },
  }));
  assert.equal(stray, 404);
  assert.ok(error instanceof BrowserSignInRefusedError, String(error));
  assert.equal(error.exitCode, 61);
  assert.equal(error.error, "access_denied");
  assert.match(error.message, /access_denied: User cancelled login/);
});

Deno.test("oidc-provider-mock: an authorization code it never issued (right state, plain HTTP) is refused at the token endpoint: exit 62", async () => {
  await using provider = await startOidcProviderMock({ users: [ALICE] });
  const port = freePort();
  const error = await failure(signInWithBrowser({
    ...viaMock(provider, port),
    openUrl: async (url) => {
      const state = new URL(url).searchParams.get("state")!;
      fetch(
        `http://127.0.0.1:${port}/callback?code=never-issued&state=${state}`,
      )
        .then((r) => r.body?.cancel());
      await Promise.resolve();
    },
  }));
  assert.ok(error instanceof TokenExchangeRefusedError, String(error));
  assert.equal(error.exitCode, 62);
  assert.equal(error.error, "invalid_grant");
});

Deno.test("timeout (no provider: nobody comes back): exit 63 after timeoutMs, and the port is free again", async () => {
  const port = freePort();
  const { lines, report } = reporter();
  const error = await failure(signInWithBrowser({
    ...viaNowhere(port),
    timeoutMs: 300,
    report,
    openUrl: () => Promise.resolve(),
  }));
  assert.ok(error instanceof BrowserSignInTimeoutError, String(error));
  assert.equal(error.exitCode, 63);
  assert.match(lines.join("\n"), /Waiting for the sign-in/);
  assert.equal(await listening(port), false);
});

Deno.test("port in use: exit 64 naming callback_port, before any browser is opened", async () => {
  const port = freePort();
  using _holder = Deno.listen({ hostname: "127.0.0.1", port });
  let opened = false;
  const error = await failure(signInWithBrowser({
    ...viaNowhere(port),
    openUrl: () => (opened = true, Promise.resolve()),
  }));
  assert.ok(error instanceof CallbackPortInUseError, String(error));
  assert.equal(error.exitCode, 64);
  assert.match(
    error.message,
    new RegExp(`port ${port} \\(setting callback_port\\)`),
  );
  assert.equal(opened, false);
});

Deno.test("an opener that fails is not fatal: the address was shown, and the sign-in still completes (oidc-provider-mock, plain HTTP)", async () => {
  await using provider = await startOidcProviderMock({ users: [ALICE] });
  const port = freePort();
  const { lines, report } = reporter();
  const tokens = await signInWithBrowser({
    ...viaMock(provider, port),
    identityProvider: "Google",
    report,
    openUrl: (url) => {
      assert.equal(
        new URL(url).searchParams.get("identity_provider"),
        "Google",
      );
      browse(url, mockProviderForm(ALICE.sub)).catch(() => {});
      return Promise.reject(new Error("no display"));
    },
  });
  assert.equal(claims(tokens.idToken).sub, ALICE.sub);
  assert.match(lines.join("\n"), /could not be opened|open the address/i);
});

Deno.test("--no-browser (oidc-provider-mock; plain HTTP walks the pages on 'another machine'): the pasted redirect address is exchanged, with the callback port busy (nothing listens); end of input is exit 13", async () => {
  await using provider = await startOidcProviderMock({ users: [ALICE] });
  const port = freePort();
  using _busy = Deno.listen({ hostname: "127.0.0.1", port });
  const { lines, report } = reporter();
  const tokens = await signInWithBrowser({
    ...viaMock(provider, port),
    noBrowser: true,
    report,
    openUrl: () => Promise.reject(new Error("must not open a browser")),
    readLine: async () => {
      const url = lines.find((line) => line.startsWith(provider.origin))!;
      const visit = await browse(url, mockProviderForm(ALICE.sub), {
        stopAtCallback: true,
      });
      return `  ${visit.finalUrl}  `;
    },
  });
  assert.equal(claims(tokens.idToken)["cognito:username"], "alice");

  const eof = await failure(signInWithBrowser({
    domain: provider.origin,
    clientId: CLIENT,
    issuer: ISSUER,
    noBrowser: true,
    readLine: () => Promise.resolve(null),
  }));
  assert.ok(eof instanceof InputRequiredError, String(eof));
  assert.equal(eof.exitCode, ExitCode.inputRequired);
});

Deno.test("refresh (oidc-provider-mock: its refresh grant returns no id_token where Cognito's does): the grant is accepted and the missing ID token is a clear exit 62; a revoked refresh token is exit 19", async () => {
  await using provider = await startOidcProviderMock({ users: [ALICE] });
  const port = freePort();
  const first = await signInWithBrowser(viaMock(provider, port));
  const config = {
    domain: provider.origin,
    clientId: CLIENT,
    clientSecret: SECRET,
    issuer: ISSUER,
    refreshToken: first.refreshToken!,
  };
  const noIdToken = await failure(refreshBrowserSession(config));
  assert.ok(noIdToken instanceof TokenExchangeRefusedError, String(noIdToken));
  assert.match(noIdToken.message, /no ID token/);

  const revoked = await fetch(
    `${provider.origin}/users/${ALICE.sub}/revoke-tokens`,
    { method: "POST" },
  );
  await revoked.body?.cancel();
  const expired = await failure(refreshBrowserSession(config));
  assert.ok(expired instanceof SessionExpiredError, String(expired));
  assert.equal(expired.exitCode, ExitCode.sessionExpired);
  assert.ok(!expired.message.includes(first.refreshToken!));
});

Deno.test("refresh (zitadel example, public client: returns a new ID token on refresh, without token_use): grant_type=refresh_token with no secret gets 200, and the new ID token is checked like the first (exit 65)", async () => {
  const port = freePort();
  await using zitadel = await startZitadel({
    redirectUris: [callbackUrl(port)],
  });
  // Sign in up to the exchange, then take the refresh token zitadel gave.
  await failure(signInWithBrowser({
    ...viaZitadel(zitadel, port),
    scopes: ["openid", "offline_access"],
  }));
  const refreshToken = zitadel.tokenRequests[0].answer.refresh_token;
  assert.equal(typeof refreshToken, "string");
  const error = await failure(refreshBrowserSession({
    domain: zitadel.origin,
    clientId: ZITADEL_PUBLIC_CLIENT,
    issuer: zitadel.issuer,
    refreshToken: refreshToken as string,
  }));
  const refresh = zitadel.tokenRequests[1];
  assert.equal(refresh.sent.grant_type, "refresh_token");
  assert.equal(refresh.sent.client_id, ZITADEL_PUBLIC_CLIENT);
  assert.equal(refresh.status, 200);
  assert.equal(typeof refresh.answer.id_token, "string");
  assert.ok(error instanceof IdTokenRejectedError, String(error));
  assert.match(error.message, /token_use/);
});

Deno.test("a real headless Chromium fills oidc-provider-mock's form and follows the redirect to the listener; its page says signed in and holds no token", async () => {
  await using provider = await startOidcProviderMock({ users: [ALICE] });
  await using chromium = await startChromium();
  const port = freePort();
  const tokens = await signInWithBrowser({
    ...viaMock(provider, port),
    timeoutMs: 60_000,
    openUrl: async (url) => {
      const tab = await chromium.open(url);
      await tab.waitUntil("document.querySelector('input[name=sub]')");
      await tab.evaluate(`(() => {
        const input = document.querySelector('input[name=sub]');
        input.value = ${JSON.stringify(ALICE.sub)};
        input.form.querySelector('button[type=submit]').click();
        return true;
      })()`);
    },
  });
  assert.equal(claims(tokens.idToken).sub, ALICE.sub);
  const [tab] = chromium.tabs;
  await tab.waitUntil(
    "document.body && /Signed in/.test(document.body.innerText)",
  );
  assert.equal(await tab.url().then((u) => new URL(u).pathname), "/callback");
  const text = String(await tab.evaluate("document.documentElement.outerHTML"));
  assert.ok(!text.includes(tokens.idToken));
  assert.ok(!text.includes(tokens.accessToken));
});

Deno.test("checkIdTokenClaims: iss, aud, token_use and expiry (time injected), never quoting the token", () => {
  const good = {
    iss: ISSUER,
    aud: CLIENT,
    token_use: "id",
    exp: 2_000_000_000,
    sub: "u1",
  };
  const expected = { issuer: ISSUER, clientId: CLIENT };
  const before = new Date(1_999_999_999_000);
  assert.equal(checkIdTokenClaims(fakeJwt(good), expected, before).sub, "u1");
  const cases: [Record<string, unknown>, RegExp][] = [
    [
      { ...good, iss: userPoolIssuer(REGION, "us-east-1_Other") },
      /not by this User Pool/,
    ],
    [{ ...good, aud: "another-client" }, /another app client/],
    [{ ...good, token_use: "access" }, /token_use "access"/],
    [{ ...good, token_use: undefined }, /token_use none/],
    [{ ...good, exp: undefined }, /no expiry/],
  ];
  for (const [payload, message] of cases) {
    const token = fakeJwt(payload);
    assert.throws(
      () => checkIdTokenClaims(token, expected, before),
      (e: Error) =>
        e instanceof IdTokenRejectedError && message.test(e.message) &&
        !e.message.includes(token),
    );
  }
  assert.throws(
    () =>
      checkIdTokenClaims(fakeJwt(good), expected, new Date(2_000_000_000_000)),
    /expired/,
  );
  assert.throws(() => checkIdTokenClaims("not-a-jwt", expected, before), /JWT/);
});

Deno.test("managedLoginOrigin: https origins (path dropped, as from managed_login_url), http only for loopback hosts", () => {
  assert.equal(
    managedLoginOrigin(
      "https://my-app.auth.us-east-1.amazoncognito.com/login?client_id=x",
    ),
    "https://my-app.auth.us-east-1.amazoncognito.com",
  );
  assert.equal(
    managedLoginOrigin("http://localhost:9400/"),
    "http://localhost:9400",
  );
  for (
    const bad of [
      "http://auth.example.com",
      "ftp://x",
      "nope",
      "https://u:p@x.com",
    ]
  ) {
    assert.throws(
      () => managedLoginOrigin(bad),
      (e: Error) => (e as { exitCode?: number }).exitCode === ExitCode.config,
    );
  }
});
