/**
 * OpenID providers on loopback ports standing in for a User Pool's Managed
 * Login domain, and a plain-HTTP "browser" that walks their sign-in pages.
 *
 * Two stand-ins, because neither does everything Cognito does:
 *
 * - `oidc-provider-mock` (PyPI, in `.cache/venv`): serves Cognito's own paths
 *   (`/oauth2/authorize` with a real HTML form whose field is `sub`,
 *   `/oauth2/token`) and, through `--user-claims`, issues ID tokens shaped
 *   like Cognito's (`iss` = the pool's issuer, `aud`, `token_use`,
 *   `cognito:username`). It does NOT check the PKCE verifier (a wrong one
 *   still gets tokens), requires client authentication at the token endpoint
 *   (so only a confidential client works), and its refresh grant returns no
 *   `id_token` (Cognito's does).
 * - The zitadel/oidc v3 example server (Go module, `go install`ed into
 *   `.cache/bin/zitadel-oidc-example`): checks PKCE (S256) and has a public
 *   client (`native`, no secret), but serves `/auth` and `/oauth/token` under
 *   the issuer `http://localhost:<port>/`, and its ID tokens carry no
 *   `token_use`. A small relay here maps Cognito's paths onto its paths and
 *   records (and can alter) each token request. Its address comes from the
 *   `PORT` environment variable (it listens on every interface, `:<port>`;
 *   its issuer and the addresses it redirects to name `localhost`);
 *   `REDIRECT_URI` sets the redirect URIs its clients accept.
 *
 * @module
 */
import {
  CACHE_DIR,
  ensurePythonTools,
  exists,
  freePort,
  goInstall,
  VENV_DIR,
  VENV_PYTHON,
} from "./tools.ts";
import { listening, spawnServer } from "./server_process.ts";

/** Path of `oidc-provider-mock` in the venv. */
export const OIDC_PROVIDER_MOCK = `${VENV_DIR}/bin/oidc-provider-mock`;
/** The pinned zitadel/oidc version whose example server is built. */
export const ZITADEL_OIDC_VERSION = "v3.52.0";
/** Where the zitadel example server is installed. */
export const ZITADEL_EXAMPLE = `${CACHE_DIR}/bin/zitadel-oidc-example`;
/** The zitadel example's public (PKCE, no secret) client. */
export const ZITADEL_PUBLIC_CLIENT = "native";
/** A user of the zitadel example server (its built-in user store). */
export const ZITADEL_USER = {
  username: "test-user@localhost",
  password: "verysecure",
};

/** Installs the pinned zitadel example server unless it is there. */
export async function ensureZitadelExample(): Promise<string> {
  const stamp = `${ZITADEL_EXAMPLE}.version`;
  const have = await Deno.readTextFile(stamp).catch(() => "");
  if (await exists(ZITADEL_EXAMPLE) && have.trim() === ZITADEL_OIDC_VERSION) {
    return ZITADEL_EXAMPLE;
  }
  // `go install` names the binary after the package folder (`server`).
  const built = await goInstall(
    "github.com/zitadel/oidc/v3/example/server",
    ZITADEL_OIDC_VERSION,
  );
  await Deno.rename(built, ZITADEL_EXAMPLE);
  await Deno.writeTextFile(stamp, ZITADEL_OIDC_VERSION);
  return ZITADEL_EXAMPLE;
}

/** Makes sure `oidc-provider-mock` is in the venv. */
export async function ensureOidcProviderMock(): Promise<string> {
  if (!await exists(OIDC_PROVIDER_MOCK)) await ensurePythonTools();
  return OIDC_PROVIDER_MOCK;
}

/** A running stand-in provider. */
export interface Provider extends AsyncDisposable {
  /** The origin to use as `managed_login_domain`. */
  origin: string;
  /** Everything the provider printed so far. */
  output(): string;
  /** Stops it. */
  stop(): Promise<void>;
}

/**
 * `oidc-provider-mock` 0.3.4 signs ID tokens with no `kid` in the header,
 * where Cognito's always carry one and `aws-jwt-verify` (the proxy's
 * verifier) requires one. This runs it with its signing key's `kid` put in
 * the header (authlib does so when the JWT config names it); nothing else
 * changes.
 */
const MOCK_WITH_KID = `
import sys
from oidc_provider_mock import _app
from oidc_provider_mock.__main__ import run
original = _app.OpenIDCode.get_jwt_config
def with_kid(self, grant, client=None):
    config = original(self, grant, client)
    config["kid"] = config["key"]["kid"]
    return config
_app.OpenIDCode.get_jwt_config = with_kid
sys.argv[0] = "oidc-provider-mock"
run()
`;

/**
 * Starts `oidc-provider-mock` on 127.0.0.1 with predefined users whose claims
 * (each with `sub`) go into their ID tokens (claims named like the token's
 * own, `aud` or `exp`, replace them). `kid`: see {@linkcode MOCK_WITH_KID}.
 */
export async function startOidcProviderMock(
  options: { users?: Record<string, unknown>[]; kid?: boolean } = {},
): Promise<Provider> {
  const bin = await ensureOidcProviderMock();
  const port = freePort();
  const args = ["--port", String(port), "--host", "127.0.0.1"];
  for (const user of options.users ?? []) {
    args.push("--user-claims", JSON.stringify(user));
  }
  const env = { PYTHONWARNINGS: "ignore" };
  const server = options.kid
    ? spawnServer(VENV_PYTHON, ["-c", MOCK_WITH_KID, ...args], { env })
    : spawnServer(bin, args, { env });
  if (!await listening(port, 15_000)) {
    await server.stop();
    throw new Error(`oidc-provider-mock did not start:\n${server.output()}`);
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    output: server.output,
    stop: server.stop,
    [Symbol.asyncDispose]: server.stop,
  };
}

/** One token request that went through the zitadel relay. */
export interface TokenExchange {
  /** The form fields sent (as sent by our code, before any alteration). */
  sent: Record<string, string>;
  /** What zitadel answered. */
  status: number;
  /** Zitadel's answer, parsed (tokens included: the test's own eyes only). */
  answer: Record<string, unknown>;
}

/** The zitadel example server behind a relay that speaks Cognito's paths. */
export interface ZitadelProvider extends Provider {
  /** Zitadel's own issuer, `http://localhost:<port>/`. */
  issuer: string;
  /** The token requests seen so far. */
  tokenRequests: TokenExchange[];
  /** When set, changes the token request's form before it goes on. */
  alterTokenRequest?: (form: URLSearchParams) => void;
}

/**
 * Starts the zitadel example server accepting `redirectUris`, and a relay on
 * 127.0.0.1 serving `/oauth2/authorize` (a redirect to zitadel's `/auth`)
 * and `/oauth2/token` (forwarded to `/oauth/token`, recorded).
 */
export async function startZitadel(
  options: { redirectUris: string[] },
): Promise<ZitadelProvider> {
  const bin = await ensureZitadelExample();
  const port = freePort();
  const server = spawnServer(bin, [], {
    env: { PORT: String(port), REDIRECT_URI: options.redirectUris.join(",") },
  });
  if (!await listening(port, 15_000)) {
    await server.stop();
    throw new Error(`zitadel example did not start:\n${server.output()}`);
  }
  const upstream = `http://localhost:${port}`;
  const abort = new AbortController();
  const provider: ZitadelProvider = {
    origin: "",
    issuer: `${upstream}/`,
    tokenRequests: [],
    output: server.output,
    stop: async () => {
      abort.abort();
      await relay.finished.catch(() => {});
      await server.stop();
    },
    [Symbol.asyncDispose]: () => provider.stop(),
  };
  const relay = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    signal: abort.signal,
    onListen: () => {},
  }, async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/oauth2/authorize") {
      return Response.redirect(`${upstream}/auth${url.search}`, 302);
    }
    if (url.pathname === "/oauth2/token" && request.method === "POST") {
      const form = new URLSearchParams(await request.text());
      const sent = Object.fromEntries(form);
      provider.alterTokenRequest?.(form);
      const headers = new Headers({
        "content-type": "application/x-www-form-urlencoded",
      });
      const authorization = request.headers.get("authorization");
      if (authorization) headers.set("authorization", authorization);
      const response = await fetch(`${upstream}/oauth/token`, {
        method: "POST",
        headers,
        body: form.toString(),
      });
      const text = await response.text();
      let answer: Record<string, unknown> = {};
      try {
        answer = JSON.parse(text);
      } catch { /* not JSON */ }
      provider.tokenRequests.push({ sent, status: response.status, answer });
      return new Response(text, {
        status: response.status,
        headers: {
          "content-type": response.headers.get("content-type") ??
            "application/json",
        },
      });
    }
    return new Response("not found", { status: 404 });
  });
  provider.origin = `http://127.0.0.1:${relay.addr.port}`;
  return provider;
}

// --- a browser made of fetch ----------------------------------------------

/** How to answer a provider's sign-in form. */
export type FormAnswer = (page: { url: string; html: string }) => {
  action: string;
  method?: string;
  fields: Record<string, string>;
} | undefined;

/** Fills `oidc-provider-mock`'s form: the subject `sub`. */
export function mockProviderForm(sub: string): FormAnswer {
  return ({ url }) => ({ action: url, method: "POST", fields: { sub } });
}

/** Fills the zitadel example's login form. */
export function zitadelLoginForm(
  user: { username: string; password: string } = ZITADEL_USER,
): FormAnswer {
  return ({ url, html }) => {
    const id = /name="id" value="([^"]*)"/.exec(html)?.[1];
    if (!id) return undefined;
    return {
      action: new URL("/login/username", url).href,
      method: "POST",
      fields: { id, ...user },
    };
  };
}

/** What the plain-HTTP browser saw at the end. */
export interface BrowserVisit {
  /** The address it was sent to last (the callback, when all went well). */
  finalUrl: string;
  /** The status and text of the last page (the listener's page). */
  status: number;
  body: string;
}

/**
 * Acts as the browser with plain HTTP: opens `url`, follows redirects,
 * answers the first HTML page with `answer`, and follows on until a
 * `http://localhost:<port>/callback` address, which it opens (at
 * 127.0.0.1) unless `stopAtCallback`; returns what it saw.
 */
export async function browse(
  url: string,
  answer: FormAnswer,
  options: { stopAtCallback?: boolean } = {},
): Promise<BrowserVisit> {
  let current = url;
  let method = "GET";
  let body: string | undefined;
  let answered = false;
  for (let hop = 0; hop < 20; hop++) {
    const target = new URL(current);
    if (target.hostname === "localhost" && target.pathname === "/callback") {
      if (options.stopAtCallback) {
        return { finalUrl: current, status: 0, body: "" };
      }
      target.hostname = "127.0.0.1";
    }
    const response = await fetch(target, {
      method,
      redirect: "manual",
      body,
      headers: body
        ? { "content-type": "application/x-www-form-urlencoded" }
        : {},
    });
    const text = await response.text();
    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      current = new URL(location, current).href;
      method = "GET";
      body = undefined;
      continue;
    }
    if (!answered && response.status === 200 && /<form/i.test(text)) {
      const form = answer({ url: current, html: text });
      if (form) {
        answered = true;
        current = form.action;
        method = form.method ?? "POST";
        body = new URLSearchParams(form.fields).toString();
        continue;
      }
    }
    return { finalUrl: current, status: response.status, body: text };
  }
  throw new Error(`too many redirects from ${url}`);
}
