/**
 * The credential proxy under attack: the attacks that
 * `lambda_handler_test.ts` and `lambda_runtime_test.ts` do not already make
 * (they cover forged signatures, `alg: none`, another pool's key, wrong
 * `aud` and `iss`, expiry by the clock, access tokens, oversized and
 * non-JSON bodies, a `role_arn` outside the allow-list, and clamped or
 * non-numeric durations), against the handler and through the Lambda
 * Runtime Interface Emulator running the built zip:
 *
 * - algorithm confusion (HS256 keyed with the pool's public key);
 * - keys the token brings along (`jku`, `x5u`, an embedded `jwk`), and
 *   `kid` values that are paths or 8 KB long;
 * - a token that is not valid yet (`nbf`), and through the emulator an
 *   expired token really signed with moto's key, and one signed by an
 *   impostor key under moto's `kid`;
 * - issue 14's accepted forgeries: `iat` or `auth_time` a year ahead, a
 *   lifetime (`exp - iat`) of ten years or of a day and a second, a `crit`
 *   header (known or not, even empty), and no `iat` at all;
 * - `__proto__` and `constructor` keys smuggling a `role_arn`, and allowed
 *   role ARNs in another case or with white space;
 * - durations JSON can carry that are not plain numbers (`1e400`, `true`,
 *   an array, an object) and numbers at the edges (`-0`, `1e-300`).
 *
 * None yields credentials (except where the token is good and the smuggled
 * role is ignored), and no answer or log line holds a stack trace. Every
 * 401 carries the same message; the reason is only in the function's log.
 *
 * Durations: numbers out of 900..43200 are clamped (issue 3); anything that
 * is not a finite number is 400.
 */
import assert from "node:assert/strict";
import { SimpleFetcher } from "aws-jwt-verify/https";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { loadProxyConfig } from "../lambda/config.ts";
import {
  handleInvocation,
  handleProxyRequest,
  type ProxyDeps,
  UNAUTHORIZED_MESSAGE,
} from "../lambda/handler.ts";
import type { SessionChecker } from "../lambda/session_check.ts";
import type { AssumeRoleRequest, RoleAssumer } from "../lambda/sts.ts";
import { createIdTokenVerifier } from "../lambda/token.ts";
import {
  base64url,
  makeSigner,
  startJwksServer,
  type TestSigner,
} from "./support/jwks.ts";
import { clientConfig, createCognitoStack } from "./support/fixtures.ts";
import { startMoto } from "./support/moto.ts";
import { startRie } from "./support/rie.ts";
import { proxyFunctionEnv, unpackProxyZip } from "./support/proxy_stack.ts";
import { makeTestTls } from "./support/tls.ts";
import { tempDir, VENV_DIR } from "./support/tools.ts";

const POOL_ID = "us-east-1_AttackPool1";
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL_ID}`;
const CLIENT_ID = "attackclient000000000001";
const ROLE = "arn:aws:iam::123456789012:role/CognitoLongLived";
const ADMIN = "arn:aws:iam::123456789012:role/Admin";
const IAM_SECRET = "attack-test-iam-secret-00000000000000000";

const tls = await makeTestTls();
const signer = await makeSigner("pool-key-1");
const attacker = await makeSigner("attacker-key");
const jwks = startJwksServer({
  tls,
  poolId: POOL_ID,
  keys: [signer.publicJwk],
});
const attackerJwks = startJwksServer({
  tls,
  poolId: POOL_ID,
  keys: [attacker.publicJwk],
});

const config = loadProxyConfig({
  AWS_REGION: "us-east-1",
  COGNITO_USER_POOL_ID: POOL_ID,
  COGNITO_CLIENT_IDS: CLIENT_ID,
  DEFAULT_ROLE_ARN: ROLE,
  IAM_USER_ACCESS_KEY_ID: "AKIAATTACKTEST000001",
  IAM_USER_SECRET_ACCESS_KEY: IAM_SECRET,
  COGNITO_JWKS_URI: jwks.url,
});
const verifier = createIdTokenVerifier(config, {
  fetcher: new SimpleFetcher({ defaultRequestOptions: { ca: tls.caPem } }),
});

/** These requests send no access token: nothing may ask Cognito. */
const sessions: SessionChecker = {
  check: () => Promise.reject(new Error("GetUser must not be called")),
};

/** An STS stand-in that records what it was asked and issues fakes. */
const stsCalls: AssumeRoleRequest[] = [];
const sts: RoleAssumer = {
  assumeRole(request) {
    stsCalls.push(request);
    return Promise.resolve({
      accessKeyId: "ASIAFAKEATTACK000001",
      secretAccessKey: "fake-secret-for-attack-tests",
      sessionToken: "fake-token-for-attack-tests",
      expiration: new Date(Date.now() + request.durationSeconds * 1000),
    });
  },
};

function deps(logs: string[]): ProxyDeps {
  return {
    config,
    verifier,
    sts,
    sessions,
    now: () => new Date(),
    log: (l) => logs.push(l),
  };
}

function claims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    sub: "5f1c2d3e-0000-4000-8000-000000000001",
    aud: CLIENT_ID,
    iss: ISSUER,
    token_use: "id",
    "cognito:username": "mallory",
    auth_time: now,
    iat: now,
    exp: now + 3600,
    ...overrides,
  };
}

/** A JWT with any header, signed with HMAC-SHA256 under `secret`. */
async function hmacToken(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  secret: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const input = `${base64url(JSON.stringify(header))}.${
    base64url(JSON.stringify(payload))
  }`;
  const key = await crypto.subtle.importKey(
    "raw",
    secret,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = await crypto.subtle.sign(
    "HMAC",
    key,
    new TextEncoder().encode(input),
  );
  return `${input}.${base64url(new Uint8Array(mac))}`;
}

/** Asserts a response carries no credentials and no stack trace. */
function assertRefused(
  response: { statusCode: number; body: string },
  status: number,
  logs: string[],
): void {
  assert.equal(response.statusCode, status, response.body);
  const body = JSON.parse(response.body);
  assert.deepEqual(Object.keys(body).sort(), ["error", "message"]);
  for (const text of [response.body, ...logs]) {
    assert.doesNotMatch(text, /\bat .+:\d+:\d+|\n\s+at /, "a stack trace");
    assert.doesNotMatch(text, /fake-secret|ASIAFAKE/, "credentials");
    assert.ok(!text.includes(IAM_SECRET), "the IAM user's secret");
  }
}

/** Token attacks, each signed some wrong way. */
async function tokenAttacks(
  target: {
    signer: { kid: string; publicJwk: JsonWebKey };
    claims: (o?: Record<string, unknown>) => Record<string, unknown>;
    sign: (
      c: Record<string, unknown>,
      h?: Record<string, unknown>,
    ) => Promise<string>;
  },
  rogue: TestSigner,
  rogueJwksUrl: string,
): Promise<[string, string, string][]> {
  const { kid } = target.signer;
  const jwkBytes = new TextEncoder().encode(
    JSON.stringify(target.signer.publicJwk),
  );
  const modulus = Uint8Array.from(
    atob(target.signer.publicJwk.n!.replace(/-/g, "+").replace(/_/g, "/")),
    (c) => c.charCodeAt(0),
  );
  const now = Math.floor(Date.now() / 1000);
  return [
    [
      "HS256 keyed with the pool's public JWK",
      await hmacToken(
        { alg: "HS256", kid, typ: "JWT" },
        target.claims(),
        jwkBytes,
      ),
      "algorithm",
    ],
    [
      "HS256 keyed with the pool's public modulus",
      await hmacToken(
        { alg: "HS256", kid, typ: "JWT" },
        target.claims(),
        modulus,
      ),
      "algorithm",
    ],
    [
      "a jku header pointing at the attacker's JWKS",
      await rogue.sign(target.claims(), { jku: rogueJwksUrl }),
      "signing key",
    ],
    [
      "an x5u header pointing at the attacker",
      await rogue.sign(target.claims(), { x5u: rogueJwksUrl }),
      "signing key",
    ],
    [
      "the attacker's key embedded in the header (jwk)",
      await rogue.sign(target.claims(), { jwk: rogue.publicJwk }),
      "signing key",
    ],
    [
      "the attacker's key under the pool's kid",
      await rogue.sign(target.claims(), { kid }),
      "bad signature",
    ],
    [
      "a kid that is a path",
      await rogue.sign(target.claims(), { kid: "../../../../etc/passwd" }),
      "signing key",
    ],
    [
      "a kid of 8 KB",
      await rogue.sign(target.claims(), { kid: "k".repeat(8192) }),
      "signing key",
    ],
    [
      "not valid for another hour (nbf)",
      await target.sign(target.claims({ nbf: now + 3600 })),
      "not yet valid",
    ],
    ...await issue14Forgeries(target),
  ];
}

const YEAR = 365 * 86400;

/**
 * Issue 14's tokens that were accepted and must not be: each is signed with
 * the pool's own key, so only the new claim and header checks stop it.
 */
async function issue14Forgeries(
  target: {
    claims: (o?: Record<string, unknown>) => Record<string, unknown>;
    sign: (
      c: Record<string, unknown>,
      h?: Record<string, unknown>,
    ) => Promise<string>;
  },
): Promise<[string, string, string][]> {
  const now = Math.floor(Date.now() / 1000);
  return [
    [
      "iat a year in the future",
      await target.sign(
        target.claims({ iat: now + YEAR, exp: now + YEAR + 3600 }),
      ),
      "issued in the future",
    ],
    [
      "iat and auth_time a year in the future (exp an hour from now)",
      await target.sign(
        target.claims({ iat: now + YEAR, auth_time: now + YEAR }),
      ),
      "issued in the future",
    ],
    [
      "auth_time a year in the future",
      await target.sign(target.claims({ iat: now, auth_time: now + YEAR })),
      "sign-in time in the future",
    ],
    [
      "iat two minutes ahead (beyond the 60 s clock skew)",
      await target.sign(target.claims({ iat: now + 120, exp: now + 3600 })),
      "issued in the future",
    ],
    [
      "exp ten years away",
      await target.sign(target.claims({ iat: now, exp: now + 10 * YEAR })),
      "lifetime too long",
    ],
    [
      "a lifetime of one day and one second",
      await target.sign(target.claims({ iat: now - 60, exp: now + 86341 })),
      "lifetime too long",
    ],
    [
      "an unknown crit header",
      await target.sign(target.claims(), {
        crit: ["x-unknown"],
        "x-unknown": true,
      }),
      "critical header",
    ],
    [
      "a crit header naming b64",
      await target.sign(target.claims(), { crit: ["b64"], b64: true }),
      "critical header",
    ],
    [
      "an empty crit header",
      await target.sign(target.claims(), { crit: [] }),
      "critical header",
    ],
    [
      "no iat",
      await target.sign(target.claims({ iat: undefined })),
      "no issue time",
    ],
    [
      "iat that is a string",
      await target.sign(target.claims({ iat: String(now) })),
      // aws-jwt-verify refuses a non-numeric iat itself.
      "malformed token",
    ],
  ];
}

/** The function's log lines (one JSON object per invocation) in `text`. */
function logLines(text: string): string[] {
  return text.split("\n").filter((line) => line.startsWith('{"requestId"'));
}

/** The outcome of the last log line (the reason of a refusal). */
function lastOutcome(logs: string[]): string {
  const lines = logs.flatMap(logLines);
  return JSON.parse(lines.at(-1) ?? "{}").outcome ?? "";
}

const handlerTarget = {
  signer,
  claims,
  sign: (c: Record<string, unknown>, h?: Record<string, unknown>) =>
    signer.sign(c, h),
};

Deno.test("handler: algorithm confusion, keys brought by the token (jku, x5u, jwk), rogue kids, a not-yet-valid token, iat or auth_time in the future, lifetimes over a day, crit headers and a missing iat get 401 with one generic message (the reason only in the log), never reach STS, never fetch the attacker's keys, and answer without a stack trace", async (t) => {
  const before = attackerJwks.fetches();
  for (
    const [name, token, reason] of await tokenAttacks(
      handlerTarget,
      attacker,
      attackerJwks.url,
    )
  ) {
    await t.step(name, async () => {
      const logs: string[] = [];
      stsCalls.length = 0;
      const response = await handleProxyRequest(
        { id_token: token },
        deps(logs),
      );
      assertRefused(response, 401, logs);
      assert.equal(JSON.parse(response.body).message, UNAUTHORIZED_MESSAGE);
      assert.match(lastOutcome(logs), new RegExp(reason));
      assert.equal(stsCalls.length, 0);
      assert.ok(!logs.join().includes(token), "the token was logged");
    });
  }
  assert.equal(
    attackerJwks.fetches() - before,
    0,
    "the attacker's JWKS was fetched",
  );
});

Deno.test("handler: __proto__ and constructor keys cannot smuggle a role_arn, and allowed ARNs in another case or with white space get 403", async () => {
  const token = await signer.sign(claims());
  for (
    const raw of [
      `{"id_token":"${token}","__proto__":{"role_arn":"${ADMIN}"}}`,
      `{"id_token":"${token}","constructor":{"prototype":{"role_arn":"${ADMIN}"}}}`,
      `{"body":"{\\"id_token\\":\\"${token}\\",\\"__proto__\\":{\\"role_arn\\":\\"${ADMIN}\\"}}"}`,
    ]
  ) {
    stsCalls.length = 0;
    const response = await handleInvocation(raw, deps([]));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(stsCalls.map((c) => c.roleArn), [ROLE]);
    assert.equal(({} as Record<string, unknown>).role_arn, undefined);
  }
  for (
    const role of [ROLE.toLowerCase(), `${ROLE} `, `${ROLE}\n`, ` ${ROLE}`]
  ) {
    const logs: string[] = [];
    stsCalls.length = 0;
    const response = await handleProxyRequest(
      { id_token: token, role_arn: role },
      deps(logs),
    );
    assertRefused(response, 403, logs);
    assert.equal(stsCalls.length, 0);
  }
});

Deno.test("handler: durations that are not finite numbers (1e400, true, an array, an object, a numeric string) get 400; -0 and 1e-300 are clamped to 900", async () => {
  const token = await signer.sign(claims());
  for (
    const duration of [
      "1e400",
      "-1e400",
      "true",
      "[3600]",
      '{"$gt":0}',
      '"3600"',
    ]
  ) {
    const logs: string[] = [];
    stsCalls.length = 0;
    const response = await handleInvocation(
      `{"id_token":"${token}","duration_seconds":${duration}}`,
      deps(logs),
    );
    assertRefused(response, 400, logs);
    assert.equal(stsCalls.length, 0, duration);
  }
  for (const duration of ["-0", "1e-300", "900.9"]) {
    stsCalls.length = 0;
    const response = await handleInvocation(
      `{"id_token":"${token}","duration_seconds":${duration}}`,
      deps([]),
    );
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(stsCalls[0].durationSeconds, 900, duration);
  }
});

// ---------------------------------------------------------------------------
// Through the emulator, with moto's real tokens and moto's real signing key.

/** moto's private signing key (a JWK with `d` only), from the moto package. */
async function motoPrivateJwk(): Promise<Record<string, string>> {
  for await (const lib of Deno.readDir(`${VENV_DIR}/lib`)) {
    const path =
      `${VENV_DIR}/lib/${lib.name}/site-packages/moto/cognitoidp/resources/jwks-private.json.gz`;
    try {
      const gz = await Deno.open(path);
      const text = await new Response(
        gz.readable.pipeThrough(new DecompressionStream("gzip")),
      ).text();
      return JSON.parse(text);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  throw new Error(`moto's jwks-private.json.gz is not under ${VENV_DIR}/lib`);
}

const bigint = (b64url: string) =>
  BigInt(
    "0x" +
      Array.from(
        atob(b64url.replace(/-/g, "+").replace(/_/g, "/")),
        (c) => c.charCodeAt(0).toString(16).padStart(2, "0"),
      ).join(""),
  );

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  base %= modulus;
  while (exponent > 0n) {
    if (exponent & 1n) result = result * base % modulus;
    base = base * base % modulus;
    exponent >>= 1n;
  }
  return result;
}

/**
 * Signs RS256 with moto's key by hand (EMSA-PKCS1-v1_5 and m^d mod n):
 * WebCrypto and node:crypto both refuse a private JWK without its CRT
 * parameters, and moto's has none.
 */
async function motoSigner() {
  const jwk = await motoPrivateJwk();
  const n = bigint(jwk.n);
  const d = bigint(jwk.d);
  const size = (n.toString(16).length + 1) >> 1;
  const digestInfo = [
    0x30,
    0x31,
    0x30,
    0x0d,
    0x06,
    0x09,
    0x60,
    0x86,
    0x48,
    0x01,
    0x65,
    0x03,
    0x04,
    0x02,
    0x01,
    0x05,
    0x00,
    0x04,
    0x20,
  ];
  return {
    kid: jwk.kid,
    publicJwk: { kty: "RSA", n: jwk.n, e: jwk.e, kid: jwk.kid, alg: "RS256" },
    async sign(
      payload: Record<string, unknown>,
      header: Record<string, unknown> = {},
    ): Promise<string> {
      const input = `${
        base64url(JSON.stringify({ kid: jwk.kid, alg: "RS256", ...header }))
      }.${base64url(JSON.stringify(payload))}`;
      const hash = new Uint8Array(
        await crypto.subtle.digest("SHA-256", new TextEncoder().encode(input)),
      );
      const t = [...digestInfo, ...hash];
      const em = [0, 1, ...new Array(size - t.length - 3).fill(0xff), 0, ...t];
      const m = BigInt(
        "0x" + em.map((b) => b.toString(16).padStart(2, "0")).join(""),
      );
      const s = modPow(m, d, n).toString(16).padStart(size * 2, "0");
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) {
        bytes[i] = parseInt(s.slice(i * 2, i * 2 + 2), 16);
      }
      return `${input}.${base64url(bytes)}`;
    },
  };
}

Deno.test("rie: an expired token and an impostor's token under moto's own kid, algorithm confusion, keys brought by the token, a not-yet-valid token, iat or auth_time in the future, lifetimes over a day, crit headers and a missing iat all get 401 with one generic message through the emulator (the reason in the function's log); a good token signed the same way gets 200; no answer or log line holds a stack trace", async (t) => {
  await using moto = await startMoto({
    tls: { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile },
  });
  await using workFolder = await tempDir("proxy-attack-");
  const work = workFolder.path;
  const sdk = clientConfig(moto);
  // A user pool, a client and a user in moto, and the user's ID token.
  const { userPoolId, clientId, username, password } = await createCognitoStack(
    moto,
  );
  const idp = new CognitoIdentityProviderClient(sdk);
  const idToken = (await idp.send(
    new InitiateAuthCommand({
      ClientId: clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: { USERNAME: username, PASSWORD: password },
    }),
  )).AuthenticationResult!.IdToken!;
  idp.destroy();
  const motoClaims = JSON.parse(
    new TextDecoder().decode(
      Uint8Array.from(
        atob(idToken.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")),
        (c) => c.charCodeAt(0),
      ),
    ),
  );
  const moto_ = await motoSigner();
  const motoTarget = {
    signer: moto_,
    claims: (o: Record<string, unknown> = {}) => ({ ...motoClaims, ...o }),
    sign: moto_.sign,
  };
  const impostor = await makeSigner(moto_.kid);

  const { taskRoot } = await unpackProxyZip(work);
  await using rie = await startRie({
    bootstrap: `${taskRoot}/bootstrap`,
    cwd: taskRoot,
    env: proxyFunctionEnv({
      moto,
      caFile: tls.caFile,
      userPoolId,
      clientIds: [clientId],
      roleArn: ROLE,
      accessKeyId: "AKIAPROXYUSER0000003",
      secretAccessKey: IAM_SECRET,
      denoDir: `${work}/deno-dir`,
      // The forged tokens here are ID tokens sent alone, as older clients
      // send them; the access token's own checks are in
      // lambda_handler_test.ts.
      accessTokenCheck: "allow-missing",
    }),
  });
  const invoke = async (payload: string) => {
    const { status, body } = await rie.invoke(payload);
    assert.equal(status, 200, body);
    const answer = JSON.parse(body);
    return {
      statusCode: answer.statusCode as number,
      body: answer.body as string,
    };
  };

  await t.step(
    "control: a fresh token signed by hand with moto's key gets 200",
    async () => {
      const now = Math.floor(Date.now() / 1000);
      const good = await moto_.sign({
        ...motoClaims,
        iat: now,
        exp: now + 600,
      });
      const response = await invoke(JSON.stringify({ id_token: good }));
      assert.equal(response.statusCode, 200, response.body);
    },
  );
  const now = Math.floor(Date.now() / 1000);
  const cases: [string, string, string][] = [
    [
      "expired an hour ago, signed with moto's key",
      await moto_.sign({ ...motoClaims, iat: now - 7200, exp: now - 3600 }),
      "expired",
    ],
    [
      "an impostor's key under moto's kid",
      await impostor.sign(motoClaims, { kid: moto_.kid }),
      "bad signature",
    ],
    ...await tokenAttacks(motoTarget, attacker, attackerJwks.url),
  ];
  for (const [name, token, reason] of cases) {
    await t.step(name, async () => {
      const before = logLines(rie.output()).length;
      const response = await invoke(JSON.stringify({ id_token: token }));
      assertRefused(response, 401, []);
      assert.equal(JSON.parse(response.body).message, UNAUTHORIZED_MESSAGE);
      // The log line reaches us through the emulator's pipe: wait for it.
      for (let i = 0; i < 100; i++) {
        if (logLines(rie.output()).length > before) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // Without its own line, the previous case's (often the same reason)
      // would be read instead.
      const lines = logLines(rie.output());
      assert.equal(lines.length, before + 1, "one log line for this request");
      assert.match(lastOutcome(lines), new RegExp(reason));
    });
  }
  await t.step(
    "a __proto__ role_arn is ignored: the default role is assumed",
    async () => {
      const response = await invoke(
        `{"id_token":"${idToken}","__proto__":{"role_arn":"${ADMIN}"}}`,
      );
      assert.equal(response.statusCode, 200, response.body);
      const issued = JSON.parse(response.body);
      const stsClient = new STSClient({
        ...sdk,
        credentials: {
          accessKeyId: issued.access_key_id,
          secretAccessKey: issued.secret_access_key,
          sessionToken: issued.session_token,
        },
      });
      const me = await stsClient.send(new GetCallerIdentityCommand({}));
      stsClient.destroy();
      assert.match(me.Arn!, /assumed-role\/CognitoLongLived\//);
    },
  );
  await t.step("a duration of 1e400 gets 400", async () => {
    const response = await invoke(
      `{"id_token":"${idToken}","duration_seconds":1e400}`,
    );
    assertRefused(response, 400, []);
  });
  await t.step(
    "the function's output holds no stack trace, token or key",
    () => {
      const output = rie.output();
      assert.doesNotMatch(output, /\n\s+at .+:\d+:\d+/);
      for (const [, token] of cases) {
        assert.ok(
          !output.includes(token.split(".")[2]),
          "a token was logged",
        );
      }
      assert.ok(!output.includes(idToken), "the ID token was logged");
      assert.ok(!output.includes(IAM_SECRET), "the IAM secret was logged");
    },
  );
});
