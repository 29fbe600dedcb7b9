/**
 * The proxy handler against a local HTTPS JWKS endpoint (test CA, test RSA
 * key) and moto's STS (through a small recording relay, so the tests see
 * exactly what was sent to STS and with which key it was signed). Tokens
 * here are signed with the test key, which moto's Cognito does not know, so
 * the GetUser revocation check is answered by a stand-in (named in each
 * test); lambda_runtime_test.ts checks it against moto's real GetUser.
 */
import assert from "node:assert/strict";
import { SimpleFetcher } from "aws-jwt-verify/https";
import { loadProxyConfig, type ProxyConfig } from "../lambda/config.ts";
import {
  handleInvocation,
  handleProxyRequest,
  MAX_REQUEST_BYTES,
  type ProxyDeps,
  UNAUTHORIZED_MESSAGE,
} from "../lambda/handler.ts";
import {
  createSessionChecker,
  type SessionChecker,
} from "../lambda/session_check.ts";
import {
  type AssumeRoleRequest,
  createStsRoleAssumer,
  DurationTooLongError,
  type RoleAssumer,
  roleSessionName,
} from "../lambda/sts.ts";
import { createIdTokenVerifier } from "../lambda/token.ts";
import { makeSigner, startJwksServer, unsignedToken } from "./support/jwks.ts";
import { startMoto } from "./support/moto.ts";
import { makeTestTls } from "./support/tls.ts";

const POOL_ID = "us-east-1_TestPool1";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`;
const CLIENT_ID = "testclient0000000000000001";
const OTHER_CLIENT_ID = "testclient0000000000000002";
const ROLE = "arn:aws:iam::123456789012:role/CognitoLongLived";
const EXTRA_ROLE = "arn:aws:iam::123456789012:role/CognitoReadOnly";
const IAM_KEY_ID = "AKIAPROXYUSER0000001";
const IAM_SECRET = "proxy-user-secret-5e2b1c0d9a8f7e6d5c4b3a2";

const tls = await makeTestTls();
const signer = await makeSigner("pool-key-1");
const otherPoolSigner = await makeSigner("other-pool-key");
const impostor = await makeSigner("pool-key-1"); // same kid, different key
const jwks = startJwksServer({
  tls,
  poolId: POOL_ID,
  keys: [signer.publicJwk],
});
const moto = await startMoto();

/** What the relay saw of each STS call. */
const stsCalls: { authorization: string; form: URLSearchParams }[] = [];
const relay = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  async (request) => {
    const body = await request.text();
    stsCalls.push({
      authorization: request.headers.get("authorization") ?? "",
      form: new URLSearchParams(body),
    });
    const headers = new Headers(request.headers);
    headers.delete("host");
    const answer = await fetch(
      moto.endpoint + new URL(request.url).pathname,
      { method: request.method, headers, body },
    );
    return new Response(await answer.arrayBuffer(), {
      status: answer.status,
      headers: answer.headers,
    });
  },
);
const STS_ENDPOINT = `http://127.0.0.1:${relay.addr.port}`;
// Stops moto when the file ends; the servers in this process end with it,
// and the test CA removes its files then.
globalThis.addEventListener("unload", () => void moto.stop());

const assertEquals = (actual: unknown, expected: unknown, message?: string) =>
  assert.deepEqual(actual, expected, message);
const assertMatch = (text: string, pattern: RegExp) =>
  assert.match(text, pattern);
const assertStringIncludes = (text: string, part: string) =>
  assert.ok(
    text.includes(part),
    `expected ${JSON.stringify(text)} to include ${JSON.stringify(part)}`,
  );

/** The function's settings for one app client, JWKS from `jwksUri`. */
function oneClientEnv(jwksUri: string): Record<string, string> {
  return {
    AWS_REGION: "us-east-1",
    COGNITO_USER_POOL_ID: POOL_ID,
    COGNITO_CLIENT_ID: CLIENT_ID,
    DEFAULT_ROLE_ARN: ROLE,
    IAM_USER_ACCESS_KEY_ID: IAM_KEY_ID,
    IAM_USER_SECRET_ACCESS_KEY: IAM_SECRET,
    COGNITO_JWKS_URI: jwksUri,
  };
}

const config: ProxyConfig = loadProxyConfig({
  AWS_REGION: "us-east-1",
  COGNITO_USER_POOL_ID: POOL_ID,
  COGNITO_CLIENT_IDS: `${CLIENT_ID}, ${OTHER_CLIENT_ID}`,
  DEFAULT_ROLE_ARN: ROLE,
  ALLOWED_ROLE_ARNS: EXTRA_ROLE,
  IAM_USER_ACCESS_KEY_ID: IAM_KEY_ID,
  IAM_USER_SECRET_ACCESS_KEY: IAM_SECRET,
  COGNITO_JWKS_URI: jwks.url,
});

/**
 * aws-jwt-verify's own https fetcher, told to trust the test CA (the process
 * running the tests cannot use NODE_EXTRA_CA_CERTS: it is read once per
 * process; the runtime test proves that path in a fresh process).
 */
const testFetcher = new SimpleFetcher({
  defaultRequestOptions: { ca: tls.caPem },
});

/** One verifier for the whole file, like one per Lambda process. */
const sharedVerifier = createIdTokenVerifier(config, {
  fetcher: testFetcher,
});

/** For requests without an access token: nothing may ask Cognito. */
const noGetUser: SessionChecker = {
  check: () => Promise.reject(new Error("GetUser must not be called")),
};

/**
 * A stand-in for Cognito's GetUser (moto does not know the test key's
 * tokens): answers what `getUserAnswer` says and records each request.
 */
let getUserAnswer: () => Response = () => Response.json({ Username: "alice" });
const getUserCalls: { headers: Headers; body: string }[] = [];
const getUserServer = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  async (request) => {
    getUserCalls.push({ headers: request.headers, body: await request.text() });
    return getUserAnswer();
  },
);
const getUserStandIn = createSessionChecker({
  cognitoEndpoint: `http://127.0.0.1:${getUserServer.addr.port}`,
});
const realSts = createStsRoleAssumer(config, { endpoint: STS_ENDPOINT });

interface Harness {
  deps: ProxyDeps;
  logs: string[];
}

function harness(overrides: Partial<ProxyDeps> = {}): Harness {
  const logs: string[] = [];
  return {
    logs,
    deps: {
      config,
      verifier: sharedVerifier,
      sts: realSts,
      sessions: noGetUser,
      now: () => new Date(),
      log: (line) => logs.push(line),
      ...overrides,
    },
  };
}

/**
 * Sends the two tokens to the handler with the GetUser stand-in as its
 * session check, counting GetUser and STS calls from zero.
 */
async function withGetUser(idToken: string, accessToken: string) {
  getUserCalls.length = 0;
  stsCalls.length = 0;
  const { deps, logs } = harness({ sessions: getUserStandIn });
  const response = await handleProxyRequest(
    { id_token: idToken, access_token: accessToken },
    deps,
  );
  return { response, logs };
}

function claims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: "7d8ca528-4931-4254-9273-ea5ee853f271",
    aud: CLIENT_ID,
    iss: ISSUER,
    token_use: "id",
    "cognito:username": "alice",
    auth_time: now,
    iat: now,
    exp: now + 3600,
    ...overrides,
  };
}

function body(response: { body: string }) {
  return JSON.parse(response.body);
}

/** Secrets that must never appear in a log line or an error body. */
function assertNoSecrets(texts: string[], secrets: string[]) {
  for (const text of texts) {
    for (const secret of [IAM_SECRET, ...secrets]) {
      assert(
        !text.includes(secret),
        `a secret leaked into: ${text.slice(0, 80)}...`,
      );
    }
  }
}

Deno.test("handler: a valid ID token gets role credentials from STS, signed with the IAM user's keys, for the requested duration", async () => {
  const { deps, logs } = harness();
  const token = await signer.sign(claims());
  stsCalls.length = 0;
  const before = Date.now();
  const response = await handleProxyRequest(
    { id_token: token, duration_seconds: 8 * 3600 },
    deps,
    { requestId: "req-1" },
  );
  assertEquals(response.statusCode, 200);
  const creds = body(response);
  assertEquals(creds.username, "alice");
  assertEquals(creds.user_id, "7d8ca528-4931-4254-9273-ea5ee853f271");
  assertMatch(creds.access_key_id, /^ASIA/);
  assert(creds.secret_access_key.length > 20);
  assert(creds.session_token.length > 20);
  assertMatch(creds.expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  const lifetime = (Date.parse(creds.expiration) - before) / 1000;
  assert(Math.abs(lifetime - 8 * 3600) < 120, `lifetime ${lifetime}`);

  assertEquals(stsCalls.length, 1);
  const [call] = stsCalls;
  assertStringIncludes(call.authorization, `Credential=${IAM_KEY_ID}/`);
  assertEquals(call.form.get("Action"), "AssumeRole");
  assertEquals(call.form.get("RoleArn"), ROLE);
  assertEquals(
    call.form.get("RoleSessionName"),
    await roleSessionName("alice"),
  );
  assertMatch(
    call.form.get("RoleSessionName")!,
    /^CognitoAuth-alice-[0-9a-f]{16}$/,
  );
  assertEquals(call.form.get("DurationSeconds"), String(8 * 3600));
  const tags = Object.fromEntries(
    [1, 2, 3].map((n) => [
      call.form.get(`Tags.member.${n}.Key`),
      call.form.get(`Tags.member.${n}.Value`),
    ]),
  );
  assertEquals(tags, {
    CognitoUsername: "alice",
    CognitoSubject: "7d8ca528-4931-4254-9273-ea5ee853f271",
    Source: "cognito-credential-proxy",
  });

  assertEquals(logs.length, 1);
  assertEquals(JSON.parse(logs[0]), {
    requestId: "req-1",
    username: "alice",
    status: 200,
    outcome:
      "issued without an access token (ACCESS_TOKEN_CHECK=allow-missing)",
  });
  assertNoSecrets(logs, [
    token,
    creds.secret_access_key,
    creds.session_token,
    creds.access_key_id,
  ]);
});

Deno.test("handler: accepts the API Gateway shape (request JSON in a body string, plain or base64)", async () => {
  const { deps } = harness();
  const token = await signer.sign(claims());
  const json = JSON.stringify({ id_token: token, duration_seconds: 3600 });
  const plain = await handleProxyRequest({ body: json }, deps);
  assertEquals(plain.statusCode, 200);
  const encoded = await handleProxyRequest(
    { body: btoa(json), isBase64Encoded: true },
    deps,
  );
  assertEquals(encoded.statusCode, 200);
  assertEquals(body(encoded).username, "alice");
});

Deno.test("handler: accepts the original proxy's request shape, honouring a role_arn from the allow-list", async () => {
  const { deps } = harness();
  const token = await signer.sign(claims());
  stsCalls.length = 0;
  const response = await handleInvocation(
    JSON.stringify({
      id_token: token,
      duration_seconds: 43200,
      role_arn: EXTRA_ROLE,
    }),
    deps,
  );
  assertEquals(response.statusCode, 200);
  assertEquals(stsCalls[0].form.get("RoleArn"), EXTRA_ROLE);
  assertEquals(stsCalls[0].form.get("DurationSeconds"), "43200");
});

Deno.test("handler: a role_arn outside the allow-list gets 403 and STS is never called", async () => {
  const { deps, logs } = harness();
  const token = await signer.sign(claims());
  stsCalls.length = 0;
  const response = await handleProxyRequest({
    id_token: token,
    role_arn: "arn:aws:iam::123456789012:role/Admin",
  }, deps);
  assertEquals(response.statusCode, 403);
  assertEquals(body(response).error, "Forbidden");
  assertEquals(stsCalls.length, 0);
  assertNoSecrets([...logs, response.body], [token]);
});

Deno.test("handler: every kind of bad token gets 401 with one generic message (the reason only in the log line), and never reaches STS", async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const valid = await signer.sign(claims());
  const [header, payload] = valid.split(".");
  const tampered = `${header}.${
    btoa(JSON.stringify(claims({ "cognito:username": "admin" })))
      .replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_")
  }.${valid.split(".")[2]}`;
  const cases: [string, () => Promise<string>, string][] = [
    [
      "forged signature (payload changed after signing)",
      () => Promise.resolve(tampered),
      "bad signature",
    ],
    [
      "signed by an impostor key with the pool's kid",
      () => impostor.sign(claims()),
      "bad signature",
    ],
    [
      "alg none (empty signature)",
      () => Promise.resolve(unsignedToken(claims(), signer.kid)),
      "malformed",
    ],
    ["alg none with the original signature kept", () =>
      Promise.resolve(
        `${unsignedToken(claims(), signer.kid).split(".")[0]}.${payload}.${
          valid.split(".")[2]
        }`,
      ), "algorithm"],
    [
      "another pool's key",
      () => otherPoolSigner.sign(claims()),
      "unknown signing key",
    ],
    [
      "wrong audience",
      () => signer.sign(claims({ aud: "someoneelsesclient" })),
      "wrong audience",
    ],
    ["wrong issuer", () =>
      signer.sign(
        claims({
          iss: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other",
        }),
      ), "wrong issuer"],
    [
      "expired",
      () => signer.sign(claims({ iat: now - 7200, exp: now - 60 })),
      "expired",
    ],
    [
      "no expiry at all",
      () => signer.sign(claims({ exp: undefined })),
      "no expiry",
    ],
    ["an access token", () =>
      signer.sign({
        ...claims({ token_use: "access", aud: undefined }),
        client_id: CLIENT_ID,
        username: "alice",
      }), "wrong audience"],
    [
      "token_use access with a matching aud",
      () => signer.sign(claims({ token_use: "access" })),
      "not an ID token",
    ],
    [
      "no cognito:username",
      () => signer.sign(claims({ "cognito:username": undefined })),
      "user name",
    ],
    ["not a JWT", () => Promise.resolve("not-a-jwt"), "malformed"],
    ["garbage in three parts", () => Promise.resolve("a.b.c"), "malformed"],
  ];
  for (const [name, makeToken, reason] of cases) {
    await t.step(name, async () => {
      const { deps, logs } = harness();
      const token = await makeToken();
      stsCalls.length = 0;
      const response = await handleProxyRequest({ id_token: token }, deps);
      assertEquals(response.statusCode, 401, response.body);
      const answer = body(response);
      assertEquals(answer, {
        error: "Unauthorized",
        message: UNAUTHORIZED_MESSAGE,
      });
      assertStringIncludes(JSON.parse(logs[0]).outcome, reason);
      assertEquals(stsCalls.length, 0);
      assertEquals(JSON.parse(logs[0]).username, null);
      assertNoSecrets([...logs, response.body], [token]);
    });
  }
});

Deno.test("handler: the clock passed in is also applied to expiry", async () => {
  const token = await signer.sign(claims());
  const { deps, logs } = harness({
    verifier: createIdTokenVerifier(config, {
      now: () => new Date(Date.now() + 2 * 3600_000),
      fetcher: testFetcher,
    }),
  });
  const response = await handleProxyRequest({ id_token: token }, deps);
  assertEquals(response.statusCode, 401);
  assertStringIncludes(JSON.parse(logs[0]).outcome, "expired");
});

Deno.test("handler: MAX_TOKEN_LIFETIME_SECONDS lowers the longest token lifetime accepted: with 3600, a two-hour token the default accepts gets 401 and a one-hour token is issued", async () => {
  const short = loadProxyConfig({
    ...oneClientEnv(jwks.url),
    MAX_TOKEN_LIFETIME_SECONDS: "3600",
  });
  const now = Math.floor(Date.now() / 1000);
  const twoHours = await signer.sign(claims({ iat: now, exp: now + 7200 }));
  const oneHour = await signer.sign(claims({ iat: now, exp: now + 3600 }));
  const send = async (token: string, proxyConfig: ProxyConfig) => {
    const { deps, logs } = harness({
      config: proxyConfig,
      verifier: createIdTokenVerifier(proxyConfig, { fetcher: testFetcher }),
    });
    stsCalls.length = 0;
    const response = await handleProxyRequest({ id_token: token }, deps);
    return { response, logs, sts: stsCalls.length };
  };

  const refused = await send(twoHours, short);
  assertEquals(refused.response.statusCode, 401);
  assertEquals(body(refused.response).message, UNAUTHORIZED_MESSAGE);
  assertStringIncludes(
    JSON.parse(refused.logs[0]).outcome,
    "lifetime too long",
  );
  assertEquals(refused.sts, 0);

  // The control: the same two-hour token under the default (one day), and a
  // token within the lowered maximum.
  assertEquals((await send(twoHours, config)).response.statusCode, 200);
  const issued = await send(oneHour, short);
  assertEquals(issued.response.statusCode, 200, issued.response.body);
  assertEquals(issued.sts, 1);
});

Deno.test("handler: oversized, non-JSON and malformed requests get 400", async (t) => {
  const token = await signer.sign(claims());
  const huge = "x".repeat(MAX_REQUEST_BYTES + 1);
  const raw: [string, string][] = [
    ["an oversized payload", JSON.stringify({ id_token: huge })],
    ["a payload that is not JSON", "id_token=abc"],
    ["an empty payload", ""],
  ];
  for (const [name, payload] of raw) {
    await t.step(name, async () => {
      const { deps } = harness();
      const response = await handleInvocation(payload, deps);
      assertEquals(response.statusCode, 400);
      assertEquals(body(response).error, "BadRequest");
    });
  }
  const events: [string, unknown][] = [
    ["an oversized event", { id_token: huge }],
    ["an oversized API Gateway body", {
      body: JSON.stringify({ id_token: huge }),
    }],
    ["an API Gateway body that is not JSON", { body: "id_token=abc" }],
    ["a body that is not base64", { body: "%%%", isBase64Encoded: true }],
    ["no id_token", { duration_seconds: 3600 }],
    ["an empty id_token", { id_token: "" }],
    ["an id_token that is not a string", { id_token: 42 }],
    ["a duration that is not a number", {
      id_token: token,
      duration_seconds: "12h",
    }],
    ["a role_arn that is not a string", { id_token: token, role_arn: 7 }],
    ["an array", [token]],
    ["null", null],
    ["a string", token],
  ];
  for (const [name, event] of events) {
    await t.step(name, async () => {
      const { deps, logs } = harness();
      stsCalls.length = 0;
      const response = await handleProxyRequest(event, deps);
      assertEquals(response.statusCode, 400, response.body);
      assertEquals(body(response).error, "BadRequest");
      assertEquals(stsCalls.length, 0);
      assertNoSecrets([...logs, response.body], [token]);
    });
  }
});

Deno.test("handler: durations outside 900..43200 are clamped, not refused", async () => {
  const token = await signer.sign(claims());
  const cases: [unknown, string][] = [
    [60, "900"],
    [-5, "900"],
    [1e9, "43200"],
    [7200.7, "7200"],
    [undefined, "43200"],
  ];
  for (const [requested, sent] of cases) {
    const { deps } = harness();
    stsCalls.length = 0;
    const response = await handleProxyRequest(
      { id_token: token, duration_seconds: requested },
      deps,
    );
    assertEquals(response.statusCode, 200);
    assertEquals(stsCalls[0].form.get("DurationSeconds"), sent);
  }
});

/** A RoleAssumer that refuses durations above `maximum` like STS does. */
function roleWithMaximum(maximum: number, stated?: number) {
  const requests: AssumeRoleRequest[] = [];
  const sts: RoleAssumer = {
    assumeRole(request) {
      requests.push(request);
      if (request.durationSeconds > maximum) {
        return Promise.reject(new DurationTooLongError(stated));
      }
      return Promise.resolve({
        accessKeyId: "ASIASTUB",
        secretAccessKey: "stub-secret",
        sessionToken: "stub-token",
        expiration: new Date(Date.now() + request.durationSeconds * 1000),
      });
    },
  };
  return { sts, requests };
}

Deno.test("handler: when STS says the duration exceeds the role's maximum, it retries once at the maximum (stated by STS, else ROLE_MAX_SESSION_DURATION, else 3600)", async () => {
  const token = await signer.sign(claims());
  const durations = async (
    role: ReturnType<typeof roleWithMaximum>,
    roleConfig: ProxyConfig,
  ) => {
    const { deps } = harness({ sts: role.sts, config: roleConfig });
    const response = await handleProxyRequest(
      { id_token: token, duration_seconds: 43200 },
      deps,
    );
    return {
      status: response.statusCode,
      sent: role.requests.map((r) => r.durationSeconds),
    };
  };
  const configured = { ...config, retryDurationSeconds: 28800 };
  assertEquals(await durations(roleWithMaximum(28800), configured), {
    status: 200,
    sent: [43200, 28800],
  });
  assertEquals(await durations(roleWithMaximum(3600), config), {
    status: 200,
    sent: [43200, 3600],
  });
  assertEquals(await durations(roleWithMaximum(14400, 14400), config), {
    status: 200,
    sent: [43200, 14400],
  });
  // Only one retry: a stale ROLE_MAX_SESSION_DURATION does not loop.
  assertEquals(await durations(roleWithMaximum(7200), configured), {
    status: 500,
    sent: [43200, 28800],
  });
});

Deno.test("handler: an STS failure gives 500 naming STS's error code, without secrets", async () => {
  const token = await signer.sign(claims());
  const sts: RoleAssumer = {
    assumeRole: () =>
      Promise.reject(
        Object.assign(new Error(`denied for ${IAM_SECRET}`), {
          name: "AccessDenied",
        }),
      ),
  };
  const { deps, logs } = harness({ sts });
  const response = await handleProxyRequest({ id_token: token }, deps);
  assertEquals(response.statusCode, 500);
  assertEquals(body(response).error, "InternalError");
  assertNoSecrets([...logs, response.body], [token]);

  // The real adapter against an STS that is not there.
  const unreachable = createStsRoleAssumer(config, {
    endpoint: "http://127.0.0.1:9",
  });
  const { deps: deps2 } = harness({ sts: unreachable });
  const response2 = await handleProxyRequest({ id_token: token }, deps2);
  assertEquals(response2.statusCode, 500);
  assertStringIncludes(body(response2).message, "NetworkError");
});

Deno.test("handler: an invocation past its deadline answers 500 instead of hanging", async () => {
  const token = await signer.sign(claims());
  const sts: RoleAssumer = { assumeRole: () => new Promise(() => {}) };
  const { deps } = harness({ sts });
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 50);
  const response = await handleProxyRequest({ id_token: token }, deps, {
    signal: controller.signal,
  });
  clearTimeout(timer);
  assertEquals(response.statusCode, 500);
});

Deno.test("verifier: the JWKS is fetched once and cached across invocations", async () => {
  const verifier = createIdTokenVerifier(config, { fetcher: testFetcher });
  const { deps } = harness({ verifier, sts: roleWithMaximum(43200).sts });
  const before = jwks.fetches();
  for (let i = 0; i < 3; i++) {
    const response = await handleProxyRequest(
      { id_token: await signer.sign(claims()) },
      deps,
    );
    assertEquals(response.statusCode, 200);
  }
  assertEquals(jwks.fetches() - before, 1);
});

Deno.test("verifier: keys only come over https, and keys that cannot be fetched give 500, not 401", async () => {
  const token = await signer.sign(claims());
  await using plainJwks = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    () => Response.json({ keys: [signer.publicJwk] }),
  );
  const httpUrl = `http://127.0.0.1:${plainJwks.addr.port}/jwks.json`;
  let refused = "";
  try {
    loadProxyConfig(oneClientEnv(httpUrl));
  } catch (error) {
    refused = (error as Error).message;
  }
  assertStringIncludes(refused, "https");
  // Even handed an http URL directly, aws-jwt-verify will not use it.
  const verifier = createIdTokenVerifier({
    ...config,
    jwksUris: Object.fromEntries(config.issuers.map((i) => [i, httpUrl])),
  });
  const { deps } = harness({ verifier });
  const response = await handleProxyRequest({ id_token: token }, deps);
  assertEquals(response.statusCode, 500);
  assertStringIncludes(body(response).message, "signing keys");

  // A JWKS server whose certificate is not trusted is not trusted.
  const untrusted = createIdTokenVerifier(config);
  const { deps: untrustedDeps } = harness({ verifier: untrusted });
  const untrustedResponse = await handleProxyRequest(
    { id_token: token },
    untrustedDeps,
  );
  assertEquals(untrustedResponse.statusCode, 500);
});

/** A JWKS server whose keys and availability the test changes. */
function rotatingJwks(keys: JsonWebKey[]) {
  const state = { keys, up: true, fetches: 0 };
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: tls.certPem,
    key: tls.keyPem,
    onListen() {},
  }, () => {
    state.fetches++;
    return state.up
      ? Response.json({ keys: state.keys })
      : new Response("down", { status: 503 });
  });
  const url = `https://127.0.0.1:${server.addr.port}/jwks.json`;
  return {
    state,
    config: {
      ...config,
      jwksUris: Object.fromEntries(config.issuers.map((i) => [i, url])),
    },
    close: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

Deno.test("verifier: the JWKS is fetched again once it is an hour old (injected clock), so a key removed from the pool stops working, and a refresh that fails refuses with 500 instead of trusting the old keys", async () => {
  await using jwksServer = rotatingJwks([signer.publicJwk]);
  let clock = Date.now();
  const now = () => new Date(clock);
  const verifier = createIdTokenVerifier(jwksServer.config, {
    fetcher: testFetcher,
    now,
  });
  const { deps, logs } = harness({
    verifier,
    sts: roleWithMaximum(43200).sts,
    config: jwksServer.config,
  });
  // Tokens issued "now" by the injected clock.
  const ask = async () => {
    const issued = Math.floor(clock / 1000);
    const token = await signer.sign(
      claims({ iat: issued, auth_time: issued, exp: issued + 3600 }),
    );
    return (await handleProxyRequest({ id_token: token }, deps)).statusCode;
  };

  assertEquals(await ask(), 200);
  clock += 59 * 60_000;
  assertEquals(await ask(), 200);
  assertEquals(jwksServer.state.fetches, 1, "no refresh within the hour");

  // The pool drops the key; an hour after the first fetch it is gone.
  jwksServer.state.keys = [otherPoolSigner.publicJwk];
  clock += 60_000;
  assertEquals(await ask(), 401);
  assertEquals(jwksServer.state.fetches, 2);
  assertStringIncludes(JSON.parse(logs.at(-1)!).outcome, "signing key");

  // The key comes back, then the JWKS cannot be fetched at its next
  // refresh: fail closed (500), and keep trying on each request.
  jwksServer.state.keys = [signer.publicJwk];
  clock += 3600_000;
  assertEquals(await ask(), 200);
  jwksServer.state.up = false;
  clock += 3600_000;
  const fetchesBefore = jwksServer.state.fetches;
  assertEquals(await ask(), 500);
  assertEquals(await ask(), 500);
  assert.ok(jwksServer.state.fetches > fetchesBefore + 1);
  jwksServer.state.up = true;
  assertEquals(await ask(), 200);
});

Deno.test("verifier: an unknown kid still fetches the JWKS at once (key rotation between scheduled refreshes)", async () => {
  const rotated = await makeSigner("pool-key-2");
  await using jwksServer = rotatingJwks([signer.publicJwk]);
  const verifier = createIdTokenVerifier(jwksServer.config, {
    fetcher: testFetcher,
  });
  const { deps } = harness({
    verifier,
    sts: roleWithMaximum(43200).sts,
    config: jwksServer.config,
  });
  const first = await handleProxyRequest(
    { id_token: await signer.sign(claims()) },
    deps,
  );
  assertEquals(first.statusCode, 200);
  jwksServer.state.keys = [signer.publicJwk, rotated.publicJwk];
  const second = await handleProxyRequest(
    { id_token: await rotated.sign(claims()) },
    deps,
  );
  assertEquals(second.statusCode, 200);
  assertEquals(jwksServer.state.fetches, 2);
});

/** Claims of an access token of the same user (as Cognito issues them). */
function accessClaims(overrides: Record<string, unknown> = {}) {
  const { aud: _aud, "cognito:username": _u, ...rest } = claims();
  return {
    ...rest,
    token_use: "access",
    client_id: CLIENT_ID,
    username: "alice",
    scope: "aws.cognito.signin.user.admin",
    ...overrides,
  };
}

Deno.test("handler (GetUser stand-in): with an access token of the same user that Cognito still honours, credentials are issued after one unsigned GetUser carrying that token", async () => {
  getUserAnswer = () => Response.json({ Username: "alice" });
  getUserCalls.length = 0;
  const { deps, logs } = harness({ sessions: getUserStandIn });
  const idToken = await signer.sign(claims());
  const accessToken = await signer.sign(accessClaims());
  const response = await handleProxyRequest(
    { id_token: idToken, access_token: accessToken },
    deps,
  );
  assertEquals(response.statusCode, 200, response.body);
  assertEquals(getUserCalls.length, 1);
  const [call] = getUserCalls;
  assertEquals(
    call.headers.get("x-amz-target"),
    "AWSCognitoIdentityProviderService.GetUser",
  );
  assertEquals(call.headers.get("authorization"), null);
  assertEquals(JSON.parse(call.body), { AccessToken: accessToken });
  assertEquals(JSON.parse(logs[0]).outcome, "issued");
  assertNoSecrets(logs, [idToken, accessToken]);
});

Deno.test("handler (GetUser stand-in): a sign-in Cognito no longer honours (signed out, disabled, deleted, reset) gets 401; Cognito unreachable or failing gets 500 after one retry; never credentials", async (t) => {
  const idToken = await signer.sign(claims());
  const accessToken = await signer.sign(accessClaims());
  const cases: [string, () => Response, number, number, string][] = [
    [
      "NotAuthorizedException (signed out everywhere, or disabled)",
      () =>
        Response.json({
          __type: "NotAuthorizedException",
          message: "Access Token has been revoked",
        }, { status: 400 }),
      401,
      1,
      "revoked at Cognito (NotAuthorizedException)",
    ],
    [
      "UserNotFoundException (deleted), named in X-Amzn-ErrorType",
      () =>
        new Response("{}", {
          status: 400,
          headers: { "X-Amzn-ErrorType": "UserNotFoundException:http://x/" },
        }),
      401,
      1,
      "UserNotFoundException",
    ],
    [
      "PasswordResetRequiredException",
      () =>
        Response.json({
          __type: "com.amazonaws#PasswordResetRequiredException",
        }, { status: 400 }),
      401,
      1,
      "PasswordResetRequiredException",
    ],
    [
      "a 500 from Cognito (retried once)",
      () => new Response("oops", { status: 500 }),
      500,
      2,
      "could not check the sign-in with Cognito (HTTP 500)",
    ],
    [
      "throttling (retried once)",
      () =>
        Response.json({ __type: "TooManyRequestsException" }, {
          status: 400,
        }),
      500,
      2,
      "TooManyRequestsException",
    ],
  ];
  for (const [name, answer, status, calls, reason] of cases) {
    await t.step(name, async () => {
      getUserAnswer = answer;
      const { response, logs } = await withGetUser(idToken, accessToken);
      assertEquals(response.statusCode, status, response.body);
      if (status === 401) {
        assertEquals(body(response).message, UNAUTHORIZED_MESSAGE);
      }
      assertEquals(getUserCalls.length, calls);
      assertEquals(stsCalls.length, 0);
      assertStringIncludes(JSON.parse(logs[0]).outcome, reason);
      assertNoSecrets([...logs, response.body], [idToken, accessToken]);
    });
  }
  await t.step("Cognito unreachable", async () => {
    const { deps, logs } = harness({
      sessions: createSessionChecker({ cognitoEndpoint: "http://127.0.0.1:9" }),
    });
    const response = await handleProxyRequest(
      { id_token: idToken, access_token: accessToken },
      deps,
    );
    assertEquals(response.statusCode, 500);
    assertStringIncludes(JSON.parse(logs[0]).outcome, "NetworkError");
  });
});

Deno.test("handler (GetUser stand-in): an access token that is not this user's, not an access token, for another client, forged, expired, too long-lived or with a crit header gets 401 before Cognito is asked", async (t) => {
  getUserAnswer = () => Response.json({ Username: "alice" });
  const idToken = await signer.sign(claims());
  const now = Math.floor(Date.now() / 1000);
  const cases: [string, string, string][] = [
    [
      "another user's access token",
      await signer.sign(accessClaims({ sub: "another-sub", username: "eve" })),
      "another user's",
    ],
    ["the ID token sent as the access token", idToken, "not an access token"],
    [
      "an access token of another app client",
      await signer.sign(accessClaims({ client_id: "someoneelsesclient" })),
      "wrong client",
    ],
    [
      "an access token signed by an impostor",
      await impostor.sign(accessClaims()),
      "bad signature",
    ],
    [
      "an expired access token",
      await signer.sign(accessClaims({ iat: now - 7200, exp: now - 60 })),
      "expired",
    ],
    [
      "an access token living ten years",
      await signer.sign(accessClaims({ exp: now + 10 * 365 * 86400 })),
      "lifetime too long",
    ],
    [
      "an access token with a crit header",
      await signer.sign(accessClaims(), { crit: ["exp"] }),
      "critical header",
    ],
    ["garbage", "a.b.c", "malformed"],
  ];
  for (const [name, accessToken, reason] of cases) {
    await t.step(name, async () => {
      const { response, logs } = await withGetUser(idToken, accessToken);
      assertEquals(response.statusCode, 401, response.body);
      assertEquals(body(response).message, UNAUTHORIZED_MESSAGE);
      assertStringIncludes(JSON.parse(logs[0]).outcome, "access token");
      assertStringIncludes(JSON.parse(logs[0]).outcome, reason);
      assertEquals(getUserCalls.length, 0);
      assertEquals(stsCalls.length, 0);
      assertNoSecrets([...logs, response.body], [idToken, accessToken]);
    });
  }
});

Deno.test("handler: without an access token, ACCESS_TOKEN_CHECK=require refuses with 400 saying to update the client, allow-missing (the default) issues and logs that it did", async () => {
  const idToken = await signer.sign(claims());
  const strict = harness({
    config: { ...config, accessTokenCheck: "require" },
  });
  stsCalls.length = 0;
  const refused = await handleProxyRequest({ id_token: idToken }, strict.deps);
  assertEquals(refused.statusCode, 400);
  assertStringIncludes(body(refused).message, "access_token");
  assertStringIncludes(JSON.parse(strict.logs[0]).outcome, "require");
  assertEquals(stsCalls.length, 0);

  assertEquals(config.accessTokenCheck, "allow-missing");
  const lenient = harness();
  const issued = await handleProxyRequest({ id_token: idToken }, lenient.deps);
  assertEquals(issued.statusCode, 200);
  assertStringIncludes(
    JSON.parse(lenient.logs[0]).outcome,
    "without an access token",
  );

  // A token is checked whenever it is sent, whatever the setting.
  const bad = await handleProxyRequest(
    { id_token: idToken, access_token: "a.b.c" },
    harness().deps,
  );
  assertEquals(bad.statusCode, 401);
  const wrongType = await handleProxyRequest(
    { id_token: idToken, access_token: 42 },
    harness().deps,
  );
  assertEquals(wrongType.statusCode, 400);
});
