/**
 * `aws-cognito-auth login --browser` end to end, through the real CLI (a
 * fresh `deno run auth.ts` with a temporary HOME), moto for the Identity
 * Pool, and `oidc-provider-mock` on a loopback port standing in for the
 * pool's Managed Login domain (Cognito's paths, Cognito-shaped ID tokens
 * through `--user-claims`; it checks no PKCE verifier, which
 * `browser_sign_in_test.ts` proves against the zitadel example instead).
 *
 * `$BROWSER` is a script that only writes down the address it was given;
 * the test then plays the browser: a real headless Chromium once, plain
 * HTTP otherwise. Each test's name says what its stand-ins can and cannot
 * prove.
 *
 * @module
 */
import assert from "node:assert/strict";
import { userPoolIssuer } from "../lib/browser_sign_in.ts";
import { sessionFile } from "../lib/session_cache.ts";
import {
  DENO_DIR,
  makeTempHome,
  RUN_AUTH,
  type TempHome,
} from "./support/cli.ts";
import { type CognitoStack, createCognitoStack } from "./support/fixtures.ts";
import { type MotoServer, startMoto } from "./support/moto.ts";
import {
  browse,
  mockProviderForm,
  type Provider,
  startOidcProviderMock,
} from "./support/openid_providers.ts";
import { startChromium } from "./support/chromium.ts";
import { startProxyStack } from "./support/proxy_stack.ts";
import { awsCli, baseEnv, freePort, waitFor } from "./support/tools.ts";

const SUB = "0a1b2c3d-alice";

/** The claims that make the stand-in's ID tokens look like the pool's. */
function aliceClaims(stack: { userPoolId: string; clientId: string }) {
  return {
    sub: SUB,
    iss: userPoolIssuer("us-east-1", stack.userPoolId),
    // authlib makes `aud` a list; Cognito's is the client id.
    aud: stack.clientId,
    token_use: "id",
    "cognito:username": "alice",
    email: "alice@example.com",
  };
}

/** A running `auth.ts` whose stderr can be watched and stdin written. */
interface Running {
  stderr(): string;
  /** Waits until stderr matches `pattern`; returns the match. */
  waitForStderr(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Writes a line to its stdin and closes it. */
  answer(line: string): Promise<void>;
  /** Waits for it to end. */
  result(): Promise<{ code: number; stdout: string; stderr: string }>;
}

function spawnAuth(args: string[], env: Record<string, string>): Running {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...RUN_AUTH, ...args],
    env: { ...baseEnv(), DENO_DIR, ...env },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let stdout = "";
  let stderr = "";
  const collect = (
    stream: ReadableStream<Uint8Array>,
    add: (text: string) => void,
  ) => {
    const decoder = new TextDecoder();
    return stream.pipeTo(
      new WritableStream({
        write: (chunk) => add(decoder.decode(chunk, { stream: true })),
      }),
    );
  };
  const drained = Promise.all([
    collect(child.stdout, (t) => stdout += t),
    collect(child.stderr, (t) => stderr += t),
  ]);
  let stdinOpen = true;
  const closeStdin = async () => {
    if (!stdinOpen) return;
    stdinOpen = false;
    await child.stdin.close().catch(() => {});
  };
  return {
    stderr: () => stderr,
    async waitForStderr(pattern, ms = 30_000) {
      let match: RegExpMatchArray | null = null;
      await waitFor(
        () => Promise.resolve(!!(match = pattern.exec(stderr))),
        ms,
        50,
      );
      if (!match) {
        throw new Error(`stderr never matched ${pattern}:\n${stderr}`);
      }
      return match;
    },
    async answer(line) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(line + "\n"));
      writer.releaseLock();
      await closeStdin();
    },
    async result() {
      await closeStdin();
      const status = await child.status;
      await drained;
      return { code: status.code, stdout, stderr };
    },
  };
}

/** moto, a pool whose app client has a secret, the stand-in, a HOME. */
interface World extends AsyncDisposable {
  moto: MotoServer;
  stack: CognitoStack;
  provider: Provider;
  home: TempHome;
  port: number;
  /** The CLI's environment (no proxy function is reachable). */
  env: Record<string, string>;
  /** The addresses `$BROWSER` was asked to open so far. */
  opened(): Promise<string[]>;
  /** Waits for the `n`-th address `$BROWSER` was asked to open. */
  nthOpened(n: number): Promise<string>;
}

/**
 * A `$BROWSER` script in `home` that only notes each address it is asked to
 * open, and the addresses it noted so far, in order.
 */
async function notingBrowser(
  home: TempHome,
): Promise<{ script: string; opened(): Promise<string[]> }> {
  const script = `${home.dir}/browser.sh`;
  await Deno.writeTextFile(
    script,
    '#!/bin/sh\nprintf \'%s\\n\' "$1" >> "$HOME/opened"\n',
  );
  await Deno.chmod(script, 0o755);
  const opened = async () =>
    (await Deno.readTextFile(`${home.dir}/opened`).catch(() => ""))
      .split("\n").filter(Boolean);
  return { script, opened };
}

async function startWorld(): Promise<World> {
  const moto = await startMoto();
  const stack = await createCognitoStack(moto, { clientSecret: true });
  const provider = await startOidcProviderMock({
    users: [aliceClaims(stack)],
  });
  const home = await makeTempHome();
  const { script, opened } = await notingBrowser(home);
  const port = freePort();
  return {
    moto,
    stack,
    provider,
    home,
    port,
    env: {
      ...home.env,
      ...moto.env,
      ...stack.env,
      COGNITO_CLIENT_SECRET: stack.clientSecret!,
      COGNITO_MANAGED_LOGIN_DOMAIN: provider.origin,
      COGNITO_CALLBACK_PORT: String(port),
      BROWSER: script,
    },
    opened,
    async nthOpened(n) {
      let urls: string[] = [];
      await waitFor(
        async () => (urls = await opened()).length >= n,
        30_000,
        50,
      );
      assert.ok(urls.length >= n, `$BROWSER was not run ${n} time(s)`);
      return urls[n - 1];
    },
    async [Symbol.asyncDispose]() {
      await home.cleanup();
      await provider.stop();
      await moto.stop();
    },
  };
}

/** The bytes of a file, or undefined when there is none. */
async function bytesOf(path: string): Promise<string | undefined> {
  return await Deno.readTextFile(path).catch(() => undefined);
}

/** Whether the profile's saved sign-in exists. */
async function hasSession(world: World, profile: string): Promise<boolean> {
  const path = await sessionFile(world.home.env, profile);
  return await bytesOf(path!) !== undefined;
}

Deno.test("a real headless Chromium (oidc-provider-mock's form standing in for Managed Login; moto's Identity Pool does not check the token's signature): login --browser fills the form, follows the redirect to our listener, the profile lands and the real AWS CLI uses it; the session records the method and the domain", async () => {
  await using world = await startWorld();
  await using chromium = await startChromium();
  const run = spawnAuth(
    ["login", "--browser", "--profile", "web", "--no-lambda-proxy"],
    world.env,
  );
  const url = await world.nthOpened(1);
  assert.ok(run.stderr().includes(url), "the address is printed too");
  const tab = await chromium.open(url);
  await tab.waitUntil("document.querySelector('input[name=sub]')");
  await tab.evaluate(`(() => {
    const input = document.querySelector('input[name=sub]');
    input.value = ${JSON.stringify(SUB)};
    input.form.querySelector('button[type=submit]').click();
    return true;
  })()`);
  const result = await run.result();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "");
  await tab.waitUntil(
    "document.body && /Signed in/.test(document.body.innerText)",
  );
  assert.equal(new URL(await tab.url()).pathname, "/callback");

  const credentials = await Deno.readTextFile(world.home.credentialsFile);
  assert.match(credentials, /\[web\]\naws_access_key_id = /);
  const cli = await awsCli(
    ["sts", "get-caller-identity", "--profile", "web", "--output", "json"],
    { ...world.home.env, ...world.moto.env },
  );
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(JSON.parse(cli.stdout).Arn, /^arn:aws:/);

  const session = JSON.parse(
    await Deno.readTextFile((await sessionFile(world.home.env, "web"))!),
  );
  assert.equal(session.authFlow, "browser");
  assert.equal(session.managedLoginDomain, world.provider.origin);
  assert.equal(session.cognitoUsername, "alice");
  assert.equal(typeof session.refreshToken, "string");
  // The tokens stay out of the output and the page.
  const page = String(await tab.evaluate("document.documentElement.outerHTML"));
  for (const text of [result.stderr, page]) {
    assert.ok(!text.includes(session.refreshToken));
  }
});

Deno.test("plain HTTP as the browser, no real browser needed: a wrong state (60), an error= redirect (61), a timeout (63) and a port in use (64) each end with their exit code, a clear message and no file changed", async () => {
  await using world = await startWorld();
  await Deno.mkdir(`${world.home.dir}/.aws`);
  const before = "# mine\n[other]\naws_access_key_id = AKIAOTHER\n";
  await Deno.writeTextFile(world.home.credentialsFile, before);
  const login = (...extra: string[]) =>
    spawnAuth(
      ["login", "--browser", "--no-lambda-proxy", "--profile", "b", ...extra],
      world.env,
    );
  const unchanged = async (what: string) => {
    assert.equal(await bytesOf(world.home.credentialsFile), before, what);
    assert.equal(await bytesOf(world.home.configFile), undefined, what);
    assert.equal(await hasSession(world, "b"), false, what);
  };
  const callback = `http://127.0.0.1:${world.port}/callback`;

  const forged = login();
  await world.nthOpened(1);
  const page = await fetch(`${callback}?code=c&state=forged`);
  assert.equal(page.status, 400);
  await page.body?.cancel();
  let result = await forged.result();
  assert.equal(result.code, 60, result.stderr);
  assert.match(result.stderr, /state is not the one this sign-in sent/);
  await unchanged("wrong state");

  const refused = login();
  const state = new URL(await world.nthOpened(2)).searchParams.get("state")!;
  await (await fetch(
    `${callback}?error=access_denied&error_description=User+cancelled&state=${state}`,
  )).body?.cancel();
  result = await refused.result();
  assert.equal(result.code, 61, result.stderr);
  assert.match(result.stderr, /access_denied: User cancelled/);
  await unchanged("error redirect");

  result = await login("--timeout", "1").result();
  assert.equal(result.code, 63, result.stderr);
  assert.match(result.stderr, /did not finish within 1 s/);
  await unchanged("timeout");

  {
    using _taken = Deno.listen({ hostname: "127.0.0.1", port: world.port });
    result = await login().result();
  }
  assert.equal(result.code, 64, result.stderr);
  assert.match(result.stderr, /callback_port/);
  assert.match(result.stderr, /--callback-port/);
  assert.equal((await world.opened()).length, 3, "no browser for port in use");
  await unchanged("port in use");
  assert.ok(!result.stderr.includes(state));
});

Deno.test("--no-browser (oidc-provider-mock's pages walked with plain HTTP on 'another machine'): the address is printed, nothing is opened or listened on, the pasted redirected address (one stdin line) signs in and the profile lands", async () => {
  await using world = await startWorld();
  using _busy = Deno.listen({ hostname: "127.0.0.1", port: world.port });
  const run = spawnAuth(
    ["login", "--no-browser", "--profile", "ssh", "--no-lambda-proxy"],
    world.env,
  );
  const [url] = await run.waitForStderr(
    new RegExp(`${world.provider.origin}/oauth2/authorize\\?\\S+`),
  );
  await run.waitForStderr(/Paste that whole address/);
  const visit = await browse(url, mockProviderForm(SUB), {
    stopAtCallback: true,
  });
  assert.match(visit.finalUrl, /^http:\/\/localhost:\d+\/callback\?code=/);
  await run.answer(visit.finalUrl);
  const result = await run.result();
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await world.opened(), []);
  assert.match(
    await Deno.readTextFile(world.home.credentialsFile),
    /\[ssh\]\naws_access_key_id = /,
  );
});

/**
 * A relay in front of oidc-provider-mock: its refresh grant answers without
 * an `id_token`, where Cognito's carries a new one. After the mock accepted
 * a refresh token, the relay gets a new ID token of the same user from the
 * mock itself (its code flow) and adds it to the answer.
 */
function refreshRelay(provider: Provider, clientId: string) {
  let refreshes = 0;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen: () => {},
  }, async (request) => {
    const url = new URL(request.url);
    const body = request.method === "POST" ? await request.text() : undefined;
    const headers = new Headers(request.headers);
    headers.delete("host");
    const forward = (path: string, init: RequestInit) =>
      fetch(`${provider.origin}${path}`, { redirect: "manual", ...init });
    const answer = await forward(url.pathname + url.search, {
      method: request.method,
      headers,
      body,
    });
    const form = new URLSearchParams(body ?? "");
    if (
      url.pathname !== "/oauth2/token" ||
      form.get("grant_type") !== "refresh_token" || answer.status !== 200
    ) return answer;
    refreshes++;
    const tokens = await answer.json();
    const redirect = "http://localhost:9/callback";
    const authorize = new URL(`${provider.origin}/oauth2/authorize`);
    authorize.search = new URLSearchParams({
      response_type: "code",
      client_id: clientId,
      redirect_uri: redirect,
      scope: "openid email profile",
      state: "relay",
    }).toString();
    const visit = await browse(authorize.href, mockProviderForm(SUB), {
      stopAtCallback: true,
    });
    const code = new URL(visit.finalUrl).searchParams.get("code")!;
    const fresh = await forward("/oauth2/token", {
      method: "POST",
      headers,
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: redirect,
      }).toString(),
    }).then((r) => r.json());
    return Response.json({ ...tokens, id_token: fresh.id_token });
  });
  return {
    origin: `http://127.0.0.1:${server.addr.port}`,
    refreshes: () => refreshes,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("refresh through the token endpoint (oidc-provider-mock accepts and revokes refresh tokens; a relay adds the new ID token its refresh answer lacks): credential-process and a repeated login --browser refresh without opening a browser; once revoked, credential-process with no terminal is exit 19, opens no browser and changes no file", async () => {
  await using world = await startWorld();
  await using relay = refreshRelay(world.provider, world.stack.clientId);
  const env = { ...world.env, COGNITO_MANAGED_LOGIN_DOMAIN: relay.origin };

  const first = spawnAuth(
    ["login", "--browser", "--profile", "r", "--no-lambda-proxy"],
    env,
  );
  const visit = browse(await world.nthOpened(1), mockProviderForm(SUB));
  let result = await first.result();
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await visit).status, 200);

  // moto's Identity Pool credentials last 90 s: inside the 300 s window.
  const process = spawnAuth(["credential-process", "--profile", "r"], env);
  result = await process.result();
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).Version, 1);
  assert.match(result.stderr, /Refreshing the sign-in/);
  assert.equal(relay.refreshes(), 1);

  result = await spawnAuth(
    ["login", "--browser", "--profile", "r", "--no-lambda-proxy"],
    env,
  ).result();
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /no browser needed/);
  assert.equal(relay.refreshes(), 2);
  assert.equal((await world.opened()).length, 1, "no browser after the first");

  const revoked = await fetch(
    `${world.provider.origin}/users/${SUB}/revoke-tokens`,
    { method: "POST" },
  );
  await revoked.body?.cancel();
  const files = [
    await bytesOf(world.home.credentialsFile),
    await bytesOf((await sessionFile(world.home.env, "r"))!),
  ];
  result = await spawnAuth(["credential-process", "--profile", "r"], env)
    .result();
  assert.equal(result.code, 19, result.stderr);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /aws-cognito-auth login --browser --profile r/);
  assert.equal((await world.opened()).length, 1, "no browser opened");
  assert.deepEqual([
    await bytesOf(world.home.credentialsFile),
    await bytesOf((await sessionFile(world.home.env, "r"))!),
  ], files);
});

Deno.test("the proxy under the runtime emulator verifies the browser-issued ID token against the provider's keys (COGNITO_JWKS_URI over TLS; oidc-provider-mock with its key's kid in the header, as Cognito's tokens have), and refuses the stand-in's opaque access token (a real Managed Login access token is a pool-signed JWT that GetUser accepts: moto cannot show that); with the pool's own keys the same ID token is refused", async () => {
  const proxy = await startProxyStack();
  try {
    const { stack, tls } = proxy;
    const secret = "stand-in-client-secret";
    await using provider = await startOidcProviderMock({
      users: [aliceClaims(stack)],
      kid: true,
    });
    // The proxy fetches keys over https only: a TLS relay to /jwks.
    const jwks = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      cert: tls.certPem,
      key: tls.keyPem,
      onListen: () => {},
    }, () => fetch(`${provider.origin}/jwks`));
    const rie = await proxy.startFunction({
      COGNITO_JWKS_URI: `https://127.0.0.1:${jwks.addr.port}/jwks`,
    });
    try {
      await using home = await makeTempHome();
      const { script, opened } = await notingBrowser(home);
      const port = freePort();
      const loginWith = async (lambda: string, profile: string) => {
        const env: Record<string, string> = {
          ...proxy.loginEnv(home),
          AWS_ENDPOINT_URL_LAMBDA: lambda,
          COGNITO_CLIENT_SECRET: secret,
          COGNITO_MANAGED_LOGIN_DOMAIN: provider.origin,
          COGNITO_CALLBACK_PORT: String(port),
          BROWSER: script,
        };
        delete env.COGNITO_PASSWORD;
        const count = (await opened()).length;
        const run = spawnAuth(
          ["login", "--browser", "--profile", profile],
          env,
        );
        await waitFor(async () => (await opened()).length > count, 30_000, 50);
        await browse((await opened())[count], mockProviderForm(SUB));
        return await run.result();
      };
      const logs = (server: { output(): string }) =>
        server.output().split("\n").filter((l) => l.includes('"outcome"'))
          .map((l) => JSON.parse(l.slice(l.indexOf("{"))));

      let result = await loginWith(rie.endpoint, "p");
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /credential proxy could not upgrade/);
      const [verified] = logs(rie);
      assert.equal(verified.username, "alice", JSON.stringify(verified));
      assert.equal(verified.status, 401);
      assert.match(verified.outcome, /access token rejected/);

      result = await loginWith(proxy.rie.endpoint, "q");
      assert.equal(result.code, 0, result.stderr);
      const [refused] = logs(proxy.rie);
      assert.equal(refused.username, null, JSON.stringify(refused));
      assert.match(refused.outcome, /ID token rejected/);
    } finally {
      await rie.stop();
      await jwks.shutdown();
    }
  } finally {
    await proxy.stop();
  }
});
