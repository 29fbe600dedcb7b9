/**
 * Many `credential-process` (and `exec`) runs at once on one profile whose
 * cached credentials are inside the refresh window, as the AWS CLI and SDKs
 * start them: they refresh once between them, through the profile's lock,
 * and all print what that one refresh got, whether they race for the lock
 * or queue behind one held by another process. A refresh killed half-way
 * has released its lock (the kernel's); a lock a live process keeps makes a
 * waiter give up after about 10 s with a plain error; a cache hit never
 * waits.
 *
 * moto hands every caller the same Identity Pool keys, so the relay in front
 * of it rewrites each `GetCredentialsForIdentity` answer to keys of its own:
 * "every run printed the same key" then means every run used one refresh.
 *
 * moto's credentials live 90 s: the tests use a 30 s refresh window and put
 * the cached credentials inside it by moving their expiry 10 s ahead.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ExitCode } from "../lib/errors.ts";
import {
  readSession,
  sessionFile,
  writeSession,
} from "../lib/session_cache.ts";
import {
  DENO_DIR,
  loginArgs,
  makeTempHome,
  RUN_AUTH,
  runAuth,
  type TempHome,
} from "./support/cli.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import {
  requestsDuring,
  startRelay,
  startRelayedMoto,
  uniqueCredentials,
} from "./support/relay.ts";
import {
  assertNoStackTrace,
  lockIsHeld,
  spawnLockHolder,
} from "./support/reliability.ts";
import { runWithReadOnlyFolder, unsharePrefix } from "./support/sandbox.ts";
import { exists, waitFor } from "./support/tools.ts";

const RUNS = 8;
const WINDOW = { COGNITO_AUTH_REFRESH_WINDOW: "30" };

const { moto, relay, userEnv, passwordEnv } = await startRelayedMoto();

/** Access key ids the relay handed out, in order. */
const issued: string[] = [];

relay.setPolicy(uniqueCredentials((keys) => issued.push(keys.AccessKeyId)));

/** One refresh: what a single run needs when the cache is stale. */
const ONE_REFRESH = {
  "cognito-idp:InitiateAuth": 1,
  "cognito-identity:GetCredentialsForIdentity": 1,
};

/**
 * A user signed in for `profile` (no proxy) in a fresh HOME, with the
 * cached credentials moved inside the refresh window. `env` has no
 * password: a refresh can only use the refresh token.
 */
async function signedInNearExpiry(home: TempHome, profile: string) {
  const stack = await createCognitoStack(moto);
  const login = await runAuth(
    loginArgs(stack, "--profile", profile, "--no-lambda-proxy"),
    passwordEnv(home, stack),
  );
  assert.equal(login.code, 0, login.stderr);
  const session = (await readSession(home.env, profile))!;
  session.credentials.expiration = new Date(Date.now() + 10_000);
  await writeSession(home.env, session);
  const env: Record<string, string> = { ...userEnv(home, stack), ...WINDOW };
  assert.equal(env.COGNITO_PASSWORD, undefined);
  return {
    env,
    oldKey: session.credentials.accessKeyId,
    lockPath: `${(await sessionFile(home.env, profile))!}.lock`,
  };
}

/**
 * Runs `credential-process` for `profile`; returns the run, the requests it
 * made (`service:action` counts) and how long it took in ms.
 */
async function timedCredentialProcess(
  profile: string,
  env: Record<string, string>,
) {
  const started = Date.now();
  const [run, counts] = await requestsDuring(
    relay,
    () => runAuth(["credential-process", "--profile", profile], env),
  );
  return { run, counts, ms: Date.now() - started };
}

/** The files left in the sessions folder of `lockPath`. */
async function sessionFolder(lockPath: string): Promise<string[]> {
  const dir = lockPath.slice(0, lockPath.lastIndexOf("/"));
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

const FILE_LOCK = fileURLToPath(
  new URL("../lib/file_lock.ts", import.meta.url),
);

/**
 * Starts a process that takes `lockPath` through the real `withFileLock`,
 * holds it for `ms` and then releases it; resolves once it holds it.
 * Disposing it kills it unless it has ended, and waits for it.
 */
function holderOf(lockPath: string, ms: number): Promise<Deno.ChildProcess> {
  const script = `import { withFileLock } from ${JSON.stringify(FILE_LOCK)};
await withFileLock(Deno.args[0], () => new Promise((r) => setTimeout(r, ${ms})));
`;
  const path = lockPath.slice(0, -".lock".length);
  return spawnLockHolder(script, path, "holder", { DENO_DIR });
}

Deno.test(`${RUNS} credential-process runs at once inside the refresh window: one REFRESH_TOKEN_AUTH and one GetCredentialsForIdentity between them, all exit 0 and print the same new credentials`, async () => {
  await using home = await makeTempHome();
  const { env, oldKey, lockPath } = await signedInNearExpiry(home, "par");
  const issuedBefore = issued.length;
  const started = Date.now();
  const [runs, counts, bodies] = await requestsDuring(
    relay,
    () =>
      Promise.all(
        Array.from(
          { length: RUNS },
          () => runAuth(["credential-process", "--profile", "par"], env),
        ),
      ),
  );
  const elapsed = Date.now() - started;
  for (const run of runs) {
    assert.equal(run.code, 0, run.stderr);
    assertNoStackTrace(run);
  }
  assert.deepEqual(counts, ONE_REFRESH);
  assert.equal(JSON.parse(bodies[0]).AuthFlow, "REFRESH_TOKEN_AUTH");
  assert.equal(issued.length, issuedBefore + 1);
  const newKey = issued[issued.length - 1];
  assert.notEqual(newKey, oldKey);

  // The same JSON, byte for byte, from every run: the one refresh's.
  assert.deepEqual(new Set(runs.map((r) => r.stdout)).size, 1);
  const json = JSON.parse(runs[0].stdout);
  assert.equal(json.Version, 1);
  assert.equal(json.AccessKeyId, newKey);
  assert.equal(
    runs.filter((r) => /Refreshing the sign-in/.test(r.stderr)).length,
    1,
    "exactly one run refreshed",
  );
  const saved = (await readSession(home.env, "par"))!;
  assert.equal(saved.credentials.accessKeyId, newKey);
  assert.deepEqual(await sessionFolder(lockPath), ["par.json"]);
  console.log(`${RUNS} runs at once, 1 refresh, ${elapsed} ms in all`);
});

Deno.test("exec and credential-process queued behind a held lock: once it is released, one of them refreshes and every command sees the key credential-process prints", async () => {
  await using home = await makeTempHome();
  const { env, lockPath } = await signedInNearExpiry(home, "mix");
  // Held long enough for every run to reach the lock and wait for it.
  await using holder = await holderOf(lockPath, 2_000);
  const started = Date.now();
  const [runs, counts] = await requestsDuring(relay, () =>
    Promise.all(
      Array.from({ length: RUNS }, (_, i) =>
        i % 2 === 0
          ? runAuth(["credential-process", "--profile", "mix"], env)
          : runAuth([
            "exec",
            "--profile",
            "mix",
            "--",
            "sh",
            "-c",
            'printf "%s" "$AWS_ACCESS_KEY_ID"',
          ], env)),
    ));
  const elapsed = Date.now() - started;
  assert.equal((await holder.status).code, 0, "the holder released it");
  for (const run of runs) {
    assert.equal(run.code, 0, run.stderr);
    assertNoStackTrace(run);
  }
  assert.deepEqual(counts, ONE_REFRESH);
  const newKey = issued[issued.length - 1];
  const keys = runs.map((run, i) =>
    i % 2 === 0 ? JSON.parse(run.stdout).AccessKeyId : run.stdout
  );
  assert.deepEqual(keys, Array(RUNS).fill(newKey));
  assert.equal(
    runs.filter((r) => /Refreshing the sign-in/.test(r.stderr)).length,
    1,
    "exactly one run refreshed",
  );
  assert.deepEqual(await sessionFolder(lockPath), ["mix.json"]);
  console.log(
    `${RUNS} runs queued behind a 2 s lock: 1 refresh, ${elapsed} ms`,
  );
});

Deno.test("a refresh killed with SIGKILL while it held the lock has released it: the next credential-process goes on at once, says nothing about a lock, and refreshes once", async () => {
  await using home = await makeTempHome();
  const { env, lockPath } = await signedInNearExpiry(home, "killed");
  // Cognito accepts the refresh and never answers, so the run stays inside
  // its lock until it is killed.
  await using hung = startRelay(
    moto.endpoint,
    (e) => e.action === "InitiateAuth" ? { kind: "hang" } : { kind: "forward" },
  );
  const child = new Deno.Command(Deno.execPath(), {
    args: [...RUN_AUTH, "credential-process", "--profile", "killed"],
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      ...env,
      AWS_ENDPOINT_URL: hung.endpoint,
    },
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  const asked = await waitFor(
    () => Promise.resolve(hung.exchanges.length > 0),
    20_000,
    20,
  );
  if (!asked) child.kill("SIGKILL");
  assert.ok(asked, "the refresh never reached Cognito");
  assert.ok(await lockIsHeld(lockPath), "the hung run holds the lock");
  child.kill("SIGKILL");
  assert.equal((await child.status).signal, "SIGKILL");
  assert.ok(await exists(lockPath), "the killed run left its lock file");
  assert.equal(await lockIsHeld(lockPath), false, "the kernel released it");

  const { run, counts, ms: elapsed } = await timedCredentialProcess(
    "killed",
    env,
  );
  assert.equal(run.code, 0, run.stderr);
  assertNoStackTrace(run);
  assert.doesNotMatch(run.stderr, /lock/i);
  assert.deepEqual(counts, ONE_REFRESH);
  assert.equal(JSON.parse(run.stdout).AccessKeyId, issued.at(-1));
  assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
  assert.deepEqual(await sessionFolder(lockPath), ["killed.json"]);
  console.log(`after a killed refresh, the next run took ${elapsed} ms`);
});

Deno.test("while a live process holds the profile's lock, a refresh gives up after about 10 s with exit 10 and a message naming the lock file, and a cache hit does not wait at all", async () => {
  await using home = await makeTempHome();
  const { env, lockPath } = await signedInNearExpiry(home, "held");
  await using _holder = await holderOf(lockPath, 60_000);
  const { run, counts, ms: waited } = await timedCredentialProcess(
    "held",
    env,
  );
  assert.equal(run.code, ExitCode.credentialsFile, run.stderr);
  assertNoStackTrace(run);
  assert.equal(run.stdout, "");
  assert.match(
    run.stderr,
    new RegExp(
      `Timed out after 10 s waiting for \\S+/sessions/held\\.json\\.lock: ` +
        `another aws-cognito-auth is refreshing the sign-in of profile held`,
    ),
  );
  assert.match(run.stderr, /Try again once it has finished/);
  assert.deepEqual(counts, {}, "no request while waiting");
  assert.ok(waited >= 9_000 && waited < 20_000, `waited ${waited} ms`);
  assert.ok(await lockIsHeld(lockPath), "not ours to remove");

  // Fresh credentials are served without looking at the lock.
  const session = (await readSession(home.env, "held"))!;
  session.credentials.expiration = new Date(Date.now() + 3600_000);
  await writeSession(home.env, session);
  const { run: hit, counts: hitCounts, ms: hitTook } =
    await timedCredentialProcess("held", env);
  assert.equal(hit.code, 0, hit.stderr);
  assert.equal(
    JSON.parse(hit.stdout).AccessKeyId,
    session.credentials.accessKeyId,
  );
  assert.deepEqual(hitCounts, {});
  assert.ok(hitTook < 5_000, `the cache hit took ${hitTook} ms`);
});

Deno.test("a sessions folder that cannot be written: the refresh goes on without the lock, says why, and prints the new credentials", async () => {
  await using home = await makeTempHome();
  const { env, lockPath } = await signedInNearExpiry(home, "ro");
  const folder = lockPath.slice(0, lockPath.lastIndexOf("/"));
  const args = [...RUN_AUTH, "credential-process", "--profile", "ro"];
  const [run, counts] = await requestsDuring(
    relay,
    async () =>
      runWithReadOnlyFolder(
        folder,
        await unsharePrefix() !== undefined,
        Deno.execPath(),
        args,
        env,
      ),
  );
  assert.equal(run.code, 0, run.stderr);
  assertNoStackTrace(run);
  assert.match(
    run.stderr,
    /Refreshing the sign-in of profile ro without its lock: .*(Read-only file system|Permission denied)/,
  );
  assert.match(run.stderr, /Cannot write the session cache/);
  assert.deepEqual(counts, ONE_REFRESH);
  assert.equal(JSON.parse(run.stdout).AccessKeyId, issued.at(-1));
  assert.deepEqual(await sessionFolder(lockPath), ["ro.json"]);
});
