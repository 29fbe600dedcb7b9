/**
 * `login --flow classic` end to end against moto: GetId, GetOpenIdToken and
 * an unsigned sts:AssumeRoleWithWebIdentity on the configured role, for
 * `--duration` hours, with no Lambda and no AWS keys on the machine; the
 * real AWS CLI then acts as that role, and a refresh renews it without the
 * password.
 *
 * What moto 5.2 does here (read in moto/cognitoidentity and moto/sts):
 * GetOpenIdToken returns a random token for any identity; AssumeRole-
 * WithWebIdentity accepts any token, honours DurationSeconds and returns
 * fresh keys that GetCallerIdentity maps back to
 * `assumed-role/<role name>/<session name>`. So the role's trust policy is
 * not checked by moto; the README documents what real AWS needs.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../lib/errors.ts";
import { readSession } from "../lib/session_cache.ts";
import { roleSessionName } from "../lib/role_session_name.ts";
import { loginArgs, makeTempHome, runAuth } from "./support/cli.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import { startRelayedMoto } from "./support/relay.ts";
import { awsCli } from "./support/tools.ts";

const { moto, relay, userEnv, passwordEnv } = await startRelayedMoto();

function requestsSince(mark: number): string[] {
  return relay.exchanges.slice(mark).map((r) => `${r.service}:${r.action}`);
}

Deno.test("login --flow classic: GetId, GetOpenIdToken, an unsigned AssumeRoleWithWebIdentity for --duration hours, and the AWS CLI acts as the role", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const mark = relay.exchanges.length;
  const started = Date.now();
  const run = await runAuth(
    loginArgs(
      stack,
      "--profile",
      "classic",
      "--flow",
      "classic",
      "--role-arn",
      stack.roleArn,
      "--duration",
      "2",
    ),
    {
      ...passwordEnv(home, stack),
      // Configured, but the classic flow never calls it.
      COGNITO_LAMBDA_FUNCTION_NAME: "cognito-credential-proxy",
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Wrote role credentials \(classic flow\)/);
  assert.deepEqual(requestsSince(mark), [
    "cognito-idp:InitiateAuth",
    "cognito-identity:GetId",
    "cognito-identity:GetOpenIdToken",
    // No Authorization header: the STS call is unsigned.
    "unsigned:AssumeRoleWithWebIdentity",
  ]);
  const assume = new URLSearchParams(relay.exchanges.at(-1)!.requestBody);
  assert.equal(assume.get("RoleArn"), stack.roleArn);
  assert.equal(assume.get("DurationSeconds"), "7200");
  assert.equal(
    assume.get("RoleSessionName"),
    await roleSessionName(stack.username),
  );

  const text = await Deno.readTextFile(home.credentialsFile);
  const expires = Date.parse(
    /x_security_token_expires = (\S+)/.exec(text)![1],
  );
  const lifetime = (expires - started) / 1000;
  assert.ok(Math.abs(lifetime - 7200) < 120, `lifetime ${lifetime} s`);

  const who = await awsCli(
    [
      "sts",
      "get-caller-identity",
      "--profile",
      "classic",
      "--output",
      "json",
    ],
    { ...home.env, ...moto.env },
  );
  assert.equal(who.code, 0, who.stderr);
  const roleName = stack.roleArn.split("/").pop();
  assert.equal(
    JSON.parse(who.stdout).Arn,
    `arn:aws:sts::123456789012:assumed-role/${roleName}/${await roleSessionName(
      stack.username,
    )}`,
  );

  const session = (await readSession(home.env, "classic"))!;
  assert.equal(session.flow, "classic");
  assert.equal(session.source, "classic");
  assert.equal(session.classicRoleArn, stack.roleArn);
});

Deno.test("a classic-flow session refreshes through credential_process with the refresh token and the cached identity id: no GetId, no password", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const login = await runAuth(
    loginArgs(stack, "--profile", "cl", "--flow", "classic", "--duration", "1"),
    {
      ...passwordEnv(home, stack),
      COGNITO_CLASSIC_ROLE_ARN: stack.roleArn,
    },
  );
  assert.equal(login.code, 0, login.stderr);
  const before = (await readSession(home.env, "cl"))!;
  const setup = await runAuth(
    ["setup-profile", "--profile", "cl"],
    userEnv(home, stack),
  );
  assert.equal(setup.code, 0, setup.stderr);

  // A window longer than the 1-hour credentials: they count as expired.
  const mark = relay.exchanges.length;
  const who = await awsCli(
    ["sts", "get-caller-identity", "--profile", "cl", "--output", "json"],
    { ...userEnv(home, stack), COGNITO_AUTH_REFRESH_WINDOW: "3700" },
  );
  assert.equal(who.code, 0, who.stderr);
  const calls = requestsSince(mark);
  assert.deepEqual(calls.slice(0, 3), [
    "cognito-idp:InitiateAuth",
    "cognito-identity:GetOpenIdToken",
    "unsigned:AssumeRoleWithWebIdentity",
  ]);
  assert.ok(!calls.includes("cognito-identity:GetId"));
  assert.equal(
    JSON.parse(relay.exchanges[mark].requestBody).AuthFlow,
    "REFRESH_TOKEN_AUTH",
  );
  assert.match(JSON.parse(who.stdout).Arn, /assumed-role\/.+\/CognitoAuth-/);
  const after = (await readSession(home.env, "cl"))!;
  assert.notEqual(
    after.credentials.accessKeyId,
    before.credentials.accessKeyId,
    "new role credentials",
  );
});

Deno.test("login --flow classic without a role ARN stops with exit 3 before signing in, naming the three places to give one", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const mark = relay.exchanges.length;
  const run = await runAuth(
    loginArgs(stack, "--flow", "classic"),
    passwordEnv(home, stack),
  );
  assert.equal(run.code, ExitCode.config, run.stderr);
  assert.match(
    run.stderr,
    /--role-arn, COGNITO_CLASSIC_ROLE_ARN or classic_role_arn/,
  );
  assert.deepEqual(requestsSince(mark), []);
});
