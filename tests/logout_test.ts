/**
 * `logout` revokes the saved sign-in at Cognito before it forgets it
 * locally, and `logout --everywhere` signs the user out of every device.
 *
 * moto 5.2.5 has no RevokeToken (it answers "not implemented"), so the
 * RevokeToken request is checked at the wire: a recording relay in front of
 * moto answers it as Cognito does (200, `{}`) and the test reads what was
 * sent. GlobalSignOut and the refresh before it are real, at moto.
 */
import assert from "node:assert/strict";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { ExitCode } from "../lib/errors.ts";
import { readSession } from "../lib/session_cache.ts";
import { runAuth, type TempHome, withTempHome } from "./support/cli.ts";
import {
  clientConfig,
  type CognitoStack,
  createCognitoStack,
} from "./support/fixtures.ts";
import {
  awsError,
  forwardAll,
  type RelayPolicy,
  startRelayedMoto,
} from "./support/relay.ts";

const { moto, relay, userEnv } = await startRelayedMoto();

/** Answers RevokeToken as Cognito does (moto cannot); forwards the rest. */
const revokeStandIn: RelayPolicy = (exchange) =>
  exchange.action === "RevokeToken"
    ? { kind: "respond", status: 200, body: {} }
    : { kind: "forward" };

async function signedIn(home: TempHome, stack: CognitoStack, profile: string) {
  const login = await runAuth(
    ["login", "-u", stack.username, "--profile", profile, "--no-lambda-proxy"],
    { ...userEnv(home, stack), COGNITO_PASSWORD: stack.password },
  );
  assert.equal(login.code, 0, login.stderr);
  const session = (await readSession(home.env, profile))!;
  assert.ok(session.refreshToken, "login saved a refresh token");
  return session.refreshToken!;
}

/** Whether moto still takes the refresh token. */
async function refreshWorks(stack: CognitoStack, refreshToken: string) {
  const idp = new CognitoIdentityProviderClient(clientConfig(moto));
  try {
    await idp.send(
      new InitiateAuthCommand({
        ClientId: stack.clientId,
        AuthFlow: "REFRESH_TOKEN_AUTH",
        AuthParameters: { REFRESH_TOKEN: refreshToken },
      }),
    );
    return true;
  } catch (error) {
    assert.equal((error as Error).name, "NotAuthorizedException");
    return false;
  } finally {
    idp.destroy();
  }
}

Deno.test("logout sends RevokeToken with the saved refresh token and the app client id, then removes the local credentials and saved sign-in (RevokeToken answered by the relay: moto 5.2.5 has none)", async () => {
  const stack = await createCognitoStack(moto);
  await withTempHome(async (home) => {
    const refreshToken = await signedIn(home, stack, "dev");
    relay.setPolicy(revokeStandIn);
    const start = relay.exchanges.length;
    const run = await runAuth(
      ["logout", "--profile", "dev"],
      userEnv(home, stack),
    );
    relay.setPolicy(forwardAll);
    assert.equal(run.code, 0, run.stderr);
    const sent = relay.exchanges.slice(start);
    assert.deepEqual(sent.map((e) => e.action), ["RevokeToken"]);
    assert.deepEqual(JSON.parse(sent[0].requestBody), {
      Token: refreshToken,
      ClientId: stack.clientId,
    });
    assert.match(run.stderr, /Revoked the saved sign-in of profile dev/);
    assert.equal(await readSession(home.env, "dev"), undefined);
    assert.doesNotMatch(
      await Deno.readTextFile(home.credentialsFile),
      /\[dev\]/,
    );
    assert.ok(!run.stderr.includes(refreshToken));
  });
});

Deno.test("logout --everywhere refreshes for an access token and signs the user out of every device at moto (GlobalSignOut: the refresh token stops working), then sends RevokeToken (answered by the relay: moto 5.2.5 has none)", async () => {
  const stack = await createCognitoStack(moto);
  await withTempHome(async (home) => {
    const refreshToken = await signedIn(home, stack, "dev");
    // Another device's sign-in of the same user.
    const otherDevice = await withTempHome((other) =>
      signedIn(other, stack, "laptop")
    );
    assert.ok(await refreshWorks(stack, otherDevice));
    relay.setPolicy(revokeStandIn);
    const start = relay.exchanges.length;
    const run = await runAuth(
      ["logout", "--profile", "dev", "--everywhere"],
      userEnv(home, stack),
    );
    relay.setPolicy(forwardAll);
    assert.equal(run.code, 0, run.stderr);
    const sent = relay.exchanges.slice(start);
    assert.deepEqual(sent.map((e) => e.action), [
      "InitiateAuth",
      "GlobalSignOut",
      "RevokeToken",
    ]);
    assert.equal(
      JSON.parse(sent[0].requestBody).AuthFlow,
      "REFRESH_TOKEN_AUTH",
    );
    assert.equal(sent[1].status, 200, sent[1].responseBody);
    assert.match(run.stderr, /out of every device/);
    assert.equal(await refreshWorks(stack, refreshToken), false);
    assert.equal(await refreshWorks(stack, otherDevice), false);
    assert.equal(await readSession(home.env, "dev"), undefined);
    for (const secret of [refreshToken, otherDevice]) {
      assert.ok(!run.stderr.includes(secret));
    }
  });
});

Deno.test("when Cognito cannot revoke the sign-in, logout still removes the local credentials and saved sign-in, says so and exits 50", async (t) => {
  const stack = await createCognitoStack(moto);
  const failures: [string, RelayPolicy, RegExp][] = [
    [
      "moto's own answer (RevokeToken not implemented)",
      forwardAll,
      /Could not revoke the saved sign-in/,
    ],
    [
      "token revocation not enabled on the app client",
      (e) =>
        e.action === "RevokeToken"
          ? {
            kind: "respond",
            status: 400,
            body: awsError(
              "UnsupportedOperationException",
              "Token revocation is not enabled",
            ),
          }
          : { kind: "forward" },
      /does not allow token revocation/,
    ],
  ];
  for (const [name, policy, message] of failures) {
    await t.step(name, async () => {
      await withTempHome(async (home) => {
        const refreshToken = await signedIn(home, stack, "dev");
        relay.setPolicy(policy);
        const run = await runAuth(
          ["logout", "--profile", "dev"],
          userEnv(home, stack),
        );
        relay.setPolicy(forwardAll);
        assert.equal(run.code, ExitCode.revocationFailed, run.stderr);
        assert.equal(ExitCode.revocationFailed, 50);
        assert.match(run.stderr, message);
        assert.match(
          run.stderr,
          /local credentials and saved sign-in were removed/,
        );
        assert.equal(await readSession(home.env, "dev"), undefined);
        assert.doesNotMatch(
          await Deno.readTextFile(home.credentialsFile),
          /\[dev\]/,
        );
        assert.ok(!run.stderr.includes(refreshToken));
      });
    });
  }
  await t.step("--everywhere with no saved sign-in: exit 50", async () => {
    await withTempHome(async (home) => {
      const run = await runAuth(
        ["logout", "--profile", "nothing", "--everywhere"],
        userEnv(home, stack),
      );
      assert.equal(run.code, ExitCode.revocationFailed, run.stderr);
      assert.match(run.stderr, /no saved sign-in/);
    });
  });
});
