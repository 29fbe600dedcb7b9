/**
 * `lambda deploy` over a function the original Python tool deployed (its
 * key under IAM_USER_AWS_ACCESS_KEY_ID / IAM_USER_AWS_SECRET_ACCESS_KEY),
 * through the real entry point against moto: the old secret never reaches
 * stdout or stderr, with --dry-run or without, and does not stay in the
 * function. Also: what a function's ACCESS_TOKEN_CHECK becomes.
 */
import assert from "node:assert/strict";
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import {
  CreateFunctionCommand,
  GetFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { makeTempHome, runAdmin, type TempHome } from "./support/cli.ts";
import {
  bootstrapZip,
  COGNITO_TRUST,
  lambdaDeployArgs,
  startAdminMoto,
} from "./support/admin.ts";
import type { RunResult } from "./support/tools.ts";
import { createZip } from "../lambda/zip.ts";

const { moto, iam, lambda } = await startAdminMoto();

const ACCOUNT = "123456789012";
const LAMBDA_TRUST = {
  Version: "2012-10-17",
  Statement: [{
    Effect: "Allow",
    Principal: { Service: "lambda.amazonaws.com" },
    Action: "sts:AssumeRole",
  }],
};

/** What the original tool left: its user, key, roles and function. */
interface OldDeploy {
  fn: string;
  user: string;
  keyId: string;
  secret: string;
  args(...extra: string[]): string[];
  env: Record<string, string>;
}

async function originalToolDeploy(
  home: TempHome,
  extraEnv: Record<string, string> = {},
): Promise<OldDeploy> {
  const tag = crypto.randomUUID().slice(0, 8);
  const user = `orig-user-${tag}`;
  const fn = `cognito-credential-proxy-${tag}`;
  const exec = `orig-exec-${tag}`;
  const auth = `auth-${tag}`;
  await iam.send(new CreateUserCommand({ UserName: user }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
  const execRole = await iam.send(
    new CreateRoleCommand({
      RoleName: exec,
      AssumeRolePolicyDocument: JSON.stringify(LAMBDA_TRUST),
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: auth,
      AssumeRolePolicyDocument: JSON.stringify(COGNITO_TRUST),
    }),
  );
  const keyId = key.AccessKey!.AccessKeyId!;
  const secret = key.AccessKey!.SecretAccessKey!;
  // As the original's deploy left it: Python code, its key names.
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: fn,
      Runtime: "python3.11",
      Handler: "lambda_function.lambda_handler",
      Role: execRole.Role!.Arn!,
      Code: {
        ZipFile: await createZip([{
          name: "lambda_function.py",
          data: new TextEncoder().encode("def lambda_handler(e, c): pass\n"),
        }]),
      },
      Environment: {
        Variables: {
          IAM_USER_AWS_ACCESS_KEY_ID: keyId,
          IAM_USER_AWS_SECRET_ACCESS_KEY: secret,
          DEFAULT_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/CognitoLongLivedRole`,
          ...extraEnv,
        },
      },
    }),
  );
  const zip = `${home.dir}/lambda.zip`;
  const layer = `${home.dir}/layer.zip`;
  await Deno.writeFile(zip, await bootstrapZip(`echo ${tag}`));
  await Deno.writeTextFile(layer, `PK fake layer ${tag}`);
  return {
    fn,
    user,
    keyId,
    secret,
    env: { ...home.env, ...moto.adminEnv },
    args: (...extra: string[]) =>
      lambdaDeployArgs({ tag, fn, auth, zip, layer }, ...extra),
  };
}

async function functionEnv(fn: string): Promise<Record<string, string>> {
  const out = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: fn }),
  );
  return out.Environment?.Variables ?? {};
}

function assertNotShown(run: RunResult, ...secrets: string[]): void {
  for (const secret of secrets) {
    assert.ok(
      !run.stdout.includes(secret) && !run.stderr.includes(secret),
      `a secret appeared in the output:\n${run.stdout}\n${run.stderr}`,
    );
  }
}

Deno.test("lambda deploy over the original tool's function keeps its secret off stdout and stderr (--dry-run too), moves its key to our names and leaves no IAM_USER_AWS_* behind", async () => {
  await using home = await makeTempHome();
  const old = await originalToolDeploy(home, { DB_PASSWORD: "hunter2-pw" });

  const dry = await runAdmin(old.args("--dry-run"), old.env);
  assert.equal(dry.code, 0, dry.stderr);
  assertNotShown(dry, old.secret, "hunter2-pw");
  assert.match(
    dry.stdout,
    /removes the original tool's IAM_USER_AWS_ACCESS_KEY_ID and IAM_USER_AWS_SECRET_ACCESS_KEY/,
  );
  assert.match(dry.stdout, /"DB_PASSWORD": "\(secret, not shown\)"/);
  assert.match(
    dry.stdout,
    /"IAM_USER_SECRET_ACCESS_KEY": "\(secret, not shown\)"/,
  );
  assert.doesNotMatch(dry.stdout, /"IAM_USER_AWS_SECRET_ACCESS_KEY"/);
  // The function's key was adopted: its user is the one trusted.
  assert.ok(dry.stdout.includes(`IAM user ${old.user},`), dry.stdout);
  assert.match(dry.stdout, /has no ACCESS_TOKEN_CHECK \(kept/);
  assert.equal(
    (await functionEnv(old.fn)).IAM_USER_AWS_SECRET_ACCESS_KEY,
    old.secret,
    "--dry-run changed nothing",
  );

  const run = await runAdmin(old.args("--yes"), old.env);
  assert.equal(run.code, 0, run.stderr);
  assertNotShown(run, old.secret, "hunter2-pw");
  const env = await functionEnv(old.fn);
  assert.equal(env.IAM_USER_AWS_ACCESS_KEY_ID, undefined);
  assert.equal(env.IAM_USER_AWS_SECRET_ACCESS_KEY, undefined);
  assert.equal(env.IAM_USER_ACCESS_KEY_ID, old.keyId);
  assert.equal(env.IAM_USER_SECRET_ACCESS_KEY, old.secret);
  assert.equal(env.DB_PASSWORD, "hunter2-pw", "variables not ours are kept");
  assert.equal(
    env.ACCESS_TOKEN_CHECK,
    undefined,
    "an existing function keeps its setting",
  );
  const keys = await iam.send(
    new ListAccessKeysCommand({ UserName: old.user }),
  );
  assert.deepEqual(keys.AccessKeyMetadata?.map((k) => k.AccessKeyId), [
    old.keyId,
  ]);

  const again = await runAdmin(old.args("--yes"), old.env);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /No changes/);
  assertNotShown(again, old.secret, "hunter2-pw");
});

Deno.test("lambda deploy --create-user over the original tool's function with another user removes the old key from the function and warns that it still exists in IAM", async () => {
  await using home = await makeTempHome();
  const old = await originalToolDeploy(home, {
    ACCESS_TOKEN_CHECK: "allow-missing",
  });
  const user = `new-user-${crypto.randomUUID().slice(0, 8)}`;
  const run = await runAdmin(
    old.args("--create-user", "--user-name", user, "--yes"),
    old.env,
  );
  assert.equal(run.code, 0, run.stderr);
  assertNotShown(run, old.secret);
  assert.match(run.stdout, /ACCESS_TOKEN_CHECK=allow-missing \(kept\)/);
  assert.match(
    run.stdout,
    /Warning: The function held the original tool's access key AKIA…\w{4} \(IAM_USER_AWS_ACCESS_KEY_ID\); it is removed from the function, but the key itself still exists in IAM/,
  );
  const env = await functionEnv(old.fn);
  assert.equal(env.IAM_USER_AWS_SECRET_ACCESS_KEY, undefined);
  assert.notEqual(env.IAM_USER_ACCESS_KEY_ID, old.keyId);
  assert.notEqual(env.IAM_USER_SECRET_ACCESS_KEY, old.secret);
  assert.equal(env.ACCESS_TOKEN_CHECK, "allow-missing");
});
