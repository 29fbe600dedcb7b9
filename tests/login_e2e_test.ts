/**
 * `aws-cognito-auth login` end to end: the real entry point in a fresh
 * process (stdin not a terminal, no AWS credentials, a temporary HOME)
 * against moto, and the real AWS CLI reading what it wrote.
 */
import assert from "node:assert/strict";
import { awsCli } from "./support/tools.ts";
import { startMoto } from "./support/moto.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import { writeHandWrittenCredentials } from "./support/reliability.ts";
import {
  loginArgs,
  makeTempHome,
  runAuth,
  stackEnv,
  withTempHome,
} from "./support/cli.ts";
import { ExitCode } from "../lib/errors.ts";
import { filePlatform } from "../lib/atomic_file.ts";

/** Modes mean nothing on Windows (filePlatform().modes). */
const MODES = filePlatform().modes;

const moto = await startMoto();

/** Well-formed settings of a pool that exists nowhere. */
const MADE_UP_SETTINGS = {
  COGNITO_USER_POOL_ID: "us-east-1_abc123",
  COGNITO_CLIENT_ID: "client123",
  COGNITO_IDENTITY_POOL_ID: "us-east-1:0000-1111",
};

/** Asserts that no secret of the stack shows in the output of a run. */
function assertNoSecrets(
  output: { stdout: string; stderr: string },
  secrets: string[],
): void {
  for (const secret of secrets) {
    assert.ok(
      !output.stdout.includes(secret) && !output.stderr.includes(secret),
      "a secret appeared in the output",
    );
  }
}

Deno.test("login via the CLI entry writes a profile that the real AWS CLI uses against moto", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const run = await runAuth(
    loginArgs(stack, "--profile", "e2e", "--no-lambda-proxy"),
    { ...stackEnv(home, moto, stack), COGNITO_PASSWORD: stack.password },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /Wrote Identity Pool credentials to profile e2e/);
  assertNoSecrets(run, [stack.password]);

  const credentials = await Deno.readTextFile(home.credentialsFile);
  assert.match(credentials, /^\[e2e\]\naws_access_key_id = \S+\n/);
  assert.match(credentials, /\nx_security_token_expires = \d{4}-\d\d-\d\dT/);
  if (MODES) {
    assert.equal((await Deno.stat(home.credentialsFile)).mode! & 0o777, 0o600);
  }
  assert.equal(
    await Deno.readTextFile(home.configFile),
    "[profile e2e]\nregion = us-east-1\n",
  );

  // The AWS CLI finds the keys in the profile we wrote...
  const cliEnv = { ...home.env, ...moto.env };
  const list = await awsCli(
    ["configure", "list", "--profile", "e2e"],
    cliEnv,
  );
  assert.equal(list.code, 0, list.stderr);
  assert.match(
    list.stdout,
    /access_key\s+\S*\*+\S+\s+shared-credentials-file/,
  );
  // ...and signs a real STS call with them.
  const who = await awsCli(
    ["sts", "get-caller-identity", "--profile", "e2e", "--output", "json"],
    cliEnv,
  );
  assert.equal(who.code, 0, who.stderr);
  assert.equal(JSON.parse(who.stdout).Account, "123456789012");
  // Without the profile the same CLI has no credentials at all: the call
  // above worked because of what login wrote.
  const without = await awsCli(
    ["sts", "get-caller-identity", "--profile", "missing"],
    cliEnv,
  );
  assert.notEqual(without.code, 0);
});

Deno.test("login leaves other profiles, comments and blank lines byte-for-byte", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const before = await writeHandWrittenCredentials(home);
  const configBefore = "[default]\noutput = json\n";
  await Deno.writeTextFile(home.configFile, configBefore);
  const args = loginArgs(stack, "--profile", "dev", "--no-lambda-proxy");
  const env = stackEnv(home, moto, stack);
  const run = await runAuth(args, env, `${stack.password}\n`);
  // No password source was given but stdin had one: --password-stdin is
  // needed, so this run must fail without touching anything.
  assert.equal(run.code, ExitCode.inputRequired, run.stderr);
  assert.equal(await Deno.readTextFile(home.credentialsFile), before);

  const ok = await runAuth(
    [...args, "--password-stdin"],
    env,
    `${stack.password}\n`,
  );
  assert.equal(ok.code, 0, ok.stderr);
  const after = await Deno.readTextFile(home.credentialsFile);
  assert.ok(after.startsWith(before), "existing content changed");
  assert.match(
    after.slice(before.length),
    /^\n\[dev\]\naws_access_key_id = /,
  );
  assert.equal(
    await Deno.readTextFile(home.configFile),
    configBefore + "\n[profile dev]\nregion = us-east-1\n",
  );
  assertNoSecrets(ok, [stack.password]);
});

Deno.test("login with a wrong password exits 4 and writes nothing", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const run = await runAuth(loginArgs(stack, "--no-lambda-proxy"), {
    ...stackEnv(home, moto, stack),
    COGNITO_PASSWORD: "wrong-Pw1!",
  });
  assert.equal(run.code, ExitCode.notAuthorized);
  assert.match(run.stderr, /Incorrect user name or password/);
  assert.doesNotMatch(run.stderr, /wrong-Pw1!/);
  assert.doesNotMatch(run.stderr, /at .*\.ts:\d+/, "no stack trace");
  await assert.rejects(Deno.stat(home.credentialsFile), Deno.errors.NotFound);
});

Deno.test("login for a user that does not exist exits 6", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const run = await runAuth(
    ["login", "-u", "nobody-here", "--no-lambda-proxy"],
    { ...stackEnv(home, moto, stack), COGNITO_PASSWORD: "x" },
  );
  assert.equal(run.code, ExitCode.userNotFound, run.stderr);
  assert.match(run.stderr, /no user nobody-here/);
});

Deno.test("login with an app client that does not exist exits 8", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const run = await runAuth(loginArgs(stack, "--no-lambda-proxy"), {
    ...stackEnv(home, moto, stack),
    COGNITO_CLIENT_ID: "doesnotexist0000",
    COGNITO_PASSWORD: stack.password,
  });
  assert.equal(run.code, ExitCode.resourceNotFound, run.stderr);
  assert.match(run.stderr, /does not exist/);
});

Deno.test("login when AWS cannot be reached exits 9 with a plain sentence", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  const run = await runAuth(loginArgs(stack, "--no-lambda-proxy"), {
    ...stackEnv(home, moto, stack),
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    AWS_MAX_ATTEMPTS: "1",
    COGNITO_PASSWORD: stack.password,
  });
  assert.equal(run.code, ExitCode.network, run.stderr);
  assert.match(run.stderr, /Could not reach Cognito/);
});

Deno.test("login with no terminal and no password source fails at once with exit 13", async () => {
  await using home = await makeTempHome();
  // Settings point at a port nobody listens on: the run must stop before
  // any network call, and never wait for input.
  const run = await runAuth(["login", "-u", "alice"], {
    ...home.env,
    ...MADE_UP_SETTINGS,
    AWS_ENDPOINT_URL: "http://127.0.0.1:9",
  });
  assert.equal(run.code, ExitCode.inputRequired);
  assert.match(run.stderr, /--password-stdin or the COGNITO_PASSWORD/);
});

Deno.test("login answers NEW_PASSWORD_REQUIRED from --new-password-stdin, and the new password works next time", async () => {
  const stack = await createCognitoStack(moto, { temporaryPassword: true });
  await using home = await makeTempHome();
  const env = stackEnv(home, moto, stack);
  const base = loginArgs(stack, "--no-lambda-proxy");
  const refused = await runAuth(
    [...base, "--password-stdin"],
    env,
    `${stack.password}\n`,
  );
  assert.equal(refused.code, ExitCode.challenge, refused.stderr);
  assert.match(refused.stderr, /must choose a new password/);

  const newPassword = `New-${crypto.randomUUID()}!b2`;
  const changed = await runAuth(
    [...base, "--password-stdin", "--new-password-stdin"],
    env,
    `${stack.password}\n${newPassword}\n`,
  );
  assert.equal(changed.code, 0, changed.stderr);
  assertNoSecrets(changed, [stack.password, newPassword]);

  const again = await runAuth(base, {
    ...env,
    COGNITO_PASSWORD: newPassword,
  });
  assert.equal(again.code, 0, again.stderr);
  const old = await runAuth(base, {
    ...env,
    COGNITO_PASSWORD: stack.password,
  });
  assert.equal(old.code, ExitCode.notAuthorized);
});

Deno.test("login refuses an unparseable credentials file with exit 10 and leaves it untouched", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  await Deno.mkdir(`${home.dir}/.aws`, { mode: 0o700 });
  const broken = "[ok]\naws_access_key_id = A\nthis line is not ini\n";
  await Deno.writeTextFile(home.credentialsFile, broken, { mode: 0o600 });
  const run = await runAuth(loginArgs(stack, "--no-lambda-proxy"), {
    ...stackEnv(home, moto, stack),
    COGNITO_PASSWORD: stack.password,
  });
  assert.equal(run.code, ExitCode.credentialsFile, run.stderr);
  assert.match(run.stderr, /[Ll]ine 3/);
  // The file is checked before signing in, so no sign-in is wasted.
  assert.doesNotMatch(run.stderr, /Signing in/);
  assert.equal(await Deno.readTextFile(home.credentialsFile), broken);
});

Deno.test("login rejects --duration outside 1..12 as a usage error (exit 2)", async () => {
  await using home = await makeTempHome();
  const run = await runAuth(
    ["login", "-u", "a", "--duration", "13"],
    home.env,
  );
  assert.equal(run.code, ExitCode.usage);
  assert.match(run.stderr, /1 to 12/);
});

Deno.test("login with malformed settings exits 3 naming the setting and its source", async () => {
  await using home = await makeTempHome();
  const run = await runAuth(["login", "-u", "a"], {
    ...home.env,
    ...MADE_UP_SETTINGS,
    COGNITO_USER_POOL_ID: "not a pool id",
    COGNITO_PASSWORD: "x",
  });
  assert.equal(run.code, ExitCode.config);
  assert.match(run.stderr, /COGNITO_USER_POOL_ID/);
  assert.match(run.stderr, /not a pool id/);
});

Deno.test("a repeat login reuses the cached identity id and skips GetId", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const env = {
    ...stackEnv(home, moto, stack),
    COGNITO_PASSWORD: stack.password,
  };
  const cacheFile = `${home.dir}/.cache/cognito-authoriser/identity-ids.json`;
  const args = loginArgs(stack, "--no-lambda-proxy");
  const first = await runAuth(args, env);
  assert.equal(first.code, 0, first.stderr);
  const cached = await Deno.readTextFile(cacheFile);
  const [identityId] = Object.values(JSON.parse(cached)) as string[];
  assert.match(identityId, /^us-east-1:[0-9a-f-]+$/);
  if (MODES) {
    assert.equal((await Deno.stat(cacheFile)).mode! & 0o777, 0o600);
  }

  // moto hands out a new identity id on every GetId, so an unchanged cache
  // after the second login means GetId was not called.
  const second = await runAuth(args, env);
  assert.equal(second.code, 0, second.stderr);
  assert.equal(await Deno.readTextFile(cacheFile), cached);

  // The premise: without the cache, the next login gets a new id from GetId.
  await Deno.remove(cacheFile);
  const third = await runAuth(args, env);
  assert.equal(third.code, 0, third.stderr);
  const [freshId] = Object.values(
    JSON.parse(await Deno.readTextFile(cacheFile)),
  ) as string[];
  assert.notEqual(freshId, identityId);
});

Deno.test("--password-stdin drops a lone trailing CR (printf 'pw\\r') as it drops CRLF; a wrong password read so still exits 4 and leaves the files byte-for-byte", async () => {
  const stack = await createCognitoStack(moto);
  await withTempHome(async (home) => {
    const before = await writeHandWrittenCredentials(home);
    const env = stackEnv(home, moto, stack);
    const args = loginArgs(
      stack,
      "--profile",
      "cr",
      "--no-lambda-proxy",
      "--password-stdin",
      "--force",
    );
    const wrong = await runAuth(args, env, "not-the-password\r");
    assert.equal(wrong.code, ExitCode.notAuthorized, wrong.stderr);
    assert.equal(await Deno.readTextFile(home.credentialsFile), before);
    await assert.rejects(Deno.stat(home.configFile), Deno.errors.NotFound);

    for (const ending of ["\r", "\r\n"]) {
      const run = await runAuth(args, env, `${stack.password}${ending}`);
      assert.equal(run.code, 0, `${JSON.stringify(ending)}: ${run.stderr}`);
      assertNoSecrets(run, [stack.password]);
      const after = await Deno.readTextFile(home.credentialsFile);
      assert.ok(after.startsWith(before), "existing content changed");
      assert.match(
        after.slice(before.length),
        /^\n\[cr\]\naws_access_key_id = /,
      );
    }
  });
});
