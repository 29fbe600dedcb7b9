/**
 * The sign-in clients of `lib/cognito_sdk.ts`: the warm-up that runs while
 * a prompt waits never sends a request, and the clients send with `fetch`,
 * so a login follows `HTTP_PROXY` as `fetch` does (the SDK's handler for
 * Node.js ignores it).
 */
import assert from "node:assert/strict";
import { userPoolClient, warmUpCognitoSdk } from "../lib/cognito_sdk.ts";
import { loginArgs, makeTempHome, runAuth, stackEnv } from "./support/cli.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import { startMoto } from "./support/moto.ts";
import { forwardAll, startRelay } from "./support/relay.ts";
import { makeTestTls } from "./support/tls.ts";
import { withEnv } from "./support/tools.ts";
import { ExitCode } from "../lib/errors.ts";

const moto = await startMoto();

Deno.test("warmUpCognitoSdk sends nothing: a relay at AWS_ENDPOINT_URL sees no request from it, and then the one InitiateAuth a real client sends (the control)", async () => {
  await using relay = startRelay(moto.endpoint, () => ({
    kind: "respond",
    status: 200,
    body: {},
  }));
  await withEnv("AWS_ENDPOINT_URL", relay.endpoint, async () => {
    await warmUpCognitoSdk();
    assert.deepEqual(relay.targets(), []);

    const { sdk, client } = await userPoolClient("us-east-1");
    try {
      await client.send(
        new sdk.InitiateAuthCommand({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: "control",
          AuthParameters: { USERNAME: "u", PASSWORD: "p" },
        }),
      );
    } finally {
      client.destroy();
    }
    assert.deepEqual(relay.targets(), [
      "AWSCognitoIdentityProviderService.InitiateAuth",
    ]);
  });
});

for (
  const [flow, calls] of [
    ["enhanced", ["InitiateAuth", "GetId", "GetCredentialsForIdentity"]],
    [
      "classic",
      ["InitiateAuth", "GetId", "GetOpenIdToken", "AssumeRoleWithWebIdentity"],
    ],
  ] as const
) {
  Deno.test(`login --flow ${flow} follows HTTP_PROXY: with an endpoint whose host does not resolve, every request goes through the proxy (a relay to moto) and the profile is written`, async () => {
    const stack = await createCognitoStack(moto);
    await using home = await makeTempHome();
    // The relay answers absolute-form requests (`POST http://host/ HTTP/1.1`)
    // as a plain HTTP proxy does, forwarding them to moto.
    await using proxy = startRelay(moto.endpoint, forwardAll);
    const run = await runAuth(
      loginArgs(
        stack,
        "--profile",
        "proxied",
        "--no-lambda-proxy",
        "--flow",
        flow,
      ),
      {
        ...stackEnv(home, moto, stack),
        COGNITO_PASSWORD: stack.password,
        COGNITO_CLASSIC_ROLE_ARN: stack.roleArn,
        AWS_ENDPOINT_URL: "http://cognito.endpoint.invalid",
        HTTP_PROXY: proxy.endpoint,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(proxy.exchanges.map((e) => e.action), calls);
    assert.match(
      await Deno.readTextFile(home.credentialsFile),
      /^\[proxied\]\naws_access_key_id = /,
    );
  });
}

Deno.test("a dropped connection is retried as the README says: 3 attempts by default, 2 with maxAttempts 2 (against a stand-in server that accepts and closes every connection, since moto cannot drop one; it cannot show which real network faults Deno reports this way)", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  let accepted = 0;
  const serving = (async () => {
    for await (const conn of listener) {
      accepted++;
      conn.close();
    }
  })();
  const endpoint = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  try {
    await withEnv("AWS_ENDPOINT_URL", endpoint, async () => {
      for (const [maxAttempts, expected] of [[undefined, 3], [2, 2]] as const) {
        accepted = 0;
        const { sdk, client } = await userPoolClient("us-east-1", {
          maxAttempts,
        });
        try {
          const error = await client.send(
            new sdk.InitiateAuthCommand({
              AuthFlow: "USER_PASSWORD_AUTH",
              ClientId: "c",
              AuthParameters: { USERNAME: "u", PASSWORD: "p" },
            }),
          ).then(() => undefined, (e) => e);
          assert.ok(error instanceof TypeError);
          assert.equal(accepted, expected);
          assert.equal(
            (error as { $metadata?: { attempts?: number } }).$metadata
              ?.attempts,
            expected,
          );
        } finally {
          client.destroy();
        }
      }
    });
  } finally {
    listener.close();
    await serving.catch(() => {});
  }
});

Deno.test("moto over TLS with a CA Deno does not trust: login exits 9, makes no request and says to trust the CA with DENO_CERT or NODE_EXTRA_CA_CERTS; given the CA with DENO_CERT, the same login writes the profile", async () => {
  await using tls = await makeTestTls();
  await using tlsMoto = await startMoto({
    tls: { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile },
  });
  const stack = await createCognitoStack(tlsMoto);
  await using home = await makeTempHome();
  const env = {
    ...stackEnv(home, tlsMoto, stack),
    COGNITO_PASSWORD: stack.password,
    AWS_MAX_ATTEMPTS: "1",
  };
  const args = loginArgs(stack, "--profile", "tls", "--no-lambda-proxy");
  const untrusted = await runAuth(args, env);
  assert.equal(untrusted.code, ExitCode.network, untrusted.stderr);
  assert.match(untrusted.stderr, /TLS certificate is not trusted/);
  assert.match(untrusted.stderr, /DENO_CERT/);
  await assert.rejects(Deno.stat(home.credentialsFile));

  const trusted = await runAuth(args, { ...env, DENO_CERT: tls.caFile });
  assert.equal(trusted.code, 0, trusted.stderr);
  assert.match(
    await Deno.readTextFile(home.credentialsFile),
    /^\[tls\]\naws_access_key_id = /,
  );
});

Deno.test("an endpoint on a port fetch blocks (6000): login exits 9, naming the port and saying to give the endpoint another one; nothing is written, and the request is not retried", async () => {
  await using home = await makeTempHome();
  const run = await runAuth(
    ["login", "--profile", "blocked", "--no-lambda-proxy"],
    {
      ...home.env,
      AWS_REGION: "us-east-1",
      AWS_ENDPOINT_URL: "http://127.0.0.1:6000",
      COGNITO_USER_POOL_ID: "us-east-1_blockedport",
      COGNITO_CLIENT_ID: "blockedport",
      COGNITO_IDENTITY_POOL_ID:
        "us-east-1:a988108b-e448-4596-8be6-059e064351f5",
      COGNITO_USERNAME: "u",
      COGNITO_PASSWORD: "p",
    },
  );
  assert.equal(run.code, ExitCode.network, run.stderr);
  assert.match(run.stderr, /Could not reach Cognito in us-east-1/);
  assert.match(run.stderr, /does not connect to port 6000/);
  assert.match(run.stderr, /give the endpoint another port/);
  // The same request in this process: one attempt, no retry.
  await withEnv("AWS_ENDPOINT_URL", "http://127.0.0.1:6000", async () => {
    const { sdk, client } = await userPoolClient("us-east-1");
    try {
      const error = await client.send(
        new sdk.InitiateAuthCommand({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: "c",
          AuthParameters: { USERNAME: "u", PASSWORD: "p" },
        }),
      ).then(() => undefined, (e) => e);
      assert.equal(
        (error as { $metadata?: { attempts?: number } })?.$metadata?.attempts,
        1,
      );
    } finally {
      client.destroy();
    }
  });
  await assert.rejects(Deno.stat(home.credentialsFile));
});
