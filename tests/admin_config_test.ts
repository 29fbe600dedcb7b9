/**
 * The original tool's admin config file (`~/.cognito-admin-config.json`):
 * `aws-cognito-admin configure` writes it, `status` shows what came from it,
 * and `login` invokes the proxy function it names, against moto.
 */
import assert from "node:assert/strict";
import { filePlatform } from "../lib/atomic_file.ts";
import { ExitCode } from "../lib/errors.ts";
import { createCognitoStack, writeStackConfig } from "./support/fixtures.ts";
import { runAdmin, runAuth, withTempHome } from "./support/cli.ts";
import { startMoto } from "./support/moto.ts";

const moto = await startMoto();

/** moto's environment without its AWS_REGION, so the region comes from us. */
const motoEnv = Object.fromEntries(
  Object.entries(moto.env).filter(([name]) => name !== "AWS_REGION"),
);

/** The original's admin-config.example.json, with custom names. */
const ORIGINAL_ADMIN_CONFIG = {
  aws_service_names: {
    iam_user_name: "TeamProxyUser",
    lambda_execution_role_name: "TeamProxyExecutionRole",
    long_lived_role_name: "TeamLongLivedRole",
    lambda_function_name: "team-credential-proxy",
    identity_pool_name: "TeamIdentityPool",
    policy_names: {
      lambda_user_policy: "CognitoCredentialProxyPolicy",
      lambda_execution_policy: "CognitoCredentialProxyPolicy",
      s3_access_policy: "S3AccessPolicy",
    },
  },
  aws_configuration: {
    default_region: "ap-southeast-1",
    lambda_runtime: "python3.9",
    lambda_timeout: 30,
    max_session_duration: 43200,
    default_bucket: "my-s3-bucket",
  },
  identity_pool_id: "",
  region: "",
};

Deno.test("aws-cognito-admin configure by flags writes the names into the admin config file (mode 0600), keeping every key it does not set", async () => {
  await withTempHome(async (home) => {
    const path = `${home.dir}/.cognito-admin-config.json`;
    await Deno.writeTextFile(path, JSON.stringify(ORIGINAL_ADMIN_CONFIG));
    const run = await runAdmin([
      "configure",
      "--lambda-function-name",
      "other-proxy",
      "--long-lived-role-name",
      "OtherRole",
    ], home.env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Saved admin settings to /);
    const written = JSON.parse(await Deno.readTextFile(path));
    const expected = structuredClone(ORIGINAL_ADMIN_CONFIG);
    expected.aws_service_names.lambda_function_name = "other-proxy";
    expected.aws_service_names.long_lived_role_name = "OtherRole";
    assert.deepEqual(written, expected);
    if (Deno.build.os !== "windows") {
      if (filePlatform().modes) {
        assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
      }
    }

    const bad = await runAdmin(
      ["configure", "--lambda-function-name", "not a name"],
      home.env,
    );
    assert.equal(bad.code, ExitCode.config, bad.stderr);
    assert.match(bad.stderr, /Lambda function name "not a name" is malformed/);
    assert.deepEqual(JSON.parse(await Deno.readTextFile(path)), expected);

    const noTerminal = await runAdmin(["configure"], home.env);
    assert.equal(noTerminal.code, ExitCode.inputRequired);
    assert.match(noTerminal.stderr, /--user-name, --execution-role-name/);
  });
});

Deno.test("aws-cognito-admin configure creates the file with only the names given when there is none", async () => {
  await withTempHome(async (home) => {
    const run = await runAdmin(
      ["configure", "--identity-pool-name", "Team Pool"],
      home.env,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      JSON.parse(
        await Deno.readTextFile(`${home.dir}/.cognito-admin-config.json`),
      ),
      { aws_service_names: { identity_pool_name: "Team Pool" } },
    );
  });
});

Deno.test("with the original's CLI config and admin config (custom names), login invokes the function the admin config names, and status says which file each value came from", async () => {
  const stack = await createCognitoStack(moto);
  await withTempHome(async (home) => {
    // The original's config.example.json keys, and its admin config.
    await writeStackConfig(home, stack);
    const adminPath = `${home.dir}/.cognito-admin-config.json`;
    await Deno.writeTextFile(adminPath, JSON.stringify(ORIGINAL_ADMIN_CONFIG));
    const env = { ...home.env, ...motoEnv, COGNITO_PASSWORD: stack.password };

    const status = await runAuth(["status"], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(
      status.stdout,
      new RegExp(
        `lambda_function_name\\s+team-credential-proxy\\s+\\(file ${adminPath}\\)`,
      ),
    );
    assert.match(status.stdout, /region\s+us-east-1\s+\(file .*cli-config/);
    assert.match(status.stdout, new RegExp(`Admin config file: ${adminPath}`));

    // moto's Lambda has no such function: its "not found" answer names the
    // function login invoked, and login keeps the Identity Pool credentials.
    const login = await runAuth(["login", "-u", stack.username], env);
    assert.equal(login.code, 0, login.stderr);
    assert.match(
      login.stderr,
      /credential proxy function team-credential-proxy was not found/,
    );
    assert.doesNotMatch(login.stderr, /cognito-credential-proxy/);

    // A name closer to the user (the environment) still wins.
    const closer = await runAuth(["login", "-u", stack.username, "--force"], {
      ...env,
      COGNITO_LAMBDA_FUNCTION_NAME: "env-proxy",
    });
    assert.equal(closer.code, 0, closer.stderr);
    assert.match(closer.stderr, /credential proxy function env-proxy was not/);
  });
});

Deno.test("a region that differs from the user pool id's is used, with one warning line naming its source; AWS_DEFAULT_REGION is ignored", async () => {
  const stack = await createCognitoStack(moto);
  await withTempHome(async (home) => {
    const env = {
      ...home.env,
      ...motoEnv,
      ...stack.env,
      AWS_DEFAULT_REGION: "eu-west-1",
    };
    const status = await runAuth(["status"], env);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /region\s+us-east-1\s+\(derived/);
    assert.doesNotMatch(status.stderr, /differs/);

    const differs = await runAuth(["status"], {
      ...env,
      AWS_REGION: "eu-west-2",
    });
    assert.match(differs.stdout, /region\s+eu-west-2\s+\(env AWS_REGION\)/);
    assert.match(
      differs.stderr,
      /The region eu-west-2 \(from env AWS_REGION\) differs from the user pool id's region us-east-1/,
    );
  });
});
