/**
 * `credential-process` and `setup-profile` end to end: the real AWS CLI,
 * with a profile whose `credential_process` calls our entry point, against
 * moto through a recording relay that counts what reaches moto. Proves that
 * a cache hit makes no request and loads no AWS SDK, that expired
 * credentials are renewed with the refresh token alone, and that a revoked
 * one ends with exit 19 and a sentence saying what to run.
 *
 * moto's Identity Pool credentials live 90 seconds, so a refresh window
 * above 90 makes them count as expired at once.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { filePlatform } from "../lib/atomic_file.ts";
import { ExitCode } from "../lib/errors.ts";
import { quoteCommandLine } from "../lib/shell.ts";
import { readSession, sessionFile } from "../lib/session_cache.ts";
import {
  AUTH_TS,
  DENO_DIR,
  loginArgs,
  makeTempHome,
  runAuth,
  type TempHome,
  withTempHome,
} from "./support/cli.ts";
import {
  actOnUser,
  type CognitoStack,
  createCognitoStack,
  fileClient,
} from "./support/fixtures.ts";
import { requestsDuring, startRelayedMoto } from "./support/relay.ts";
import { writeHandWrittenCredentials } from "./support/reliability.ts";
import { awsCli, freePort, runCommand } from "./support/tools.ts";

const { moto, relay, userEnv, passwordEnv } = await startRelayedMoto();
const adminIdp = fileClient(moto, CognitoIdentityProviderClient);

function cognitoCalls(counts: Record<string, number>): number {
  return Object.entries(counts)
    .filter(([key]) => key.startsWith("cognito-"))
    .reduce((n, [, count]) => n + count, 0);
}

/** Signs the stack's user in for `profile`; the password is in this run only. */
async function login(home: TempHome, stack: CognitoStack, profile: string) {
  const run = await runAuth(
    loginArgs(stack, "--profile", profile, "--no-lambda-proxy"),
    passwordEnv(home, stack),
  );
  assert.equal(run.code, 0, run.stderr);
}

Deno.test("the real AWS CLI runs sts get-caller-identity through the credential_process setup-profile wrote, and a second call within the refresh window makes no request to Cognito", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  await login(home, stack, "cp");
  const setup = await runAuth(
    ["setup-profile", "--profile", "cp"],
    userEnv(home),
  );
  assert.equal(setup.code, 0, setup.stderr);
  const config = await Deno.readTextFile(home.configFile);
  // Quoted as this system's AWS CLI reads it: the Windows rules there.
  const line = quoteCommandLine(
    [
      Deno.execPath(),
      "run",
      "-A",
      AUTH_TS,
      "credential-process",
      "--profile",
      "cp",
    ],
    Deno.build.os,
  );
  assert.equal(
    config,
    `[profile cp]\nregion = us-east-1\ncredential_process = ${line}\n`,
  );
  // The keys login wrote would win over credential_process: gone.
  assert.doesNotMatch(
    await Deno.readTextFile(home.credentialsFile),
    /\[cp\]/,
  );

  // No password anywhere in the AWS CLI's environment; the window is 0 s,
  // so the 90-second credentials in the cache are used as they are.
  const cliEnv = { ...userEnv(home), COGNITO_AUTH_REFRESH_WINDOW: "0" };
  for (const call of ["first", "second"]) {
    const [who, counts] = await requestsDuring(relay, () =>
      awsCli(
        ["sts", "get-caller-identity", "--profile", "cp", "--output", "json"],
        cliEnv,
      ));
    assert.equal(who.code, 0, `${call} call: ${who.stderr}`);
    assert.equal(JSON.parse(who.stdout).Account, "123456789012");
    assert.equal(
      cognitoCalls(counts),
      0,
      `${call} call: ${JSON.stringify(counts)}`,
    );
    assert.equal(counts["sts:GetCallerIdentity"], 1);
  }

  // The AWS CLI really asks us: without the saved sign-in the same call
  // fails with our message.
  const logout = await runAuth(["logout", "--profile", "cp"], userEnv(home));
  // moto 5.2.5 has no RevokeToken: exit 50, local state removed anyway.
  assert.equal(logout.code, ExitCode.revocationFailed, logout.stderr);
  const refused = await awsCli(
    ["sts", "get-caller-identity", "--profile", "cp"],
    cliEnv,
  );
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /no saved sign-in for profile cp/);
});

Deno.test("after expiry the refresh token signs in again with no password and no terminal: REFRESH_TOKEN_AUTH, the cached identity id, one JSON line on stdout", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  await login(home, stack, "rf");
  const before = (await readSession(home.env, "rf"))!;
  assert.ok(before.refreshToken);
  // Let moto's clock move on, so the new credentials expire later.
  await new Promise((r) => setTimeout(r, 1100));

  const env: Record<string, string> = {
    ...userEnv(home, stack),
    COGNITO_AUTH_REFRESH_WINDOW: "120",
  };
  assert.equal(env.COGNITO_PASSWORD, undefined);
  const [run, counts, bodies] = await requestsDuring(
    relay,
    () => runAuth(["credential-process", "--profile", "rf"], env),
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout.trimEnd().split("\n").length, 1);
  const json = JSON.parse(run.stdout);
  assert.deepEqual(Object.keys(json), [
    "Version",
    "AccessKeyId",
    "SecretAccessKey",
    "SessionToken",
    "Expiration",
  ]);
  assert.equal(json.Version, 1);
  assert.match(json.Expiration, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(run.stderr, /Refreshing the sign-in/);
  assert.deepEqual(counts, {
    "cognito-idp:InitiateAuth": 1,
    "cognito-identity:GetCredentialsForIdentity": 1,
  });
  assert.equal(
    JSON.parse(bodies[0]).AuthFlow,
    "REFRESH_TOKEN_AUTH",
  );
  assert.ok(!bodies.some((b) => b.includes(stack.password)));

  // The cache now holds the new credentials, still private.
  const after = (await readSession(home.env, "rf"))!;
  assert.ok(after.credentials.expiration > before.credentials.expiration);
  assert.equal(
    json.Expiration,
    after.credentials.expiration.toISOString().replace(/\.\d+Z$/, "Z"),
  );
  const file = (await sessionFile(home.env, "rf"))!;
  if (filePlatform().modes) {
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    for (
      const dir of [
        ".cache/cognito-authoriser",
        ".cache/cognito-authoriser/sessions",
      ]
    ) {
      assert.equal(
        (await Deno.stat(`${home.dir}/${dir}`)).mode! & 0o777,
        0o700,
      );
    }
  }

  // The AWS CLI, through credential_process, refreshes the same way.
  const setup = await runAuth(["setup-profile", "--profile", "rf"], env);
  assert.equal(setup.code, 0, setup.stderr);
  const [who, cliCounts] = await requestsDuring(
    relay,
    () => awsCli(["sts", "get-caller-identity", "--profile", "rf"], env),
  );
  assert.equal(who.code, 0, who.stderr);
  // botocore asks again at once for credentials that expire within 10
  // minutes (moto's last 90 s), so it may refresh more than once.
  assert.ok(cliCounts["cognito-idp:InitiateAuth"] >= 1);
  assert.equal(cliCounts["cognito-identity:GetId"], undefined);
});

Deno.test("a revoked or garbage refresh token with no terminal: credential-process exits 19, says to run login --profile, prints nothing on stdout", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  await login(home, stack, "rv");
  await actOnUser(adminIdp, stack, "sign out everywhere");
  const env = { ...userEnv(home, stack), COGNITO_AUTH_REFRESH_WINDOW: "120" };
  const revoked = await runAuth(
    ["credential-process", "--profile", "rv"],
    env,
  );
  assert.equal(revoked.code, ExitCode.sessionExpired, revoked.stderr);
  assert.equal(revoked.stdout, "");
  assert.match(revoked.stderr, /expired or was revoked/);
  assert.match(revoked.stderr, /no terminal/);
  assert.match(revoked.stderr, /`aws-cognito-auth login --profile rv`/);

  const file = (await sessionFile(home.env, "rv"))!;
  const session = JSON.parse(await Deno.readTextFile(file));
  session.refreshToken = "garbage";
  await Deno.writeTextFile(file, JSON.stringify(session));
  const garbage = await runAuth(
    ["credential-process", "--profile", "rv"],
    env,
  );
  assert.equal(garbage.code, ExitCode.sessionExpired, garbage.stderr);
  assert.ok(!garbage.stderr.includes("garbage"), "the token is not echoed");

  const none = await runAuth(
    ["credential-process", "--profile", "never"],
    env,
  );
  assert.equal(none.code, ExitCode.sessionExpired);
  assert.match(none.stderr, /no saved sign-in for profile never/);
});

/**
 * A child that calls `sessionCredentials` as the CLI does on a terminal:
 * with a password sign-in offered, whose password it reads from stdin.
 */
const CHILD_SCRIPT = `
import { sessionCredentials } from ${
  JSON.stringify(new URL("../lib/session_renewal.ts", import.meta.url).href)
};
const password = (await new Response(Deno.stdin.readable).text()).trim();
const asked = [];
const result = await sessionCredentials({
  profile: Deno.args[0],
  windowSeconds: 120,
  env: Deno.env.toObject(),
  signInAgain: () => Promise.resolve({
    password: () => { asked.push("password"); return Promise.resolve(password); },
  }),
});
console.log(JSON.stringify({ how: result.how, asked }));
`;

Deno.test("when a password can be asked for (a terminal), a revoked refresh token falls back to a password sign-in and saves the new session", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const child = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    await Deno.writeTextFile(child, CHILD_SCRIPT);
    await login(home, stack, "tty");
    const before = (await readSession(home.env, "tty"))!;
    await actOnUser(adminIdp, stack, "sign out everywhere");
    const [run, counts] = await requestsDuring(
      relay,
      () =>
        runCommand(Deno.execPath(), [
          "run",
          "-A",
          "--quiet",
          "--config",
          fileURLToPath(new URL("../deno.json", import.meta.url)),
          child,
          "tty",
        ], { env: userEnv(home, stack), stdin: `${stack.password}\n` }),
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), {
      how: "password",
      asked: ["password"],
    });
    // One refused refresh, then one password sign-in.
    assert.equal(counts["cognito-idp:InitiateAuth"], 2);
    const after = (await readSession(home.env, "tty"))!;
    assert.ok(after.refreshToken);
    assert.notEqual(after.refreshToken, before.refreshToken);
  } finally {
    await Deno.remove(child);
  }
});

/** Runs `credential-process` with Deno's debug log, which names each npm file it loads. */
function tracedCredentialProcess(env: Record<string, string>) {
  return runCommand(
    Deno.execPath(),
    [
      "run",
      "-A",
      "-L",
      "debug",
      AUTH_TS,
      "credential-process",
      "--profile",
      "hit",
    ],
    { env },
  );
}

/** An npm file of an AWS SDK client, as it appears when Deno loads it. */
const SDK_FILE = /@aws-sdk[\/\\]client-[\w-]+[\/\\](\d[\w.-]*[\/\\])?dist/;
/** An npm file of the argument parser, as it appears when Deno loads it. */
const PARSER_FILE = /[\/\\]commander[\/\\]\d[\w.-]*[\/\\]/;

Deno.test("a credential-process cache hit makes no network call and never loads the AWS SDK (a refresh does, the control); neither loads the argument parser, and a failed refresh still exits with its own code", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  await login(home, stack, "hit");
  // Nobody listens here: any request would fail. (Not port 9: `fetch`
  // refuses the Fetch standard's "bad ports" before connecting.)
  const offline = {
    ...home.env,
    AWS_ENDPOINT_URL: `http://127.0.0.1:${freePort()}`,
    AWS_MAX_ATTEMPTS: "1",
    DENO_DIR,
  };
  const hit = await tracedCredentialProcess({
    ...offline,
    COGNITO_AUTH_REFRESH_WINDOW: "0",
  });
  assert.equal(hit.code, 0, hit.stderr.slice(-2000));
  assert.equal(JSON.parse(hit.stdout).Version, 1);
  assert.doesNotMatch(hit.stderr, SDK_FILE);
  assert.match(hit.stderr, /commander/, "the probe sees npm files load");

  const refresh = await tracedCredentialProcess({
    ...offline,
    COGNITO_AUTH_REFRESH_WINDOW: "120",
  });
  assert.equal(refresh.code, ExitCode.network);
  assert.match(refresh.stderr, /Could not reach Cognito/);
  assert.match(refresh.stderr, SDK_FILE);
  for (const run of [hit, refresh]) {
    assert.doesNotMatch(run.stderr, PARSER_FILE);
  }
});

Deno.test("a malformed refresh window is refused: COGNITO_AUTH_REFRESH_WINDOW exits 3, --refresh-window exits 2", async () => {
  await using home = await makeTempHome();
  const fromEnv = await runAuth(["credential-process"], {
    ...home.env,
    COGNITO_AUTH_REFRESH_WINDOW: "soon",
  });
  assert.equal(fromEnv.code, ExitCode.config);
  assert.match(fromEnv.stderr, /COGNITO_AUTH_REFRESH_WINDOW/);
  const fromFlag = await runAuth(
    ["credential-process", "--refresh-window", "-5"],
    home.env,
  );
  assert.equal(fromFlag.code, ExitCode.usage);
});

Deno.test("a profile name of 251 characters, or of 90 % signs (270 once encoded), still gets a saved sign-in: credential-process serves it, logout removes it, and the hand-written credentials file keeps every byte", async () => {
  const stack = await createCognitoStack(moto);
  await withTempHome(async (home) => {
    const before = await writeHandWrittenCredentials(home);
    const profiles = ["p".repeat(251), "%".repeat(90)];
    for (const profile of profiles) {
      const run = await runAuth(
        loginArgs(stack, "--profile", profile, "--no-lambda-proxy"),
        passwordEnv(home, stack),
      );
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /will not find this sign-in/);
      const file = (await sessionFile(home.env, profile))!;
      const name = file.slice(file.lastIndexOf("/") + 1);
      assert.match(name, /#[0-9a-f]{32}\.json$/, "a long name is hashed");
      // Room left for the lock file and the atomic write's temporary file.
      assert.ok(name.length <= 200, `${name.length} characters`);
      const saved = (await readSession(home.env, profile))!;
      assert.equal(saved.profile, profile);

      const served = await runAuth(
        ["credential-process", "--profile", profile],
        { ...userEnv(home), COGNITO_AUTH_REFRESH_WINDOW: "0" },
      );
      assert.equal(served.code, 0, served.stderr);
      assert.equal(
        JSON.parse(served.stdout).AccessKeyId,
        saved.credentials.accessKeyId,
      );
    }
    assert.ok(
      (await Deno.readTextFile(home.credentialsFile)).startsWith(before),
      "the hand-written profiles changed",
    );
    for (const profile of profiles) {
      const out = await runAuth(
        ["logout", "--profile", profile],
        userEnv(home),
      );
      // moto 5.2.5 has no RevokeToken: exit 50, local state removed anyway.
      assert.equal(out.code, ExitCode.revocationFailed, out.stderr);
      assert.equal(await readSession(home.env, profile), undefined);
    }
    const after = await Deno.readTextFile(home.credentialsFile);
    assert.ok(after.startsWith(before), "the hand-written profiles changed");
    assert.equal(after.slice(before.length).trim(), "", after);
  });
});
