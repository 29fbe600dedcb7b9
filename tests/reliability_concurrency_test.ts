/**
 * Concurrent writers and crashed writers, through the real entry point:
 * 20 `login` processes at once against one hand-written credentials file,
 * round after round, while a reader parses the file with the AWS SDK's own
 * parser every few milliseconds; and lock files left behind by killed
 * writers or older versions.
 *
 * Each login gets credentials no other login gets: moto hands every caller
 * the same fixed Identity Pool keys, so a relay in front of it rewrites each
 * `GetCredentialsForIdentity` answer to a unique key, secret and token, and
 * the test checks that every profile holds exactly one issued set, whole.
 *
 * The number of rounds is 10; `RELIABILITY_ROUNDS` sets another (it is only
 * read, never set).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { makeTempHome, runAuth, type TempHome } from "./support/cli.ts";
import { type CognitoStack, createCognitoStack } from "./support/fixtures.ts";
import { startMoto } from "./support/moto.ts";
import { startRelay, uniqueCredentials } from "./support/relay.ts";
import {
  assertNoStackTrace,
  HAND_WRITTEN_CREDENTIALS,
  HAND_WRITTEN_PROFILES,
  lockIsHeld,
  LOGIN_KEYS,
  sdkCredentialsProfiles,
  spawnLockHolder,
  writeHandWrittenCredentials,
} from "./support/reliability.ts";

const WRITERS = 20;
const ROUNDS = Number(Deno.env.get("RELIABILITY_ROUNDS") ?? "10");
assert.ok(Number.isInteger(ROUNDS) && ROUNDS > 0, "RELIABILITY_ROUNDS");

const moto = await startMoto();

/** Every credential set the relay handed out, by access key id. */
const issued = new Map<string, { secret: string; token: string }>();
const relay = startRelay(
  moto.endpoint,
  uniqueCredentials((keys) =>
    issued.set(keys.AccessKeyId, {
      secret: keys.SecretKey,
      token: keys.SessionToken,
    })
  ),
);

/** Same bytes, compared as bytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

const ORIGINAL = new TextEncoder().encode(HAND_WRITTEN_CREDENTIALS);

/** What the reader loop saw. */
interface ReaderReport {
  parses: number;
  torn: string[];
}

/**
 * Parses the file with the SDK's parser every 2 ms until `stop` resolves.
 * A read is torn when the raw bytes do not start with the original bytes,
 * when any of the 5 hand-written profiles is missing or differs, when one of
 * our profiles is there without all 4 of its keys, or when a profile seen
 * before has gone.
 */
function startReader(path: string, stop: Promise<void>): Promise<ReaderReport> {
  const report: ReaderReport = { parses: 0, torn: [] };
  const seen = new Set<string>();
  let stopped = false;
  stop.then(() => stopped = true);
  return (async () => {
    while (!stopped) {
      const bytes = await Deno.readFile(path);
      const profiles = await sdkCredentialsProfiles(path);
      report.parses++;
      const problems: string[] = [];
      if (!sameBytes(bytes.subarray(0, ORIGINAL.length), ORIGINAL)) {
        problems.push("the original bytes are not a prefix");
      }
      for (const [name, values] of Object.entries(HAND_WRITTEN_PROFILES)) {
        try {
          assert.deepEqual(profiles[name], values);
        } catch {
          problems.push(`hand-written profile ${name} differs`);
        }
      }
      for (const [name, values] of Object.entries(profiles)) {
        if (name in HAND_WRITTEN_PROFILES) continue;
        const keys = Object.keys(values).sort();
        if (
          keys.join() !== [...LOGIN_KEYS].sort().join() ||
          Object.values(values).some((v) => !v)
        ) problems.push(`profile ${name} is incomplete (${keys.join()})`);
        seen.add(name);
      }
      for (const name of seen) {
        if (!(name in profiles)) problems.push(`profile ${name} vanished`);
      }
      if (problems.length) report.torn.push(problems.join("; "));
      await new Promise((r) => setTimeout(r, 2));
    }
    return report;
  })();
}

Deno.test(`${WRITERS} concurrent logins × ${ROUNDS} rounds: every profile lands with its own whole credentials, the 5 other profiles and every comment stay byte-identical, and a reader using the SDK parser never sees a half-written file`, async () => {
  const stack = await createCognitoStack(moto);
  const started = Date.now();
  let landed = 0;
  let otherBytesChanged = 0;
  let parses = 0;
  const torn: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    await using home = await makeTempHome();
    await writeHandWrittenCredentials(home);
    const env = {
      ...home.env,
      ...moto.env,
      ...stack.env,
      AWS_ENDPOINT_URL: relay.endpoint,
      COGNITO_PASSWORD: stack.password,
    };
    const done = Promise.withResolvers<void>();
    const reader = startReader(home.credentialsFile, done.promise);
    const before = issued.size;
    const runs = await Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        runAuth([
          "login",
          "-u",
          stack.username,
          "--profile",
          `writer-${i}`,
          "--no-lambda-proxy",
        ], env)),
    );
    done.resolve();
    const report = await reader;
    parses += report.parses;
    torn.push(...report.torn);
    for (const run of runs) {
      assert.equal(run.code, 0, run.stderr);
      assertNoStackTrace(run);
    }
    // One set each (more only if the SDK retried a call whose answer was
    // lost; the checks below then still find exactly one set per profile).
    assert.ok(issued.size - before >= WRITERS, "a login got no credentials");

    const after = await Deno.readFile(home.credentialsFile);
    const prefix = after.subarray(0, ORIGINAL.length);
    otherBytesChanged += prefix.reduce(
      (n, byte, i) => n + (byte === ORIGINAL[i] ? 0 : 1),
      Math.max(0, ORIGINAL.length - prefix.length),
    );
    const profiles = await sdkCredentialsProfiles(home.credentialsFile);
    for (const [name, values] of Object.entries(HAND_WRITTEN_PROFILES)) {
      assert.deepEqual(profiles[name], values, name);
    }
    const keysInFile = new Set<string>();
    for (let i = 0; i < WRITERS; i++) {
      const values = profiles[`writer-${i}`];
      assert.ok(values, `writer-${i} is missing`);
      const set = issued.get(values.aws_access_key_id!);
      assert.ok(set, `writer-${i} holds keys nobody issued`);
      assert.equal(values.aws_secret_access_key, set.secret);
      assert.equal(values.aws_session_token, set.token);
      assert.match(values.x_security_token_expires!, /^\d{4}-\d\d-\d\dT/);
      keysInFile.add(values.aws_access_key_id!);
      landed++;
    }
    assert.equal(keysInFile.size, WRITERS, "two profiles share a key");
    assert.equal(
      (await Deno.stat(home.credentialsFile)).mode! & 0o777,
      0o600,
    );
    const leftovers = (await Array.fromAsync(Deno.readDir(`${home.dir}/.aws`)))
      .map((e) => e.name).filter((n) => n !== "credentials" && n !== "config");
    assert.deepEqual(leftovers, [], "lock or temporary files left behind");
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `${landed}/${WRITERS * ROUNDS} profiles landed, ${otherBytesChanged} ` +
      `bytes of other content changed; the reader parsed the file ` +
      `${parses} times and saw ${torn.length} half-written files ` +
      `(${ROUNDS} rounds in ${seconds} s)`,
  );
  assert.deepEqual(torn, []);
  assert.equal(otherBytesChanged, 0);
  assert.equal(landed, WRITERS * ROUNDS);
});

const FILE_LOCK = fileURLToPath(
  new URL("../lib/file_lock.ts", import.meta.url),
);

/**
 * Starts a process that takes the lock of `path` through the real
 * `withFileLock`, as `updateProfileFile` does, and keeps it for ever;
 * resolves once it holds it.
 */
function writerHoldingTheLock(path: string): Promise<Deno.ChildProcess> {
  const script = `import { withFileLock } from ${JSON.stringify(FILE_LOCK)};
await withFileLock(Deno.args[0], () => new Promise((r) => setTimeout(r, 3_600_000)));
`;
  return spawnLockHolder(script, path, "writer");
}

/** The next login, to profile `after`, that must not wait for the lock. */
function loginAfter(home: TempHome, stack: CognitoStack) {
  return runAuth(
    ["login", "-u", stack.username, "--profile", "after", "--no-lambda-proxy"],
    {
      ...home.env,
      ...moto.env,
      ...stack.env,
      COGNITO_PASSWORD: stack.password,
    },
  );
}

Deno.test("a writer killed with SIGKILL while holding the lock has released it: the next login goes on at once, says nothing about it, and removes the lock file", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  await writeHandWrittenCredentials(home);
  const lockPath = `${home.credentialsFile}.lock`;
  const writer = await writerHoldingTheLock(home.credentialsFile);
  assert.ok(await lockIsHeld(lockPath));
  writer.kill("SIGKILL");
  assert.equal((await writer.status).signal, "SIGKILL");
  await Deno.stat(lockPath); // left behind, but locked by nobody
  assert.equal(await lockIsHeld(lockPath), false);

  const started = Date.now();
  const run = await loginAfter(home, stack);
  const elapsed = Date.now() - started;
  assert.equal(run.code, 0, run.stderr);
  assert.doesNotMatch(run.stderr, /lock/i);
  assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
  console.log(`login after a killed lock holder: ${elapsed} ms in all`);
  await assert.rejects(Deno.stat(lockPath), Deno.errors.NotFound);
  const text = await Deno.readTextFile(home.credentialsFile);
  assert.ok(text.startsWith(HAND_WRITTEN_CREDENTIALS));
  assert.ok((await sdkCredentialsProfiles(home.credentialsFile)).after);
});

Deno.test("lock files left behind are no obstacle, whatever they hold: an empty one, and an older version's naming a live process with a time a year ahead; the next login goes on at once and removes them", async (t) => {
  const stack = await createCognitoStack(moto);
  const leftovers = {
    "empty": "",
    // What round 1's lock held: this once blocked every login for 10 s and
    // then failed, until someone deleted the file by hand.
    "a live pid, a time a year ahead": JSON.stringify({
      pid: Deno.pid,
      host: Deno.hostname(),
      time: Date.now() + 365 * 86_400_000,
      nonce: "future",
    }),
  };
  for (const [name, content] of Object.entries(leftovers)) {
    await t.step(name, async () => {
      await using home = await makeTempHome();
      await writeHandWrittenCredentials(home);
      const lockPath = `${home.credentialsFile}.lock`;
      await Deno.writeTextFile(lockPath, content, { mode: 0o600 });
      const started = Date.now();
      const run = await loginAfter(home, stack);
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /lock/i);
      const elapsed = Date.now() - started;
      assert.ok(elapsed < 5_000, `took ${elapsed} ms`);
      await assert.rejects(Deno.stat(lockPath), Deno.errors.NotFound);
    });
  }
});
