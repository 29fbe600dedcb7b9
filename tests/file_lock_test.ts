/**
 * `withFileLock`: the kernel's lock on `<path>.lock`. Exclusion between
 * processes (and between open files of one process), release by the kernel
 * when a holder is killed, a bounded wait, the lock file's life on each
 * system, and refusals.
 */
import assert from "node:assert/strict";
import { filePlatform } from "../lib/atomic_file.ts";
import { CredentialsFileError } from "../lib/errors.ts";
import { withFileLock } from "../lib/file_lock.ts";
import { lockIsHeld, spawnLockHolder } from "./support/reliability.ts";
import { tempDir } from "./support/tools.ts";

const FILE_LOCK_URL = new URL("../lib/file_lock.ts", import.meta.url).href;
/** This system's file behaviour: whether a released lock file is deleted. */
const FILES = filePlatform();

/** The lock file is gone after release, or (on Windows) stays, empty. */
async function assertLockFileAfterRelease(lockFile: string): Promise<void> {
  if (FILES.removeLockFile) {
    await assert.rejects(Deno.stat(lockFile), Deno.errors.NotFound);
  } else {
    assert.equal(await Deno.readTextFile(lockFile), "");
  }
}

/** A process that holds the lock of `path` until it is killed. */
function holder(path: string): Promise<Deno.ChildProcess> {
  return spawnLockHolder(
    `import { withFileLock } from ${JSON.stringify(FILE_LOCK_URL)};
await withFileLock(Deno.args[0], () => new Promise((r) => setTimeout(r, 3_600_000)));
`,
    path,
    "holder",
  );
}

Deno.test("6 processes × 25 read-increment-writes of one counter under the lock: none is lost, and no lock file is left", async () => {
  await using dir = await tempDir("file_lock_test_");
  const counter = `${dir.path}/counter`;
  const script = `import { withFileLock } from ${JSON.stringify(FILE_LOCK_URL)};
const path = Deno.args[0];
for (let i = 0; i < 25; i++) {
  await withFileLock(path, async () => {
    const n = Number(await Deno.readTextFile(path).catch(() => "0"));
    await new Promise((r) => setTimeout(r, 1));
    await Deno.writeTextFile(path, String(n + 1));
  });
}
`;
  const runs = await Promise.all(
    Array.from({ length: 6 }, () =>
      new Deno.Command(Deno.execPath(), {
        args: ["eval", "--quiet", script, counter],
        stdout: "null",
        stderr: "piped",
      }).output()),
  );
  for (const run of runs) {
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
  }
  assert.equal(await Deno.readTextFile(counter), "150");
  assert.deepEqual(
    [...Deno.readDirSync(dir.path)].map((e) => e.name).sort(),
    FILES.removeLockFile ? ["counter"] : ["counter", "counter.lock"],
  );
});

Deno.test("a holder killed with SIGKILL has released the lock: the next withFileLock takes it at once and removes the file it left", async () => {
  await using dir = await tempDir("file_lock_test_");
  const path = `${dir.path}/credentials`;
  const child = await holder(path);
  child.kill("SIGKILL");
  await child.status;
  await Deno.stat(`${path}.lock`); // left behind
  const started = performance.now();
  const took = await withFileLock(
    path,
    () => Promise.resolve(performance.now() - started),
  );
  console.log(`lock of a SIGKILLed holder taken in ${took.toFixed(1)} ms`);
  assert.ok(took < 1_000, `took ${took} ms`);
  await assertLockFileAfterRelease(`${path}.lock`);
});

Deno.test("a live holder is waited for until timeoutMs, then CredentialsFileError names the lock file and the holder; its lock file stays", async () => {
  await using dir = await tempDir("file_lock_test_");
  const path = `${dir.path}/credentials`;
  // Another open file of this very process: the kernel lock belongs to the
  // open file, so this holds it against withFileLock as a process would.
  using held = await Deno.open(`${path}.lock`, {
    read: true,
    write: true,
    create: true,
  });
  assert.ok(await held.tryLock(true));
  let ran = false;
  const started = Date.now();
  await assert.rejects(
    withFileLock(path, () => Promise.resolve(ran = true), {
      timeoutMs: 300,
      holder: "a test holds it",
    }),
    (error: unknown) =>
      error instanceof CredentialsFileError &&
      error.message.startsWith(
        `Timed out after 0.3 s waiting for ${path}.lock: a test holds it. `,
      ),
  );
  const waited = Date.now() - started;
  assert.ok(waited >= 300 && waited < 2_000, `waited ${waited} ms`);
  assert.equal(ran, false);
  assert.ok(await lockIsHeld(`${path}.lock`));
  // Once it lets go, the waiter gets in.
  await held.unlock();
  assert.equal(await withFileLock(path, () => Promise.resolve("in")), "in");
});

Deno.test("waiters queued behind a holder that deletes the lock file on release each get the lock alone", async () => {
  await using dir = await tempDir("file_lock_test_");
  const path = `${dir.path}/shared`;
  let inside = 0;
  let most = 0;
  const enter = async () => {
    inside++;
    most = Math.max(most, inside);
    await new Promise((r) => setTimeout(r, 3));
    inside--;
  };
  // Open files of one process exclude each other as processes do; 30 at
  // once keep deleting and re-creating the lock file under each other.
  await Promise.all(
    Array.from({ length: 30 }, () => withFileLock(path, enter)),
  );
  assert.equal(most, 1);
  await assertLockFileAfterRelease(`${path}.lock`);
});

Deno.test("platform injected: on Windows the lock file stays after release (empty, unlocked); elsewhere it is removed", async () => {
  await using dir = await tempDir("file_lock_test_");
  const path = `${dir.path}/credentials`;
  await withFileLock(path, () => Promise.resolve(), {
    platform: filePlatform("windows"),
  });
  assert.equal(await Deno.readTextFile(`${path}.lock`), "");
  assert.equal(await lockIsHeld(`${path}.lock`), false);
  // The next holder, on either system, takes that file at once.
  await withFileLock(path, () => Promise.resolve(), {
    platform: filePlatform("linux"),
  });
  await assert.rejects(Deno.stat(`${path}.lock`), Deno.errors.NotFound);
});

Deno.test({
  name: "the lock file is created with mode 0600, under umask 000",
  // Modes mean nothing on Windows (filePlatform().modes).
  ignore: !FILES.modes,
}, async () => {
  await using dir = await tempDir("file_lock_test_");
  const path = `${dir.path}/credentials`;
  const before = Deno.umask(0);
  try {
    const mode = await withFileLock(
      path,
      async () => (await Deno.stat(`${path}.lock`)).mode! & 0o777,
    );
    assert.equal(mode, 0o600);
  } finally {
    Deno.umask(before);
  }
});

Deno.test({
  name:
    "a FIFO at the lock path is refused with CredentialsFileError, without waiting; a missing folder goes to onNoLock and fn runs unlocked",
  // Windows has no FIFOs (nor mkfifo).
  ignore: Deno.build.os === "windows",
}, async () => {
  await using dir = await tempDir("file_lock_test_");
  const path = `${dir.path}/credentials`;
  const made = await new Deno.Command("mkfifo", { args: [`${path}.lock`] })
    .output();
  assert.ok(made.success, "mkfifo");
  await assert.rejects(
    withFileLock(path, () => Promise.resolve()),
    (error: unknown) =>
      error instanceof CredentialsFileError &&
      /lock file \S+credentials\.lock is a named pipe \(FIFO\), not a regular file/
        .test(error.message),
  );
  assert.ok((await Deno.lstat(`${path}.lock`)).isFifo);

  const nowhere = `${dir.path}/missing/credentials`;
  const heard: string[] = [];
  const result = await withFileLock(nowhere, () => Promise.resolve("ran"), {
    onNoLock: (error) => heard.push(error.message),
  });
  assert.equal(result, "ran");
  assert.equal(heard.length, 1);
  assert.match(
    heard[0],
    /Cannot create the lock file \S+missing\/credentials\.lock/,
  );
  await assert.rejects(
    withFileLock(nowhere, () => Promise.resolve()),
    CredentialsFileError,
  );
});
