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

const moto = await startMoto();

Deno.test("warmUpCognitoSdk sends nothing: a relay at AWS_ENDPOINT_URL sees no request from it, and then the one InitiateAuth a real client sends (the control)", async () => {
  await using relay = startRelay(moto.endpoint, () => ({
    kind: "respond",
    status: 200,
    body: {},
  }));
  const before = Deno.env.get("AWS_ENDPOINT_URL");
  Deno.env.set("AWS_ENDPOINT_URL", relay.endpoint);
  try {
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
  } finally {
    if (before === undefined) Deno.env.delete("AWS_ENDPOINT_URL");
    else Deno.env.set("AWS_ENDPOINT_URL", before);
  }
});

Deno.test("login follows HTTP_PROXY: with an endpoint whose host does not resolve, every request goes through the proxy (a relay to moto) and the profile is written", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  // The relay answers absolute-form requests (`POST http://host/ HTTP/1.1`)
  // as a plain HTTP proxy does, forwarding them to moto.
  await using proxy = startRelay(moto.endpoint, forwardAll);
  const run = await runAuth(
    loginArgs(stack, "--profile", "proxied", "--no-lambda-proxy"),
    {
      ...stackEnv(home, moto, stack),
      COGNITO_PASSWORD: stack.password,
      AWS_ENDPOINT_URL: "http://cognito.endpoint.invalid",
      HTTP_PROXY: proxy.endpoint,
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(proxy.targets(), [
    "AWSCognitoIdentityProviderService.InitiateAuth",
    "AWSCognitoIdentityService.GetId",
    "AWSCognitoIdentityService.GetCredentialsForIdentity",
  ]);
  assert.match(
    await Deno.readTextFile(home.credentialsFile),
    /^\[proxied\]\naws_access_key_id = /,
  );
});
