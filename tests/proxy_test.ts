/**
 * lib/proxy.ts (the client of the credential proxy) against a stand-in for
 * Lambda's Invoke API, run in a fresh process per case so the SDK reads its
 * endpoint from the environment exactly as `login` will. The real function
 * under the emulator is covered in lambda_runtime_test.ts.
 */
import assert from "node:assert/strict";
import { runProxyClient } from "./support/rie.ts";
import { freePort } from "./support/tools.ts";

const ID_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl";

/** What the stand-in answers; each test sets it. */
let answer: (request: Request) => Response | Promise<Response> = () =>
  new Response("{}");
/** Requests the stand-in received. */
const seen: { path: string; headers: Headers; body: string }[] = [];

const lambda = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  async (request) => {
    const body = await request.text();
    seen.push({
      path: new URL(request.url).pathname,
      headers: request.headers,
      body,
    });
    return answer(request);
  },
);
const endpoint = `http://127.0.0.1:${lambda.addr.port}`;

function proxyAnswer(statusCode: number, body: unknown) {
  return new Response(
    JSON.stringify({
      statusCode,
      body: typeof body === "string" ? body : JSON.stringify(body),
    }),
    { headers: { "Content-Type": "application/json" } },
  );
}

const expiration = new Date(Date.now() + 8 * 3600_000);
const issued = {
  access_key_id: "ASIAPROXYISSUED00001",
  secret_access_key: "issued-secret-key",
  session_token: "issued-session-token",
  expiration: expiration.toISOString(),
  user_id: "sub-1",
  username: "alice",
};

function invoke(
  env: Record<string, string> = { AWS_ENDPOINT_URL_LAMBDA: endpoint },
  extra: { timeoutMs?: number } = {},
) {
  return runProxyClient({
    env,
    functionName: "cognito-credential-proxy",
    idToken: ID_TOKEN,
    durationSeconds: 28800,
    ...extra,
  });
}

function assertNoSecrets(result: { error?: string; stderr: string }) {
  for (
    const secret of [ID_TOKEN, "identity-pool-secret", "identity-pool-token"]
  ) {
    assert.ok(!(result.error ?? "").includes(secret));
    assert.ok(!result.stderr.includes(secret));
  }
}

Deno.test("proxy client (a stand-in for Lambda's Invoke API: shows what the client does with each answer, not that the real function gives it): sends the ID token and duration signed with the given credentials (not the machine's), and returns the issued credentials", async () => {
  answer = () => proxyAnswer(200, issued);
  seen.length = 0;
  const result = await invoke({
    AWS_ENDPOINT_URL_LAMBDA: endpoint,
    // Credentials the machine happens to have must not be used.
    AWS_ACCESS_KEY_ID: "AKIAMACHINEKEY000001",
    AWS_SECRET_ACCESS_KEY: "machine-secret",
  });
  assert.equal(result.ok, true, result.error ?? result.stderr);
  assert.equal(result.accessKeyId, issued.access_key_id);
  assert.equal(result.expiration, issued.expiration);
  assert.equal(seen.length, 1);
  const [request] = seen;
  assert.equal(
    request.path,
    "/2015-03-31/functions/cognito-credential-proxy/invocations",
  );
  assert.match(
    request.headers.get("authorization") ?? "",
    /Credential=ASIAIDENTITYPOOL0001\//,
  );
  assert.equal(
    request.headers.get("x-amz-security-token"),
    "identity-pool-token",
  );
  assert.deepEqual(JSON.parse(request.body), {
    id_token: ID_TOKEN,
    duration_seconds: 28800,
  });
});

Deno.test("proxy client (a stand-in for Lambda's Invoke API: shows what the client does with each answer, not that the real function gives it): the endpoint can also come from AWS_ENDPOINT_URL", async () => {
  answer = () => proxyAnswer(200, issued);
  const result = await invoke({ AWS_ENDPOINT_URL: endpoint });
  assert.equal(result.ok, true, result.error);
});

Deno.test("proxy client (a stand-in for Lambda's Invoke API: shows what the client does with each answer, not that the real function gives it): a refusal by the proxy is a ProxyError quoting its status and message", async () => {
  answer = () =>
    proxyAnswer(401, {
      error: "Unauthorized",
      message: "The ID token was rejected (token expired). Sign in again.",
    });
  const result = await invoke();
  assert.equal(result.ok, false);
  assert.equal(result.name, "ProxyError");
  assert.equal(
    result.error,
    "The credential proxy cognito-credential-proxy refused (401): The ID token was rejected (token expired). Sign in again.",
  );
  assertNoSecrets(result);
});

Deno.test("proxy client (a stand-in for Lambda's Invoke API: shows what the client does with each answer, not that the real function gives it): a function error (X-Amz-Function-Error) is a ProxyError", async () => {
  answer = () =>
    new Response(
      JSON.stringify({
        errorMessage: "boom",
        errorType: "Runtime.HandlerError",
      }),
      { headers: { "X-Amz-Function-Error": "Unhandled" } },
    );
  const result = await invoke();
  assert.equal(result.name, "ProxyError");
  assert.match(result.error!, /failed \(Unhandled\)/);
});

Deno.test("proxy client (a stand-in for Lambda's Invoke API: shows what the client does with each answer, not that the real function gives it): unreadable answers are ProxyErrors that name what was wrong, never the content", async (t) => {
  const cases: [string, () => Response, RegExp][] = [
    ["payload not JSON", () => new Response("<html>"), /not JSON/],
    ["no statusCode", () => new Response('{"body":"{}"}'), /no statusCode/],
    ["body not JSON", () => proxyAnswer(200, "not json"), /not a JSON object/],
    [
      "missing fields",
      () => proxyAnswer(200, { ...issued, session_token: undefined }),
      /missing session_token/,
    ],
    [
      "bad expiration",
      () => proxyAnswer(200, { ...issued, expiration: "tomorrow" }),
      /expiration is not a date/,
    ],
  ];
  for (const [name, make, reason] of cases) {
    await t.step(name, async () => {
      answer = make;
      const result = await invoke();
      assert.equal(result.name, "ProxyError");
      assert.match(result.error!, reason);
      assert.ok(!result.error!.includes("issued-secret-key"));
    });
  }
});

Deno.test("proxy client (a stand-in for Lambda's Invoke API: shows what the client does with each answer, not that the real function gives it): a function that does not exist is a ProxyError saying so", async () => {
  answer = () =>
    new Response(
      JSON.stringify({
        Type: "User",
        message: "Function not found: arn:aws:lambda:...",
      }),
      {
        status: 404,
        headers: { "x-amzn-ErrorType": "ResourceNotFoundException" },
      },
    );
  const result = await invoke();
  assert.equal(result.name, "ProxyError");
  assert.match(result.error!, /was not found/);
});

Deno.test("proxy client (a stand-in for Lambda's Invoke API: shows what the client does with each answer, not that the real function gives it): Lambda that cannot be reached is a ProxyError", async () => {
  // A free port nobody listens on (not port 9: `fetch` refuses the Fetch
  // standard's "bad ports" before connecting).
  const result = await invoke({
    AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${freePort()}`,
  });
  assert.equal(result.name, "ProxyError");
  assert.match(result.error!, /Could not reach AWS Lambda/);
  assertNoSecrets(result);
});

Deno.test("proxy client (a stand-in for Lambda's Invoke API: shows what the client does with each answer, not that the real function gives it): a proxy that does not answer in time is a ProxyError", async () => {
  answer = (request) =>
    new Promise<Response>((resolve) =>
      request.signal.addEventListener(
        "abort",
        () => resolve(new Response("late")),
      )
    );
  const started = Date.now();
  const result = await invoke(undefined, { timeoutMs: 500 });
  assert.equal(result.name, "ProxyError");
  assert.match(result.error!, /did not answer within/);
  assert.ok(Date.now() - started < 15_000);
});
