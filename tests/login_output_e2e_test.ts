/**
 * `login --format env|json`, `login`'s skip when the profile's credentials
 * are still good (and `--force`), and `logout`, through the real entry
 * point against moto, with a recording relay that counts the sign-ins.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../lib/errors.ts";
import { readSession, sessionFile } from "../lib/session_cache.ts";
import { loginArgs, makeTempHome, runAuth } from "./support/cli.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import { writeHandWrittenCredentials } from "./support/reliability.ts";
import { startRelayedMoto } from "./support/relay.ts";
import { runCommand } from "./support/tools.ts";

const { moto, relay, userEnv, passwordEnv } = await startRelayedMoto();

/**
 * Runs `auth.ts` with `args` and checks that it succeeded; returns its
 * stderr and how many sign-ins (InitiateAuth) it made.
 */
async function countingSignIns(args: string[], env: Record<string, string>) {
  const from = relay.exchanges.length;
  const run = await runAuth(args, env);
  assert.equal(run.code, 0, run.stderr);
  const signIns = relay.exchanges.slice(from)
    .filter((r) => r.action === "InitiateAuth").length;
  return { stderr: run.stderr, signIns };
}

Deno.test("login --format env prints export lines that evaluate in sh, writes no AWS file, and records the session for credential-process", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const run = await runAuth(
    loginArgs(stack, "--no-lambda-proxy", "--format", "env"),
    passwordEnv(home, stack),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stdout, /Signing in|Printed/, "messages on stderr");
  const shell = await runCommand("sh", [
    "-c",
    'eval "$(cat)"; printf "%s\\n" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_REGION" "$AWS_CREDENTIAL_EXPIRATION"',
  ], { stdin: run.stdout });
  assert.equal(shell.code, 0, shell.stderr);
  const [key, secret, token, region, expiration] = shell.stdout.split("\n");
  const session = (await readSession(home.env, "default"))!;
  assert.deepEqual([key, secret, token], [
    session.credentials.accessKeyId,
    session.credentials.secretAccessKey,
    session.credentials.sessionToken,
  ]);
  assert.equal(region, "us-east-1");
  assert.equal(
    Date.parse(expiration),
    Math.floor(session.credentials.expiration.getTime() / 1000) * 1000,
  );
  await assert.rejects(Deno.stat(home.credentialsFile), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(home.configFile), Deno.errors.NotFound);
  assert.ok(!run.stderr.includes(secret));

  // credential-process finds that sign-in in the cache.
  const cp = await runAuth(["credential-process", "--refresh-window", "0"], {
    ...home.env,
  });
  assert.equal(cp.code, 0, cp.stderr);
  assert.equal(JSON.parse(cp.stdout).AccessKeyId, key);
});

Deno.test("login --format json prints one JSON object with the credentials, expiry and region", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const run = await runAuth(
    loginArgs(
      stack,
      "--profile",
      "ci",
      "--no-lambda-proxy",
      "--format",
      "json",
    ),
    passwordEnv(home, stack),
  );
  assert.equal(run.code, 0, run.stderr);
  const object = JSON.parse(run.stdout);
  const session = (await readSession(home.env, "ci"))!;
  assert.deepEqual(object, {
    Version: 1,
    AccessKeyId: session.credentials.accessKeyId,
    SecretAccessKey: session.credentials.secretAccessKey,
    SessionToken: session.credentials.sessionToken,
    Expiration: session.credentials.expiration.toISOString().replace(
      /\.\d+Z$/,
      "Z",
    ),
    Region: "us-east-1",
  });
  await assert.rejects(Deno.stat(home.credentialsFile), Deno.errors.NotFound);
});

Deno.test("login skips the sign-in while the profile's credentials are valid for longer than the refresh window and still in the file; --force signs in", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const base = loginArgs(stack, "--profile", "dev", "--no-lambda-proxy");
  const withPassword = passwordEnv(home, stack);
  const first = await runAuth(base, withPassword);
  assert.equal(first.code, 0, first.stderr);
  const written = await Deno.readTextFile(home.credentialsFile);

  // moto's credentials live 90 s: with a 10-second window they are good.
  // No password source at all: a skip needs none.
  const skipped = await countingSignIns(
    [...base, "--refresh-window", "10"],
    userEnv(home, stack),
  );
  assert.match(skipped.stderr, /not signing in again/);
  assert.match(skipped.stderr, /--force/);
  assert.equal(skipped.signIns, 0);
  assert.equal(await Deno.readTextFile(home.credentialsFile), written);

  const forced = await countingSignIns(
    [...base, "--refresh-window", "10", "--force"],
    withPassword,
  );
  assert.doesNotMatch(forced.stderr, /not signing in again/);
  assert.equal(forced.signIns, 1);

  // A window longer than the credentials' life: sign in.
  const stale = await countingSignIns(
    [...base, "--refresh-window", "120"],
    withPassword,
  );
  assert.equal(stale.signIns, 1);

  // The keys are no longer in the file: sign in, even within the window.
  await Deno.writeTextFile(home.credentialsFile, "");
  const gone = await countingSignIns(
    [...base, "--refresh-window", "10"],
    withPassword,
  );
  assert.equal(gone.signIns, 1);

  // Another user for the same profile: sign in.
  const noSkip = await runAuth(
    [
      "login",
      "-u",
      "someone-else",
      "--profile",
      "dev",
      "--no-lambda-proxy",
      "--refresh-window",
      "10",
    ],
    userEnv(home, stack),
  );
  assert.equal(noSkip.code, ExitCode.inputRequired, noSkip.stderr);
});

Deno.test("logout removes only that profile's four keys and its saved sign-in: every other byte of the credentials file stays, the config file is not touched", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const before = await writeHandWrittenCredentials(home);
  const withPassword = passwordEnv(home, stack);
  for (const profile of ["dev", "kept"]) {
    const run = await runAuth(
      loginArgs(stack, "--profile", profile, "--no-lambda-proxy"),
      withPassword,
    );
    assert.equal(run.code, 0, run.stderr);
  }
  // A key of the user's own in the "kept" section stays, and so does it.
  const text = await Deno.readTextFile(home.credentialsFile);
  await Deno.writeTextFile(
    home.credentialsFile,
    text.replace("[kept]\n", "[kept]\nregion = eu-west-1\n"),
  );
  const withKept = await Deno.readTextFile(home.credentialsFile);
  const config = await Deno.readTextFile(home.configFile);

  const dev = await runAuth(
    ["logout", "--profile", "dev"],
    userEnv(home, stack),
  );
  // moto 5.2.5 has no RevokeToken: logout says so (exit 50) and still
  // removes the local state (logout_test.ts checks revocation itself).
  assert.equal(dev.code, ExitCode.revocationFailed, dev.stderr);
  assert.match(dev.stderr, /Removed the credentials of profile dev/);
  const afterDev = await Deno.readTextFile(home.credentialsFile);
  const keptStart = withKept.indexOf("[kept]");
  assert.equal(
    afterDev,
    before + "\n" + withKept.slice(keptStart),
    "only the dev section went",
  );
  assert.equal(await readSession(home.env, "dev"), undefined);
  assert.ok(await readSession(home.env, "kept"), "other sessions stay");

  const kept = await runAuth(
    ["logout", "--profile", "kept"],
    userEnv(home, stack),
  );
  // moto 5.2.5 has no RevokeToken: logout says so (exit 50) and still
  // removes the local state (logout_test.ts checks revocation itself).
  assert.equal(kept.code, ExitCode.revocationFailed, kept.stderr);
  assert.equal(
    await Deno.readTextFile(home.credentialsFile),
    before + "\n[kept]\nregion = eu-west-1\n",
  );
  await assert.rejects(
    Deno.stat((await sessionFile(home.env, "kept"))!),
    Deno.errors.NotFound,
  );
  assert.equal(await Deno.readTextFile(home.configFile), config);
  assert.equal((await Deno.stat(home.credentialsFile)).mode! & 0o777, 0o600);

  // Long-term keys this tool did not write are never removed.
  const work = await runAuth(
    ["logout", "--profile", "work"],
    userEnv(home, stack),
  );
  assert.equal(work.code, 0, work.stderr);
  assert.match(work.stderr, /did not write; left them/);
  assert.equal(
    await Deno.readTextFile(home.credentialsFile),
    before + "\n[kept]\nregion = eu-west-1\n",
  );
});
