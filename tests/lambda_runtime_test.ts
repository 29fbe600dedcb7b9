/**
 * The built zip, unpacked, running under the AWS Lambda Runtime Interface
 * Emulator on the local Deno binary: real Runtime API, real moto-signed ID
 * tokens verified against moto's JWKS over TLS (test CA trusted through
 * NODE_EXTRA_CA_CERTS), real AssumeRole at moto's STS (AWS_ENDPOINT_URL_STS),
 * and the revocation check at moto's Cognito (GetUser, through
 * AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER).
 */
import assert from "node:assert/strict";
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  actOnUser,
  clientConfig,
  createCognitoStack,
} from "./support/fixtures.ts";
import { startMoto } from "./support/moto.ts";
import { proxyFunctionEnv, unpackProxyZip } from "./support/proxy_stack.ts";
import { RIE_FUNCTION_NAME, runProxyClient, startRie } from "./support/rie.ts";
import { makeTestTls } from "./support/tls.ts";
import { roleSessionName } from "../lib/role_session_name.ts";
import { removeAtUnload } from "./support/tools.ts";

const ROLE = "arn:aws:iam::123456789012:role/CognitoLongLived";
const IAM_KEY_ID = "AKIAPROXYUSER0000002";
const IAM_SECRET = "proxy-user-secret-rie-0b1c2d3e4f5a6b7c8d9e";

const tls = await makeTestTls();
const moto = await startMoto({
  tls: { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile },
});
globalThis.addEventListener("unload", () => void moto.stop());
// moto and the emulator stop, and the test CA goes, when the file ends.
const work = await Deno.makeTempDir({ prefix: "lambda-rie-test-" });
removeAtUnload(work);

/** SDK settings for the test's own calls to moto over TLS. */
const sdk = clientConfig(moto);

/** A user pool with two app clients and a user, and that user's tokens. */
async function cognitoUser() {
  const stack = await createCognitoStack(moto);
  const idp = new CognitoIdentityProviderClient(sdk);
  const otherClientId = (await idp.send(
    new CreateUserPoolClientCommand({
      UserPoolId: stack.userPoolId,
      ClientName: `other-${crypto.randomUUID().slice(0, 8)}`,
      ExplicitAuthFlows: ["ALLOW_USER_PASSWORD_AUTH"],
    }),
  )).UserPoolClient!.ClientId!;
  const signIn = async (id: string) =>
    (await idp.send(
      new InitiateAuthCommand({
        ClientId: id,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: stack.username, PASSWORD: stack.password },
      }),
    )).AuthenticationResult!;
  const tokens = await signIn(stack.clientId);
  const otherClientTokens = await signIn(otherClientId);
  idp.destroy();
  return {
    userPoolId: stack.userPoolId,
    clientId: stack.clientId,
    username: stack.username,
    idToken: tokens.IdToken!,
    accessToken: tokens.AccessToken!,
    otherClientIdToken: otherClientTokens.IdToken!,
  };
}

const user = await cognitoUser();
const otherPoolUser = await cognitoUser();

// Build the zip and unpack it the way Lambda does (modes kept).
const { build, taskRoot } = await unpackProxyZip(work);

/** The function's environment, as Lambda would set it, plus `overrides`. */
function functionEnv(overrides: Record<string, string> = {}) {
  return {
    ...proxyFunctionEnv({
      moto,
      caFile: tls.caFile,
      userPoolId: user.userPoolId,
      clientIds: [user.clientId],
      roleArn: ROLE,
      accessKeyId: IAM_KEY_ID,
      secretAccessKey: IAM_SECRET,
      // A fresh, empty DENO_DIR: the bundle must not need any cache.
      denoDir: `${work}/deno-dir-${crypto.randomUUID().slice(0, 8)}`,
      // These cases send an ID token alone, as older clients do; the access
      // token's check is proven in lambda_handler_test.ts and end to end
      // by login in login_proxy_e2e_test.ts.
      accessTokenCheck: "allow-missing",
    }),
    ...overrides,
  };
}

const rie = await startRie({
  bootstrap: `${taskRoot}/bootstrap`,
  cwd: taskRoot,
  env: functionEnv(),
});

async function invoke(request: unknown) {
  const { status, body } = await rie.invoke(
    typeof request === "string" ? request : JSON.stringify(request),
  );
  assert.equal(status, 200, body);
  const response = JSON.parse(body);
  return {
    statusCode: response.statusCode as number,
    body: JSON.parse(response.body),
  };
}

Deno.test("zip: bootstrap is at the root with mode 0755 next to the bundled function and its lazily loaded chunks, well under 300 KB", async () => {
  const entries = [];
  for await (const entry of Deno.readDir(taskRoot)) entries.push(entry.name);
  assert.ok(entries.includes("bootstrap") && entries.includes("proxy.js"));
  // Everything else is a chunk of the bundle, at the root beside proxy.js.
  for (const name of entries) {
    assert.match(name, /^(bootstrap|[\w-]+\.js)$/);
  }
  assert.equal((await Deno.stat(`${taskRoot}/bootstrap`)).mode! & 0o777, 0o755);
  assert.ok(build.zipBytes < 300 * 1024, `zip is ${build.zipBytes} bytes`);
});

Deno.test("rie: a real moto ID token gets credentials that expire when asked and work at STS", async () => {
  const before = Date.now();
  const response = await invoke({
    id_token: user.idToken,
    duration_seconds: 7200,
  });
  assert.equal(response.statusCode, 200, JSON.stringify(response.body));
  assert.equal(response.body.username, user.username);
  const lifetime = (Date.parse(response.body.expiration) - before) / 1000;
  assert.ok(Math.abs(lifetime - 7200) < 120, `lifetime ${lifetime}`);

  const sts = new STSClient({
    ...sdk,
    credentials: {
      accessKeyId: response.body.access_key_id,
      secretAccessKey: response.body.secret_access_key,
      sessionToken: response.body.session_token,
    },
  });
  const me = await sts.send(new GetCallerIdentityCommand({}));
  sts.destroy();
  assert.match(
    me.Arn!,
    new RegExp(
      `assumed-role/CognitoLongLived/${await roleSessionName(user.username)}$`,
    ),
  );
});

Deno.test("rie: a duration out of range is clamped (10 s asked, 900 s given)", async () => {
  const before = Date.now();
  const response = await invoke({
    id_token: user.idToken,
    duration_seconds: 10,
  });
  assert.equal(response.statusCode, 200);
  const lifetime = (Date.parse(response.body.expiration) - before) / 1000;
  assert.ok(Math.abs(lifetime - 900) < 120, `lifetime ${lifetime}`);
});

Deno.test("rie: the API Gateway shape works through the emulator too", async () => {
  const response = await invoke({
    body: JSON.stringify({ id_token: user.idToken, duration_seconds: 3600 }),
  });
  assert.equal(response.statusCode, 200);
});

Deno.test("rie: hostile requests get the right 4xx and never credentials", async (t) => {
  const [header, payload, signature] = user.idToken.split(".");
  const forgedPayload = btoa(
    JSON.stringify({
      ...JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/"))),
      "cognito:username": "admin",
    }),
  ).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
  const none = btoa(JSON.stringify({ alg: "none", kid: "dummy" }))
    .replace(/=+$/, "");
  const cases: [string, unknown, number][] = [
    [
      "forged payload",
      { id_token: `${header}.${forgedPayload}.${signature}` },
      401,
    ],
    ["alg none", { id_token: `${none}.${payload}.` }, 401],
    ["alg none keeping the signature", {
      id_token: `${none}.${payload}.${signature}`,
    }, 401],
    ["an access token", { id_token: user.accessToken }, 401],
    ["an ID token for another app client (wrong aud)", {
      id_token: user.otherClientIdToken,
    }, 401],
    ["an ID token of another pool, signed by the same moto key (wrong iss)", {
      id_token: otherPoolUser.idToken,
    }, 401],
    ["a role_arn outside the allow-list", {
      id_token: user.idToken,
      role_arn: "arn:aws:iam::123456789012:role/Admin",
    }, 403],
    ["an oversized request", { id_token: "x".repeat(20_000) }, 400],
    ["a request that is not JSON", "id_token=abc", 400],
    ["a duration that is not a number", {
      id_token: user.idToken,
      duration_seconds: "12h",
    }, 400],
  ];
  for (const [name, request, status] of cases) {
    await t.step(name, async () => {
      const response = await invoke(request);
      assert.equal(response.statusCode, status, JSON.stringify(response.body));
      assert.deepEqual(Object.keys(response.body).sort(), ["error", "message"]);
      assert.ok(!JSON.stringify(response.body).includes(user.idToken));
    });
  }
});

Deno.test("rie: the function's log lines hold no token or key", () => {
  const output = rie.output();
  assert.match(output, /"outcome":"issued/);
  for (
    const secret of [
      user.idToken,
      user.accessToken,
      IAM_SECRET,
      "execution-role-secret",
    ]
  ) {
    assert.ok(!output.includes(secret), "a secret reached the function's log");
  }
});

Deno.test("rie: lib/proxy.ts invokes the function through the Lambda SDK at AWS_ENDPOINT_URL_LAMBDA", async () => {
  const result = await runProxyClient({
    env: { AWS_ENDPOINT_URL_LAMBDA: rie.endpoint },
    idToken: user.idToken,
    durationSeconds: 5400,
    functionName: RIE_FUNCTION_NAME,
  });
  assert.equal(result.ok, true, JSON.stringify(result));
  const lifetime = (Date.parse(result.expiration!) - Date.now()) / 1000;
  assert.ok(Math.abs(lifetime - 5400) < 120, `lifetime ${lifetime}`);

  const refused = await runProxyClient({
    env: { AWS_ENDPOINT_URL_LAMBDA: rie.endpoint },
    idToken: user.accessToken,
    durationSeconds: 3600,
    functionName: RIE_FUNCTION_NAME,
  });
  assert.equal(refused.ok, false);
  assert.match(refused.error!, /refused \(401\): The sign-in was not accepted/);
  assert.ok(!refused.error!.includes(user.accessToken));
});

/** A fresh user in the first user's pool, signed in: its two tokens. */
async function freshSignIn(idp: CognitoIdentityProviderClient) {
  const name = `revoke-${crypto.randomUUID().slice(0, 8)}`;
  const password = "Revoke-Test-Passw0rd!";
  await idp.send(
    new AdminCreateUserCommand({
      UserPoolId: user.userPoolId,
      Username: name,
      MessageAction: "SUPPRESS",
    }),
  );
  await idp.send(
    new AdminSetUserPasswordCommand({
      UserPoolId: user.userPoolId,
      Username: name,
      Password: password,
      Permanent: true,
    }),
  );
  const signIn = async () =>
    (await idp.send(
      new InitiateAuthCommand({
        ClientId: user.clientId,
        AuthFlow: "USER_PASSWORD_AUTH",
        AuthParameters: { USERNAME: name, PASSWORD: password },
      }),
    )).AuthenticationResult!;
  return { name, signIn, ...await signIn() };
}

Deno.test("rie: revoked sign-ins get 401 through the emulator: after GlobalSignOut, AdminDisableUser and AdminDeleteUser in moto the proxy's GetUser check refuses the still-valid ID and access tokens; a live sign-in gets 200", async (t) => {
  await using strict = await startRie({
    bootstrap: `${taskRoot}/bootstrap`,
    cwd: taskRoot,
    env: functionEnv({ ACCESS_TOKEN_CHECK: "require" }),
  });
  const idp = new CognitoIdentityProviderClient(sdk);
  const ask = async (tokens: { IdToken?: string; AccessToken?: string }) => {
    const { status, body } = await strict.invoke(JSON.stringify({
      id_token: tokens.IdToken,
      access_token: tokens.AccessToken,
      duration_seconds: 900,
    }));
    assert.equal(status, 200, body);
    const answer = JSON.parse(body);
    return {
      statusCode: answer.statusCode as number,
      body: JSON.parse(answer.body),
    };
  };
  try {
    await t.step("a live sign-in gets 200", async () => {
      const live = await freshSignIn(idp);
      const response = await ask(live);
      assert.equal(response.statusCode, 200, JSON.stringify(response.body));
    });
    await t.step(
      "no access token: 400 (ACCESS_TOKEN_CHECK=require)",
      async () => {
        const live = await freshSignIn(idp);
        const response = await ask({ IdToken: live.IdToken });
        assert.equal(response.statusCode, 400);
        assert.match(response.body.message, /access_token/);
      },
    );
    await t.step("after GlobalSignOut: 401", async () => {
      const session = await freshSignIn(idp);
      assert.equal((await ask(session)).statusCode, 200);
      await idp.send(
        new GlobalSignOutCommand({ AccessToken: session.AccessToken }),
      );
      const response = await ask(session);
      assert.equal(response.statusCode, 401);
      assert.equal(
        response.body.message,
        "The sign-in was not accepted. Sign in again.",
      );
      // A new sign-in works again.
      assert.equal((await ask(await session.signIn())).statusCode, 200);
    });
    for (
      const [call, action] of [
        ["AdminDisableUser", "disable"],
        ["AdminDeleteUser", "delete"],
      ] as const
    ) {
      await t.step(`after ${call}: 401`, async () => {
        const session = await freshSignIn(idp);
        const { userPoolId } = user;
        await actOnUser(idp, { userPoolId, username: session.name }, action);
        assert.equal((await ask(session)).statusCode, 401);
      });
    }
    await t.step(
      "another user's live access token with this ID token: 401",
      async () => {
        const mine = await freshSignIn(idp);
        const theirs = await freshSignIn(idp);
        const response = await ask({
          IdToken: mine.IdToken,
          AccessToken: theirs.AccessToken,
        });
        assert.equal(response.statusCode, 401);
      },
    );
    await t.step("the log says why, without the tokens", async () => {
      for (let i = 0; i < 100; i++) {
        if (/UserNotFoundException/.test(strict.output())) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const output = strict.output();
      assert.match(
        output,
        /sign-in revoked at Cognito \(NotAuthorizedException\)/,
      );
      assert.match(
        output,
        /sign-in revoked at Cognito \(UserNotFoundException\)/,
      );
      assert.match(output, /access token rejected: another user's/);
      assert.doesNotMatch(output, /eyJ[\w-]+\.eyJ/);
    });
  } finally {
    idp.destroy();
  }
});

Deno.test("rie: lib/proxy.ts sends the access token when given (accessToken → access_token), so a proxy set to require it issues credentials", async () => {
  await using strict = await startRie({
    bootstrap: `${taskRoot}/bootstrap`,
    cwd: taskRoot,
    env: functionEnv({ ACCESS_TOKEN_CHECK: "require" }),
  });
  const idp = new CognitoIdentityProviderClient(sdk);
  try {
    const session = await freshSignIn(idp);
    const withToken = await runProxyClient({
      env: { AWS_ENDPOINT_URL_LAMBDA: strict.endpoint },
      idToken: session.IdToken!,
      accessToken: session.AccessToken!,
      durationSeconds: 900,
      functionName: RIE_FUNCTION_NAME,
    });
    assert.equal(withToken.ok, true, JSON.stringify(withToken));
    const without = await runProxyClient({
      env: { AWS_ENDPOINT_URL_LAMBDA: strict.endpoint },
      idToken: session.IdToken!,
      durationSeconds: 900,
      functionName: RIE_FUNCTION_NAME,
    });
    assert.equal(without.ok, false);
    assert.match(without.error!, /refused \(400\).*access_token/);
  } finally {
    idp.destroy();
  }
});

Deno.test("rie: missing configuration is reported through /runtime/init/error", async () => {
  await using broken = await startRie({
    bootstrap: `${taskRoot}/bootstrap`,
    cwd: taskRoot,
    env: functionEnv({ COGNITO_USER_POOL_ID: "", DEFAULT_ROLE_ARN: "" }),
  });
  const { status, body } = await broken.invoke(
    JSON.stringify({ id_token: user.idToken }),
  );
  assert.notEqual(status, 200);
  assert.match(body, /Runtime.ConfigurationError|COGNITO_USER_POOL_ID/);
  assert.match(
    broken.output(),
    /Missing configuration: set COGNITO_USER_POOL_ID/,
  );
  assert.ok(!broken.output().includes(IAM_SECRET));
});
