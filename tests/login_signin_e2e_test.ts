/**
 * The stronger sign-in through the `login` command line against moto (in
 * its TOTP mode), with a recording relay that shows what went over the
 * wire: `--auth-flow srp`, `--mfa-code`, an app client secret from
 * `COGNITO_CLIENT_SECRET` or the config file, and the refresh of such a
 * session (SECRET_HASH over the user's real user name).
 *
 * moto accepts any SRP proof, so these tests prove the flow and what is
 * sent, not the proof itself (tests/srp_test.ts checks that against
 * published vectors). moto answers SRP only on pools that sign in by
 * e-mail address.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../lib/errors.ts";
import { readSession } from "../lib/session_cache.ts";
import { secretHash } from "../lib/user_pool.ts";
import { loginArgs, makeTempHome, runAuth } from "./support/cli.ts";
import { createCognitoStack, freshTotpCode } from "./support/fixtures.ts";
import { cognitoRequests, startRelayedMoto } from "./support/relay.ts";

const { moto, relay, userEnv, passwordEnv } = await startRelayedMoto({
  env: { MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP: "true" },
});

Deno.test("login --auth-flow srp signs in with USER_SRP_AUTH and PASSWORD_VERIFIER, the password never goes over the wire, and the session records the user's real name (the sub)", async () => {
  const stack = await createCognitoStack(moto, {
    srpAuth: true,
    emailUsername: true,
  });
  await using home = await makeTempHome();
  const [run, requests] = await cognitoRequests(relay, () =>
    runAuth(
      loginArgs(stack, "--auth-flow", "srp", "--no-lambda-proxy"),
      passwordEnv(home, stack),
    ));
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(
    requests.map((r) => [r.action, r.body.AuthFlow ?? r.body.ChallengeName]),
    [["InitiateAuth", "USER_SRP_AUTH"], [
      "RespondToAuthChallenge",
      "PASSWORD_VERIFIER",
    ]],
  );
  assert.ok(!requests.some((r) => r.raw.includes(stack.password)));
  const session = (await readSession(home.env, "default"))!;
  assert.equal(session.authFlow, "srp");
  // The real user name of an e-mail pool is the sub, not the address.
  assert.equal(session.cognitoUsername, stack.internalUsername);
});

Deno.test("an app client secret from COGNITO_CLIENT_SECRET at login and from client_secret in the config file at refresh: SECRET_HASH over the e-mail, then over the sub", async () => {
  const stack = await createCognitoStack(moto, {
    srpAuth: true,
    emailUsername: true,
    clientSecret: true,
  });
  await using home = await makeTempHome();
  const [run, requests] = await cognitoRequests(relay, () =>
    runAuth(
      loginArgs(
        stack,
        "--auth-flow",
        "srp",
        "--no-lambda-proxy",
        "--profile",
        "sec",
      ),
      {
        ...passwordEnv(home, stack),
        COGNITO_CLIENT_SECRET: stack.clientSecret!,
      },
    ));
  assert.equal(run.code, 0, run.stderr);
  const initiate = requests[0].body.AuthParameters as Record<string, string>;
  assert.equal(
    initiate.SECRET_HASH,
    await secretHash(stack.clientSecret!, stack.username, stack.clientId),
  );
  assert.ok(!run.stderr.includes(stack.clientSecret!));
  const session = JSON.stringify(await readSession(home.env, "sec"));
  assert.ok(
    !session.includes(stack.clientSecret!),
    "the secret is not cached",
  );

  // The refresh needs the secret too: with none, a clear settings error.
  const refreshEnv = {
    ...userEnv(home, stack),
    COGNITO_AUTH_REFRESH_WINDOW: "120",
  };
  const without = await runAuth(
    ["credential-process", "--profile", "sec"],
    refreshEnv,
  );
  assert.equal(without.code, ExitCode.config, without.stderr);
  assert.match(without.stderr, /COGNITO_CLIENT_SECRET or client_secret/);

  await Deno.writeTextFile(
    `${home.dir}/.cognito-cli-config.json`,
    JSON.stringify({ client_secret: stack.clientSecret }),
    { mode: 0o600 },
  );
  const [refreshed, refreshRequests] = await cognitoRequests(
    relay,
    () => runAuth(["credential-process", "--profile", "sec"], refreshEnv),
  );
  assert.equal(refreshed.code, 0, refreshed.stderr);
  assert.equal(refreshRequests.length, 1);
  assert.equal(refreshRequests[0].body.AuthFlow, "REFRESH_TOKEN_AUTH");
  assert.equal(
    (refreshRequests[0].body.AuthParameters as Record<string, string>)
      .SECRET_HASH,
    await secretHash(
      stack.clientSecret!,
      stack.internalUsername,
      stack.clientId,
    ),
  );
  assert.notEqual(stack.internalUsername, stack.username);
  // status shows the secret is set, never the secret.
  const status = await runAuth(
    ["status", "--profile", "sec"],
    userEnv(home, stack),
  );
  assert.match(status.stdout, /client_secret\s+\(set, hidden\)/);
  assert.ok(!status.stdout.includes(stack.clientSecret!));
});

Deno.test("login --mfa-code answers SOFTWARE_TOKEN_MFA in moto's TOTP mode; without a code and without a terminal it exits 12 naming --mfa-code; a wrong code exits 12", async () => {
  const stack = await createCognitoStack(moto, { mfa: "totp" });
  await using home = await makeTempHome();
  const base = loginArgs(stack, "--no-lambda-proxy", "--profile", "mfa");
  const withPassword = passwordEnv(home, stack);

  const noCode = await runAuth(base, withPassword);
  assert.equal(noCode.code, ExitCode.challenge, noCode.stderr);
  assert.match(noCode.stderr, /--mfa-code/);

  const wrong = await runAuth(
    [...base, "--mfa-code", "000000"],
    withPassword,
  );
  assert.equal(wrong.code, ExitCode.challenge, wrong.stderr);
  assert.match(wrong.stderr, /did not accept the MFA code/);

  const code = await freshTotpCode(
    stack.totpSecret!,
    10_000, // a login takes a moment to get to the MFA step
  );
  const [ok, requests] = await cognitoRequests(
    relay,
    () => runAuth([...base, "--mfa-code", code], withPassword),
  );
  assert.equal(ok.code, 0, ok.stderr);
  const answer = requests.find((r) => r.action === "RespondToAuthChallenge")!;
  assert.equal(answer.body.ChallengeName, "SOFTWARE_TOKEN_MFA");
  assert.match(
    await Deno.readTextFile(home.credentialsFile),
    /\[mfa\]\naws_access_key_id = /,
  );

  // The refresh token of an MFA sign-in renews it with no code at all.
  const refreshed = await runAuth(
    ["credential-process", "--profile", "mfa"],
    {
      ...userEnv(home, stack),
      COGNITO_AUTH_REFRESH_WINDOW: "120",
    },
  );
  assert.equal(refreshed.code, 0, refreshed.stderr);
});
