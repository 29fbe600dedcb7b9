/**
 * AWS refusals become plain sentences naming the missing permission: a moto
 * of its own here enforces IAM policies (after the first few set-up calls,
 * `INITIAL_NO_AUTH_ACTION_COUNT`), and the admin tool runs with the keys of
 * a user who may only read roles.
 */
import assert from "node:assert/strict";
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
  PutUserPolicyCommand,
} from "@aws-sdk/client-iam";
import { startMoto } from "./support/moto.ts";
import { makeTempHome, runAdmin } from "./support/cli.ts";
import { clientConfig } from "./support/fixtures.ts";
import { COGNITO_TRUST } from "./support/admin.ts";
import { ExitCode } from "../lib/errors.ts";

// Exactly the four set-up calls below run without authorisation.
const moto = await startMoto({ env: { INITIAL_NO_AUTH_ACTION_COUNT: "4" } });
globalThis.addEventListener("unload", () => void moto.stop());

const iam = new IAMClient(clientConfig(moto));
await iam.send(new CreateUserCommand({ UserName: "reader" }));
const key = (await iam.send(new CreateAccessKeyCommand({ UserName: "reader" })))
  .AccessKey!;
await iam.send(
  new PutUserPolicyCommand({
    UserName: "reader",
    PolicyName: "read-roles",
    PolicyDocument: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Action: ["iam:GetRole", "iam:GetRolePolicy", "sts:GetCallerIdentity"],
        Resource: "*",
      }],
    }),
  }),
);
await iam.send(
  new CreateRoleCommand({
    RoleName: "Target",
    AssumeRolePolicyDocument: JSON.stringify(COGNITO_TRUST),
  }),
);
iam.destroy();

const readerEnv = {
  ...moto.env,
  AWS_ACCESS_KEY_ID: key.AccessKeyId!,
  AWS_SECRET_ACCESS_KEY: key.SecretAccessKey!,
};

Deno.test("an AccessDenied from IAM exits 15 with a sentence naming the user and the missing permission", async () => {
  await using home = await makeTempHome();
  const run = await runAdmin([
    "policy",
    "create-s3-policy",
    "--bucket-name",
    "data",
    "--role-name",
    "Target",
    "--yes",
  ], { ...home.env, ...readerEnv });
  assert.equal(run.code, ExitCode.awsPermission, run.stderr);
  assert.match(run.stderr, /FAILED iam:PutRolePolicy/);
  assert.match(
    run.stderr,
    /AWS denied putting inline policy S3Access-data on role Target: arn:aws:iam::123456789012:user\/reader lacks the permission iam:PutRolePolicy/,
  );
  assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/, "no stack trace");
  assert.ok(!run.stderr.includes(key.SecretAccessKey!));
});

Deno.test("an AccessDenied while reading (role info) names the read permission that is missing", async () => {
  await using home = await makeTempHome();
  const run = await runAdmin(
    ["role", "info", "--role-name", "Target"],
    { ...home.env, ...readerEnv },
  );
  assert.equal(run.code, ExitCode.awsPermission, run.stderr);
  assert.match(
    run.stderr,
    /lacks the permission iam:ListAttachedRolePolicies/,
  );
});
