/**
 * `login` with the credential proxy, end to end: the real entry point signs
 * in at moto (over TLS, so the proxy can fetch moto's JWKS over https), gets
 * Identity Pool credentials, invokes the built proxy zip running under the
 * AWS Lambda Runtime Interface Emulator, whose AssumeRole goes to moto's STS;
 * the AWS CLI then uses what was written.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../lib/errors.ts";
import { roleSessionName } from "../lib/role_session_name.ts";
import { makeTempHome, runAuth } from "./support/cli.ts";
import { startProxyStack } from "./support/proxy_stack.ts";
import { awsCli } from "./support/tools.ts";

const proxyStack = await startProxyStack();
const { tls, moto, stack, tag, rie, loginEnv } = proxyStack;
globalThis.addEventListener("unload", () => {
  void proxyStack.stop();
});

Deno.test("login upgrades through the proxy under the runtime emulator: the profile gets role credentials for --duration hours that the AWS CLI uses", async () => {
  await using home = await makeTempHome();
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
      `assumed-role/long-lived-${tag}/${await roleSessionName(
        stack.username,
      )}$`,
    ),
  );
  // The proxy's log lines carry neither the password nor the secret key.
  assert.ok(!rie.output().includes(stack.password));
  assert.ok(!rie.output().includes(proxyStack.proxyUser.secretAccessKey));
});

Deno.test("login falls back to the 1-hour Identity Pool credentials with one line saying why when the proxy is missing, and exits 0", async () => {
  await using home = await makeTempHome();
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
});

Deno.test("login --require-proxy exits 14 and writes nothing when the proxy fails; --no-lambda-proxy never calls it", async () => {
  await using home = await makeTempHome();
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
});
