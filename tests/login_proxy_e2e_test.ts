/**
 * `login` with the credential proxy, end to end: the real entry point signs
 * in at moto (over TLS, so the proxy can fetch moto's JWKS over https), gets
 * Identity Pool credentials, invokes the built proxy zip running under the
 * AWS Lambda Runtime Interface Emulator, whose AssumeRole goes to moto's STS;
 * the AWS CLI then uses what was written.
 */
import assert from "node:assert/strict";
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { buildLambdaZip } from "../lambda/build.ts";
import { ExitCode } from "../lib/errors.ts";
import { makeTempHome, runAuth } from "./support/cli.ts";
import { clientConfig, createCognitoStack } from "./support/fixtures.ts";
import { startMoto } from "./support/moto.ts";
import { RIE_FUNCTION_NAME, startRie } from "./support/rie.ts";
import { makeTestTls } from "./support/tls.ts";
import { awsCli } from "./support/tools.ts";

const tls = await makeTestTls();
const moto = await startMoto({
  tls: { certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile },
});
const work = await Deno.makeTempDir({ prefix: "login-proxy-" });
const stack = await createCognitoStack(moto);

// The long-lived role and the IAM user whose keys the proxy uses.
const iam = new IAMClient(clientConfig(moto));
const tag = crypto.randomUUID().slice(0, 8);
const role = await iam.send(
  new CreateRoleCommand({
    RoleName: `long-lived-${tag}`,
    MaxSessionDuration: 43200,
    AssumeRolePolicyDocument: JSON.stringify({
      Version: "2012-10-17",
      Statement: [{
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::123456789012:user/proxy-${tag}` },
        Action: ["sts:AssumeRole", "sts:TagSession"],
      }],
    }),
  }),
);
await iam.send(new CreateUserCommand({ UserName: `proxy-${tag}` }));
const key = await iam.send(
  new CreateAccessKeyCommand({ UserName: `proxy-${tag}` }),
);
iam.destroy();

// Build the proxy zip, unpack it as Lambda does, run it under the emulator.
const build = await buildLambdaZip({ outFile: `${work}/lambda.zip` });
const taskRoot = `${work}/task`;
const unzip = await new Deno.Command("unzip", {
  args: ["-q", build.zipFile, "-d", taskRoot],
}).output();
assert.ok(unzip.success);
const rie = await startRie({
  bootstrap: `${taskRoot}/bootstrap`,
  cwd: taskRoot,
  env: {
    DENO_PATH: Deno.execPath(),
    DENO_DIR: `${work}/deno-dir`,
    AWS_REGION: "us-east-1",
    AWS_LAMBDA_FUNCTION_NAME: "cognito-credential-proxy",
    AWS_ENDPOINT_URL_STS: moto.endpoint,
    NODE_EXTRA_CA_CERTS: tls.caFile,
    COGNITO_USER_POOL_ID: stack.userPoolId,
    COGNITO_CLIENT_IDS: stack.clientId,
    COGNITO_JWKS_URI:
      `${moto.endpoint}/${stack.userPoolId}/.well-known/jwks.json`,
    DEFAULT_ROLE_ARN: role.Role!.Arn!,
    IAM_USER_ACCESS_KEY_ID: key.AccessKey!.AccessKeyId!,
    IAM_USER_SECRET_ACCESS_KEY: key.AccessKey!.SecretAccessKey!,
  },
});
globalThis.addEventListener("unload", () => {
  void rie.stop();
  void moto.stop();
});

/** Environment of a user's `login` pointed at moto and the emulator. */
function loginEnv(home: { env: Record<string, string> }) {
  return {
    ...home.env,
    ...moto.env,
    ...stack.env,
    NODE_EXTRA_CA_CERTS: tls.caFile,
    AWS_ENDPOINT_URL_LAMBDA: rie.endpoint,
    // The emulator serves one function under this fixed name.
    COGNITO_LAMBDA_FUNCTION_NAME: RIE_FUNCTION_NAME,
    COGNITO_PASSWORD: stack.password,
  };
}

Deno.test("login upgrades through the proxy under the runtime emulator: the profile gets role credentials for --duration hours that the AWS CLI uses", async () => {
  const home = await makeTempHome();
  try {
    const before = Date.now();
    const run = await runAuth(
      ["login", "-u", stack.username, "--profile", "long", "--duration", "3"],
      loginEnv(home),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Upgraded to proxy credentials/);
    assert.match(run.stderr, /Wrote proxy credentials to profile long/);

    const text = await Deno.readTextFile(home.credentialsFile);
    const expires = Date.parse(
      /x_security_token_expires = (\S+)/.exec(text)![1],
    );
    const lifetime = (expires - before) / 1000;
    assert.ok(Math.abs(lifetime - 3 * 3600) < 120, `lifetime ${lifetime} s`);
    // moto's Identity Pool always hands out this key; the proxy's differs.
    assert.doesNotMatch(text, /TESTACCESSKEY12345/);

    const who = await awsCli(
      ["sts", "get-caller-identity", "--profile", "long", "--output", "json"],
      { ...home.env, ...moto.env, AWS_CA_BUNDLE: tls.caFile },
    );
    assert.equal(who.code, 0, who.stderr);
    assert.match(
      JSON.parse(who.stdout).Arn,
      new RegExp(
        `assumed-role/long-lived-${tag}/CognitoAuth-${stack.username}$`,
      ),
    );
    // The proxy's log lines carry neither the password nor the secret key.
    assert.ok(!rie.output().includes(stack.password));
    assert.ok(!rie.output().includes(key.AccessKey!.SecretAccessKey!));
  } finally {
    await home.cleanup();
  }
});

Deno.test("login falls back to the 1-hour Identity Pool credentials with one line saying why when the proxy is missing, and exits 0", async () => {
  const home = await makeTempHome();
  try {
    const run = await runAuth(
      ["login", "-u", stack.username, "--profile", "short"],
      {
        ...loginEnv(home),
        // moto's Lambda has no such function: a real "not found" answer.
        AWS_ENDPOINT_URL_LAMBDA: moto.endpoint,
        COGNITO_LAMBDA_FUNCTION_NAME: "no-such-proxy",
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const warnings = run.stderr.split("\n").filter((l) =>
      l.includes("could not upgrade")
    );
    assert.equal(warnings.length, 1, run.stderr);
    assert.match(warnings[0], /keeping the 1-hour Identity Pool credentials/);
    assert.match(
      run.stderr,
      /Wrote Identity Pool credentials to profile short/,
    );
    assert.match(
      await Deno.readTextFile(home.credentialsFile),
      /aws_access_key_id = TESTACCESSKEY12345/,
    );
  } finally {
    await home.cleanup();
  }
});

Deno.test("login --require-proxy exits 14 and writes nothing when the proxy fails; --no-lambda-proxy never calls it", async () => {
  const home = await makeTempHome();
  try {
    const broken = {
      ...loginEnv(home),
      AWS_ENDPOINT_URL_LAMBDA: moto.endpoint,
      COGNITO_LAMBDA_FUNCTION_NAME: "no-such-proxy",
    };
    const run = await runAuth(
      ["login", "-u", stack.username, "--require-proxy"],
      broken,
    );
    assert.equal(run.code, ExitCode.proxy, run.stderr);
    await assert.rejects(Deno.stat(home.credentialsFile), Deno.errors.NotFound);

    const skipped = await runAuth(
      ["login", "-u", stack.username, "--no-lambda-proxy"],
      broken,
    );
    assert.equal(skipped.code, 0, skipped.stderr);
    assert.doesNotMatch(skipped.stderr, /proxy/);
  } finally {
    await home.cleanup();
  }
});
