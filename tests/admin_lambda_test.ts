/**
 * `aws-cognito-admin lambda deploy` through the real entry point against
 * moto, reading every resource back with the SDK. The runtime layer is a
 * small zip given with `--layer-zip` (moto accepts any bytes); the npm
 * download path is covered in admin_templates_test.ts.
 */
import assert from "node:assert/strict";
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRoleCommand,
  GetUserCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
} from "@aws-sdk/client-iam";
import {
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListLayerVersionsCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { makeTempHome, runAdmin, type TempHome } from "./support/cli.ts";
import { clientConfig } from "./support/fixtures.ts";
import {
  assertCallsDone,
  bootstrapZip,
  COGNITO_TRUST,
  DEPLOY_CLIENT_ID,
  DEPLOY_POOL_ID,
  inlinePolicy,
  lambdaDeployArgs,
  startAdminMoto,
} from "./support/admin.ts";
import { ExitCode } from "../lib/errors.ts";
import { decodePolicyDocument } from "../lib/policies.ts";
import { fileLayer, sha256Base64 } from "../lib/admin/deno_layer.ts";
import { createAwsClients } from "../lib/admin/aws.ts";
import {
  type LambdaDeployRequest,
  planLambdaDeploy,
} from "../lib/admin/lambda_deploy.ts";
import { runPlan } from "../lib/plan.ts";
import type { RunResult } from "./support/tools.ts";

const { moto, iam, lambda } = await startAdminMoto();

const POOL = DEPLOY_POOL_ID;
const CLIENT = DEPLOY_CLIENT_ID;
const ACCOUNT = "123456789012";

/** Fresh names and files for one test; disposing it removes the home. */
interface Setup extends AsyncDisposable {
  tag: string;
  user: string;
  long: string;
  exec: string;
  fn: string;
  auth: string;
  zip: string;
  layer: string;
  home: TempHome;
  env: Record<string, string>;
  args(...extra: string[]): string[];
}

async function setup(): Promise<Setup> {
  const tag = crypto.randomUUID().slice(0, 8);
  const home = await makeTempHome();
  const zip = `${home.dir}/lambda.zip`;
  const layer = `${home.dir}/layer.zip`;
  await Deno.writeFile(zip, await bootstrapZip(`echo fake bundle ${tag}`));
  await Deno.writeTextFile(layer, `PK fake layer ${tag}`);
  const auth = `auth-${tag}`;
  await iam.send(
    new CreateRoleCommand({
      RoleName: auth,
      AssumeRolePolicyDocument: JSON.stringify(COGNITO_TRUST),
    }),
  );
  const s = {
    tag,
    user: `proxy-user-${tag}`,
    long: `LongLived-${tag}`,
    exec: `Exec-${tag}`,
    fn: `proxy-${tag}`,
    auth,
    zip,
    layer,
    home,
    env: { ...home.env, ...moto.adminEnv },
    args: (...extra: string[]) =>
      lambdaDeployArgs(
        { ...s, zipFlag: "--zip-file" },
        "--user-name",
        s.user,
        ...extra,
      ),
    [Symbol.asyncDispose]: () => home.cleanup(),
  };
  return s;
}

async function functionEnv(fn: string): Promise<Record<string, string>> {
  const out = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: fn }),
  );
  return out.Environment?.Variables ?? {};
}

async function keyIds(user: string): Promise<string[]> {
  const out = await iam.send(new ListAccessKeysCommand({ UserName: user }));
  return (out.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId!);
}

async function layerVersions(name: string): Promise<number> {
  const out = await lambda.send(
    new ListLayerVersionsCommand({ LayerName: name }),
  );
  return (out.LayerVersions ?? []).length;
}

function assertSecretHidden(run: RunResult, secret: string): void {
  assert.ok(
    !run.stdout.includes(secret) && !run.stderr.includes(secret),
    "the secret access key appeared in the output",
  );
}

/** Reads everything the deploy promised back from moto. */
async function assertDeployed(s: Setup): Promise<void> {
  const userArn = `arn:aws:iam::${ACCOUNT}:user/${s.user}`;
  const longArn = `arn:aws:iam::${ACCOUNT}:role/${s.long}`;
  const execArn = `arn:aws:iam::${ACCOUNT}:role/${s.exec}`;
  const fnArn = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${s.fn}`;

  const user = await iam.send(new GetUserCommand({ UserName: s.user }));
  assert.equal(user.User?.Arn, userArn);
  const userPolicy = await iam.send(
    new GetUserPolicyCommand({
      UserName: s.user,
      PolicyName: "CognitoProxyAssumeLongLivedRole",
    }),
  );
  assert.deepEqual(decodePolicyDocument(userPolicy.PolicyDocument), {
    Version: "2012-10-17",
    Statement: [{
      Sid: "AssumeLongLivedRoleWithSessionTags",
      Effect: "Allow",
      Action: ["sts:AssumeRole", "sts:TagSession"],
      Resource: longArn,
    }],
  });

  const long = await iam.send(new GetRoleCommand({ RoleName: s.long }));
  assert.equal(long.Role?.MaxSessionDuration, 43200);
  assert.deepEqual(decodePolicyDocument(long.Role?.AssumeRolePolicyDocument), {
    Version: "2012-10-17",
    Statement: [{
      Sid: "ProxyUserOnly",
      Effect: "Allow",
      Principal: { AWS: userArn },
      Action: ["sts:AssumeRole", "sts:TagSession"],
    }],
  });

  const exec = await iam.send(new GetRoleCommand({ RoleName: s.exec }));
  const execTrust = decodePolicyDocument(
    exec.Role?.AssumeRolePolicyDocument,
  ) as { Statement: { Principal: unknown }[] };
  assert.deepEqual(execTrust.Statement[0].Principal, {
    Service: "lambda.amazonaws.com",
  });
  assert.match(
    JSON.stringify(await inlinePolicy(iam, s.exec, "CognitoProxyLogs")),
    new RegExp(
      `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/lambda/${s.fn}:\\*`,
    ),
  );

  const fn = await lambda.send(new GetFunctionCommand({ FunctionName: s.fn }));
  const c = fn.Configuration!;
  assert.equal(c.Runtime, "provided.al2023");
  assert.equal(c.Handler, "bootstrap");
  assert.equal(c.Role, execArn);
  assert.equal(c.CodeSha256, await sha256Base64(await Deno.readFile(s.zip)));
  assert.deepEqual(c.Layers?.map((l) => l.Arn), [
    `arn:aws:lambda:us-east-1:${ACCOUNT}:layer:${s.fn}-deno:1`,
  ]);
  const env = c.Environment?.Variables ?? {};
  assert.equal(env.COGNITO_USER_POOL_ID, POOL);
  assert.equal(env.COGNITO_CLIENT_IDS, CLIENT);
  assert.equal(env.DEFAULT_ROLE_ARN, longArn);
  assert.equal(env.ROLE_MAX_SESSION_DURATION, "43200");
  assert.ok(env.IAM_USER_SECRET_ACCESS_KEY, "the function has the secret");
  assert.deepEqual(await keyIds(s.user), [env.IAM_USER_ACCESS_KEY_ID]);
  assert.equal(await layerVersions(`${s.fn}-deno`), 1);

  const invokeDoc = await inlinePolicy(
    iam,
    s.auth,
    "CognitoAuthoriserMinimum",
  ) as { Statement: { Action: string; Resource: string }[] };
  assert.deepEqual(invokeDoc.Statement[1], {
    Sid: "InvokeCredentialProxy",
    Effect: "Allow",
    Action: "lambda:InvokeFunction",
    Resource: fnArn,
  });
}

Deno.test("lambda deploy --create-user builds user, roles, key, layer and function as promised; a second run (and one without key flags) changes nothing", async () => {
  await using s = await setup();
  const first = await runAdmin(s.args("--create-user", "--yes"), s.env);
  assert.equal(first.code, 0, first.stderr);
  assertCallsDone(first.stderr, [
    "iam:CreateUser",
    "iam:PutUserPolicy",
    "iam:CreateRole",
    "iam:CreateAccessKey",
    "lambda:PublishLayerVersion",
    "lambda:CreateFunction",
    "iam:PutRolePolicy",
    "sts:AssumeRole",
  ]);
  // One progress line per step, each with its elapsed time.
  const steps = first.stderr.split("\n").filter((l) => /^\[\d+\/\d+\]/.test(l));
  assert.ok(steps.length >= 10, first.stderr);
  for (const line of steps) {
    assert.match(line, /\(\d+\.\d s, \d+\.\d s in all\)$/);
  }
  await assertDeployed(s);
  const {
    IAM_USER_SECRET_ACCESS_KEY: secret,
    IAM_USER_ACCESS_KEY_ID: key,
    ACCESS_TOKEN_CHECK: check,
  } = await functionEnv(s.fn);
  assert.equal(
    check,
    "require",
    "a new function refuses callers with no access token",
  );
  assertSecretHidden(first, secret);

  const second = await runAdmin(s.args("--create-user", "--yes"), s.env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /No changes/);
  assert.match(second.stdout, /the function already uses it \(no new key/);
  assert.match(second.stdout, /ACCESS_TOKEN_CHECK=require \(kept\)/);
  assertSecretHidden(second, secret);
  await assertDeployed(s);
  assert.equal((await functionEnv(s.fn)).IAM_USER_ACCESS_KEY_ID, key);

  const keep = await runAdmin(s.args("--yes"), s.env);
  assert.equal(keep.code, 0, keep.stderr);
  assert.match(keep.stdout, /No changes/);
  await assertDeployed(s);
});

Deno.test("lambda deploy --dry-run prints the plan with the trust policy naming the exact user and creates nothing", async () => {
  await using s = await setup();
  const run = await runAdmin(s.args("--create-user", "--dry-run"), s.env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stdout,
    /iam:CreateRole {2}role LongLived-\w+ \(MaxSessionDuration 43200\)/,
  );
  assert.ok(
    run.stdout.includes(`"AWS": "arn:aws:iam::${ACCOUNT}:user/${s.user}"`),
    run.stdout,
  );
  assert.match(run.stdout, /"sts:TagSession"/);
  assert.match(
    run.stdout,
    /"IAM_USER_SECRET_ACCESS_KEY": "\(secret, not shown\)"/,
  );
  assert.match(run.stdout, /"ACCESS_TOKEN_CHECK": "require"/);
  assert.match(run.stderr, /Dry run: nothing was changed/);
  await assert.rejects(iam.send(new GetUserCommand({ UserName: s.user })));
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: s.long })));
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName: s.exec })));
  await assert.rejects(
    lambda.send(new GetFunctionCommand({ FunctionName: s.fn })),
  );
  assert.equal(await layerVersions(`${s.fn}-deno`), 0);
  await assert.rejects(
    inlinePolicy(iam, s.auth, "CognitoAuthoriserMinimum"),
  );
});

Deno.test("lambda deploy with --access-key-id trusts the user who owns that key, not a default user, and runs twice unchanged", async () => {
  await using s = await setup();
  const owner = `own-keys-${s.tag}`;
  await iam.send(new CreateUserCommand({ UserName: owner }));
  const key = await iam.send(new CreateAccessKeyCommand({ UserName: owner }));
  const id = key.AccessKey!.AccessKeyId!;
  const secret = key.AccessKey!.SecretAccessKey!;
  const args = s.args("--access-key-id", id, "--yes");
  const env = { ...s.env, PROXY_USER_SECRET_ACCESS_KEY: secret };
  const first = await runAdmin(args, env);
  assert.equal(first.code, 0, first.stderr);
  assertSecretHidden(first, secret);
  const long = await iam.send(new GetRoleCommand({ RoleName: s.long }));
  const trust = decodePolicyDocument(long.Role?.AssumeRolePolicyDocument) as {
    Statement: { Principal: { AWS: string } }[];
  };
  assert.equal(
    trust.Statement[0].Principal.AWS,
    `arn:aws:iam::${ACCOUNT}:user/${owner}`,
  );
  await iam.send(
    new GetUserPolicyCommand({
      UserName: owner,
      PolicyName: "CognitoProxyAssumeLongLivedRole",
    }),
  );
  await assert.rejects(iam.send(new GetUserCommand({ UserName: s.user })));
  const fnEnv = await functionEnv(s.fn);
  assert.equal(fnEnv.IAM_USER_ACCESS_KEY_ID, id);
  assert.equal(fnEnv.IAM_USER_SECRET_ACCESS_KEY, secret);
  assert.deepEqual(await keyIds(owner), [id]);

  const second = await runAdmin(args, env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stdout, /No changes/);
});

Deno.test("lambda deploy --create-user stops (exit 16) when the user has a key the function does not hold, and mints nothing", async () => {
  await using s = await setup();
  await iam.send(new CreateUserCommand({ UserName: s.user }));
  const existing = await iam.send(
    new CreateAccessKeyCommand({ UserName: s.user }),
  );
  const run = await runAdmin(s.args("--create-user", "--yes"), s.env);
  assert.equal(run.code, ExitCode.awsRefused, run.stderr);
  assert.match(run.stderr, /cannot be read back/);
  assert.match(run.stderr, /--rotate-key/);
  assert.deepEqual(await keyIds(s.user), [existing.AccessKey!.AccessKeyId]);
  await assert.rejects(
    lambda.send(new GetFunctionCommand({ FunctionName: s.fn })),
  );
});

Deno.test("lambda deploy --create-user --rotate-key gives the function a new key and deletes the one it used", async () => {
  await using s = await setup();
  const first = await runAdmin(s.args("--create-user", "--yes"), s.env);
  assert.equal(first.code, 0, first.stderr);
  const old = (await functionEnv(s.fn)).IAM_USER_ACCESS_KEY_ID;
  const rotate = await runAdmin(
    s.args("--create-user", "--rotate-key", "--yes"),
    s.env,
  );
  assert.equal(rotate.code, 0, rotate.stderr);
  assert.match(rotate.stderr, /done +iam:CreateAccessKey/);
  assert.match(rotate.stderr, /done +lambda:UpdateFunctionConfiguration/);
  assert.match(rotate.stderr, /done +iam:DeleteAccessKey/);
  const now = (await functionEnv(s.fn)).IAM_USER_ACCESS_KEY_ID;
  assert.notEqual(now, old);
  assert.deepEqual(await keyIds(s.user), [now]);
  await assertDeployed(s);
});

Deno.test("lambda deploy updates only the code when the bundle changes, and restores its own variables while keeping others", async () => {
  await using s = await setup();
  const first = await runAdmin(s.args("--create-user", "--yes"), s.env);
  assert.equal(first.code, 0, first.stderr);
  await Deno.writeFile(
    s.zip,
    await bootstrapZip(`echo a newer bundle ${s.tag}`),
  );
  const code = await runAdmin(s.args("--yes"), s.env);
  assert.equal(code.code, 0, code.stderr);
  assert.match(code.stderr, /done +lambda:UpdateFunctionCode/);
  assert.doesNotMatch(code.stderr, /UpdateFunctionConfiguration/);
  await assertDeployed(s);

  const env = await functionEnv(s.fn);
  await lambda.send(
    new UpdateFunctionConfigurationCommand({
      FunctionName: s.fn,
      Environment: {
        Variables: {
          ...env,
          COGNITO_CLIENT_IDS: "someone-else",
          ALLOWED_ROLE_ARNS: `arn:aws:iam::${ACCOUNT}:role/Extra`,
        },
      },
    }),
  );
  const config = await runAdmin(s.args("--yes"), s.env);
  assert.equal(config.code, 0, config.stderr);
  assert.match(config.stderr, /done +lambda:UpdateFunctionConfiguration/);
  const after = await functionEnv(s.fn);
  assert.equal(after.COGNITO_CLIENT_IDS, CLIENT);
  assert.equal(after.ALLOWED_ROLE_ARNS, `arn:aws:iam::${ACCOUNT}:role/Extra`);
  await assertDeployed(s);
});

Deno.test("lambda deploy refuses, with exit 2 and a hint, a missing bundle and a first deploy with no key source", async () => {
  await using s = await setup();
  const noZip = await runAdmin(
    s.args("--create-user", "--yes", "--zip-file", `${s.home.dir}/none.zip`),
    s.env,
  );
  assert.equal(noZip.code, ExitCode.usage, noZip.stderr);
  assert.match(noZip.stderr, /deno task build:lambda/);
  const noKeys = await runAdmin(s.args("--yes"), s.env);
  assert.equal(noKeys.code, ExitCode.usage, noKeys.stderr);
  assert.match(noKeys.stderr, /--create-user/);
  const both = await runAdmin(
    s.args("--create-user", "--access-key-id", "AKIAEXAMPLE", "--yes"),
    s.env,
  );
  assert.equal(both.code, ExitCode.usage, both.stderr);
  await assert.rejects(iam.send(new GetUserCommand({ UserName: s.user })));
});

/** AWS clients that reach moto directly, for in-process deploys. */
function motoClients() {
  return createAwsClients("us-east-1", {
    endpoint: moto.endpoint,
    credentials: clientConfig(moto).credentials,
  });
}

/** The in-process deploy input that `--create-user` gives for `s`. */
async function createUserDeploy(s: Setup): Promise<LambdaDeployRequest> {
  return {
    region: "us-east-1",
    userPoolId: POOL,
    clientIds: [CLIENT],
    functionName: s.fn,
    bundle: await Deno.readFile(s.zip),
    bundlePath: s.zip,
    layer: await fileLayer(s.layer),
    layerName: `${s.fn}-deno`,
    keys: { mode: "create-user", userName: s.user, rotate: false },
    longLivedRoleName: s.long,
    executionRoleName: s.exec,
    authRole: { roleName: s.auth },
  };
}

Deno.test("lambda deploy retries CreateFunction with backoff while Lambda cannot yet assume the new execution role (fake sleep, in process)", async () => {
  await using s = await setup();
  const clients = motoClients();
  try {
    // Lambda answers as it does until IAM has propagated a new role.
    let refusals = 2;
    const send = clients.lambda.send.bind(clients.lambda);
    clients.lambda.send = ((command: { constructor: { name: string } }) => {
      if (
        command.constructor.name === "CreateFunctionCommand" && refusals > 0
      ) {
        refusals--;
        return Promise.reject(
          Object.assign(
            new Error(
              "The role defined for the function cannot be assumed by Lambda.",
            ),
            {
              name: "InvalidParameterValueException",
              $metadata: { httpStatusCode: 400 },
            },
          ),
        );
      }
      return send(command as never);
    }) as typeof clients.lambda.send;
    const waits: number[] = [];
    const plan = await planLambdaDeploy(await createUserDeploy(s), {
      clients,
      backoff: {
        sleep: (ms) => {
          waits.push(ms);
          return Promise.resolve();
        },
      },
    });
    await runPlan(plan, () => {});
    assert.equal(refusals, 0);
    assert.deepEqual(waits, [500, 1000]);
    await assertDeployed(s);
  } finally {
    clients.destroy();
  }
});

Deno.test("lambda deploy does not print the IAM user's secret key when Lambda's error quotes the environment (the 4 KB limit's \"String measured\")", async () => {
  await using s = await setup();
  const clients = motoClients();
  try {
    let secret: string | undefined;
    const send = clients.lambda.send.bind(clients.lambda);
    clients.lambda.send = ((command: {
      constructor: { name: string };
      input: { Environment?: { Variables?: Record<string, string> } };
    }) => {
      if (command.constructor.name === "CreateFunctionCommand") {
        // As Lambda answers when the variables exceed 4 KB.
        const variables = command.input.Environment?.Variables ?? {};
        secret = variables.IAM_USER_SECRET_ACCESS_KEY;
        return Promise.reject(
          Object.assign(
            new Error(
              "Lambda was unable to configure your environment variables " +
                "because the environment variables you have provided " +
                "exceeded the 4KB limit. String measured: " +
                JSON.stringify(variables),
            ),
            {
              name: "InvalidParameterValueException",
              $fault: "client",
              $metadata: { httpStatusCode: 400 },
            },
          ),
        );
      }
      return send(command as never);
    }) as typeof clients.lambda.send;
    const plan = await planLambdaDeploy(await createUserDeploy(s), {
      clients,
      backoff: { sleep: () => Promise.resolve() },
    });
    const lines: string[] = [];
    const error = await runPlan(plan, (r) => lines.push(r.step.call)).then(
      () => undefined,
      (error: Error) => error,
    );
    assert.ok(error, "the deploy fails");
    assert.ok(secret, "the function was to get the secret");
    assert.match(error.message, /4KB limit/);
    assert.ok(
      !`${error.message}\n${lines.join("\n")}`.includes(secret),
      `the secret access key is in the error: ${error.message}`,
    );
  } finally {
    clients.destroy();
  }
});
