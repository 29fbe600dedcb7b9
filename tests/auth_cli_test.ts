/**
 * `configure`, `status`, `--help` and `--version` through the real entry
 * points, with stdin not a terminal.
 */
import assert from "node:assert/strict";
import { makeTempHome, runAdmin, runAuth } from "./support/cli.ts";
import { ExitCode } from "../lib/errors.ts";
import denoJson from "../deno.json" with { type: "json" };

const POOL = "us-east-1_7d3223d999794a30a2bb7df81c784ba4";
const CLIENT = "872c64b892314b438325a66aca";
const IDENTITY_POOL = "us-east-1:a988108b-e448-4596-8be6-059e064351f5";

Deno.test("configure by flags writes the config file with mode 0600 and the seed's keys", async () => {
  await using home = await makeTempHome();
  const run = await runAuth([
    "configure",
    "--user-pool-id",
    POOL,
    "--client-id",
    CLIENT,
    "--identity-pool-id",
    IDENTITY_POOL,
  ], home.env);
  assert.equal(run.code, 0, run.stderr);
  const path = `${home.dir}/.cognito-cli-config.json`;
  assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
    user_pool_id: POOL,
    client_id: CLIENT,
    identity_pool_id: IDENTITY_POOL,
  });
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);

  // A second run with one flag changes that key only and keeps the others.
  const again = await runAuth(
    ["configure", "--region", "eu-west-1"],
    home.env,
  );
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), {
    user_pool_id: POOL,
    client_id: CLIENT,
    identity_pool_id: IDENTITY_POOL,
    region: "eu-west-1",
  });
});

Deno.test("configure honours COGNITO_CLI_CONFIG and refuses malformed ids with exit 3, writing nothing", async () => {
  await using home = await makeTempHome();
  const path = `${home.dir}/elsewhere/cfg.json`;
  const env = { ...home.env, COGNITO_CLI_CONFIG: path };
  const bad = await runAuth(
    ["configure", "--user-pool-id", "us-east-1 oops"],
    env,
  );
  assert.equal(bad.code, ExitCode.config);
  assert.match(bad.stderr, /user pool id/i);
  assert.match(bad.stderr, /us-east-1 oops/);
  await assert.rejects(Deno.stat(path), Deno.errors.NotFound);

  const good = await runAuth(["configure", "--user-pool-id", POOL], env);
  assert.equal(good.code, 0, good.stderr);
  assert.equal(JSON.parse(await Deno.readTextFile(path)).user_pool_id, POOL);
});

Deno.test("configure with no flags and no terminal fails at once instead of waiting for input", async () => {
  await using home = await makeTempHome();
  const run = await runAuth(["configure"], home.env);
  assert.equal(run.code, ExitCode.inputRequired);
  assert.match(run.stderr, /--user-pool-id/);
});

Deno.test("status shows each setting's source, masks ids, and reports the profile's expiry", async () => {
  await using home = await makeTempHome();
  await Deno.writeTextFile(
    `${home.dir}/.cognito-cli-config.json`,
    JSON.stringify({
      user_pool_id: POOL,
      identity_pool_id: IDENTITY_POOL,
      auth_role_name: "Cognito_Pool_Auth_Role",
    }),
  );
  await Deno.mkdir(`${home.dir}/.aws`);
  const expires = new Date(Date.now() + 90 * 60_000).toISOString();
  await Deno.writeTextFile(
    home.credentialsFile,
    `[dev]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = s\n` +
      `aws_session_token = t\nx_security_token_expires = ${expires}\n`,
  );
  const run = await runAuth(["status", "--profile", "dev"], {
    ...home.env,
    COGNITO_CLIENT_ID: CLIENT,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /user_pool_id\s+us-east-1_\S*…\S+\s+\(file /);
  assert.match(run.stdout, /client_id\s+\S+\s+\(env COGNITO_CLIENT_ID\)/);
  assert.match(run.stdout, /region\s+us-east-1\s+\(derived/);
  assert.match(
    run.stdout,
    /auth_role_name\s+Cognito_Pool_Auth_Role\s+\(file /,
  );
  assert.ok(!run.stdout.includes(POOL), "the full pool id is shown");
  assert.ok(!run.stdout.includes(CLIENT), "the full client id is shown");
  assert.match(
    run.stdout,
    new RegExp(`Credentials file:\\s+${home.credentialsFile}`),
  );
  assert.match(
    run.stdout,
    /Profile dev: credentials valid, expires .*in 1 h (29|30) min/,
  );
});

Deno.test("status writes the expiry in the local time of TZ with the zone as its UTC offset: UTC+05:30 in Asia/Kolkata, UTC-05:00 in Etc/GMT+5, plain UTC in UTC", async () => {
  await using home = await makeTempHome();
  await Deno.mkdir(`${home.dir}/.aws`);
  // Whole seconds, 90 minutes ahead.
  const expires = new Date(Math.ceil(Date.now() / 1000) * 1000 + 90 * 60_000);
  await Deno.writeTextFile(
    home.credentialsFile,
    `[dev]\naws_access_key_id = ASIAEXAMPLE\naws_secret_access_key = s\n` +
      `aws_session_token = t\nx_security_token_expires = ${expires.toISOString()}\n`,
  );
  for (
    const [tz, offsetMinutes, zone] of [
      ["Asia/Kolkata", 330, "UTC+05:30"],
      ["Etc/GMT+5", -300, "UTC-05:00"],
      ["UTC", 0, "UTC"],
    ] as const
  ) {
    const run = await runAuth(["status", "--profile", "dev"], {
      ...home.env,
      COGNITO_USER_POOL_ID: POOL,
      COGNITO_CLIENT_ID: CLIENT,
      COGNITO_IDENTITY_POOL_ID: IDENTITY_POOL,
      TZ: tz,
    });
    assert.equal(run.code, 0, run.stderr);
    // The local wall-clock time: the instant shifted by the zone's offset.
    const local = new Date(expires.getTime() + offsetMinutes * 60_000)
      .toISOString().replace("T", " ").slice(0, 19);
    assert.match(
      run.stdout,
      new RegExp(`expires ${local} ${zone.replace("+", "\\+")}, in 1 h`),
      tz,
    );
  }
});

Deno.test("status exits 3 and names what is missing when login could not run", async () => {
  await using home = await makeTempHome();
  const run = await runAuth(["status"], home.env);
  assert.equal(run.code, ExitCode.config);
  assert.match(run.stdout, /user_pool_id\s+\(not set\)/);
  assert.match(run.stdout, /Profile default: no credentials/);
  assert.match(run.stderr, /COGNITO_USER_POOL_ID/);
});

Deno.test("status names the file, line and column of a config file that is not valid JSON", async () => {
  await using home = await makeTempHome();
  const path = `${home.dir}/.cognito-cli-config.json`;
  await Deno.writeTextFile(path, '{\n  "user_pool_id": "x",\n}\n');
  const run = await runAuth(["status"], home.env);
  assert.equal(run.code, ExitCode.config);
  assert.ok(run.stderr.includes(path), run.stderr);
  // The stray comma before "}" sits at the end of line 2.
  assert.match(run.stderr, /line 2, column 22/);
});

Deno.test("--help and --version of both entry points exit 0 and print the deno.json version", async () => {
  await using home = await makeTempHome();
  for (const run of [runAuth, runAdmin]) {
    const help = await run(["--help"], home.env);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /Usage: aws-cognito-(auth|admin)/);
    const version = await run(["--version"], home.env);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), denoJson.version);
  }
  const help = await runAuth(["login", "--help"], home.env);
  for (
    const flag of [
      "-u, --username",
      "--profile",
      "--no-lambda-proxy",
      "--duration",
    ]
  ) {
    assert.ok(help.stdout.includes(flag), `login --help lacks ${flag}`);
  }
});

Deno.test("an unknown command is a usage error with exit 2 and a suggestion", async () => {
  await using home = await makeTempHome();
  const run = await runAuth(["logn"], home.env);
  assert.equal(run.code, ExitCode.usage);
  assert.match(run.stderr, /Did you mean login\?/);
});
