/**
 * `writeFileAtomic` and the one place that decides what differs between
 * systems (`filePlatform`): a rename over a target another program has open,
 * played with an injected rename that fails the way Windows does, under
 * both platforms; and targets that are not regular files.
 */
import assert from "node:assert/strict";
import {
  FileBusyError,
  filePlatform,
  writeFileAtomic,
} from "../lib/atomic_file.ts";
import { writeFailureHint } from "../lib/_write_failure.ts";
import { tempDir } from "./support/tools.ts";

/** What Deno throws on Windows when the target is open elsewhere. */
const WINDOWS_FAILURES: [string, () => Error][] = [
  [
    "access denied (EACCES, os error 5)",
    () =>
      Object.assign(
        new Deno.errors.PermissionDenied("Access is denied. (os error 5)"),
        { code: "EACCES" },
      ),
  ],
  [
    "EPERM",
    () =>
      Object.assign(
        new Deno.errors.PermissionDenied("Operation not permitted"),
        {
          code: "EPERM",
        },
      ),
  ],
  [
    "a sharing violation (os error 32)",
    () =>
      new Error(
        "The process cannot access the file because it is being used by " +
          "another process. (os error 32)",
      ),
  ],
  ["EBUSY", () => new Deno.errors.Busy("Resource busy")],
];

/**
 * A rename that fails like Windows for the first `busyFor` calls, then
 * renames for real; records every call and every wait.
 */
function busyRename(busyFor: number, failure: () => Error) {
  const calls: string[] = [];
  const waits: number[] = [];
  return {
    calls,
    waits,
    rename: async (from: string, to: string) => {
      calls.push(to);
      if (calls.length <= busyFor) throw failure();
      await Deno.rename(from, to);
    },
    sleep: (ms: number) => {
      waits.push(ms);
      return Promise.resolve();
    },
  };
}

/** The names in `dir`, sorted. */
const names = (dir: string) =>
  [...Deno.readDirSync(dir)].map((e) => e.name).sort();

Deno.test("filePlatform decides every file difference from the system: modes, folder sync, busy-rename retries and the lock file's life", () => {
  for (const os of ["linux", "darwin", "freebsd"] as const) {
    assert.deepEqual(filePlatform(os), {
      os,
      modes: true,
      syncFolders: true,
      busyRenameRetryMs: [],
      removeLockFile: true,
    });
  }
  const windows = filePlatform("windows");
  assert.equal(windows.modes, false);
  assert.equal(windows.syncFolders, false);
  assert.equal(windows.removeLockFile, false);
  const total = windows.busyRenameRetryMs.reduce((a, b) => a + b, 0);
  assert.ok(windows.busyRenameRetryMs.length >= 5, "a few tries");
  assert.ok(total >= 1_000 && total <= 3_000, `bounded: ${total} ms`);
  assert.equal(filePlatform().os, Deno.build.os);
});

Deno.test("Windows: a target busy for a few tries is replaced once it is free, after short waits, leaving no temporary file", async (t) => {
  for (const [name, failure] of WINDOWS_FAILURES) {
    await t.step(name, async () => {
      await using dir = await tempDir("atomic_file_test_");
      const target = `${dir.path}/credentials`;
      await Deno.writeTextFile(target, "old\n");
      const busy = busyRename(3, failure);
      await writeFileAtomic(target, "new\n", {
        platform: filePlatform("windows"),
        rename: busy.rename,
        sleep: busy.sleep,
      });
      assert.equal(await Deno.readTextFile(target), "new\n");
      assert.equal(busy.calls.length, 4);
      assert.deepEqual(
        busy.waits,
        filePlatform("windows").busyRenameRetryMs.slice(0, 3),
      );
      assert.deepEqual(names(dir.path), ["credentials"]);
    });
  }
});

Deno.test("Windows: a target that stays busy gives FileBusyError after the bounded tries, the old bytes intact and the temporary file removed", async () => {
  await using dir = await tempDir("atomic_file_test_");
  const target = `${dir.path}/credentials`;
  await Deno.writeTextFile(target, "old\n");
  const platform = filePlatform("windows");
  const busy = busyRename(Infinity, WINDOWS_FAILURES[0][1]);
  const error = await writeFileAtomic(target, "new\n", {
    platform,
    rename: busy.rename,
    sleep: busy.sleep,
  }).then(() => undefined, (e) => e);
  assert.ok(error instanceof FileBusyError, String(error));
  const tries = platform.busyRenameRetryMs.length + 1;
  assert.equal(busy.calls.length, tries);
  assert.deepEqual(busy.waits, platform.busyRenameRetryMs);
  assert.match(
    error.message,
    new RegExp(
      `credentials stayed in use by another program .*: it could not be ` +
        `replaced in ${tries} tries over 1\\.6 s \\(Access is denied`,
    ),
  );
  assert.equal(await Deno.readTextFile(target), "old\n");
  assert.deepEqual(names(dir.path), ["credentials"]);
});

Deno.test("Linux and macOS: the same failure is not a busy target there, so it is thrown at once, untried again, with the temporary file removed", async () => {
  for (const os of ["linux", "darwin"] as const) {
    await using dir = await tempDir("atomic_file_test_");
    const target = `${dir.path}/credentials`;
    await Deno.writeTextFile(target, "old\n");
    const busy = busyRename(1, WINDOWS_FAILURES[0][1]);
    await assert.rejects(
      writeFileAtomic(target, "new\n", {
        platform: filePlatform(os),
        rename: busy.rename,
        sleep: busy.sleep,
      }),
      Deno.errors.PermissionDenied,
    );
    assert.equal(busy.calls.length, 1, os);
    assert.deepEqual(busy.waits, []);
    assert.equal(await Deno.readTextFile(target), "old\n");
    assert.deepEqual(names(dir.path), ["credentials"]);
  }
});

Deno.test("Windows: a failure that is not a busy target (the folder is gone) is thrown at once, not retried", async () => {
  await using dir = await tempDir("atomic_file_test_");
  const target = `${dir.path}/credentials`;
  const busy = busyRename(1, () => new Deno.errors.NotFound("gone"));
  await assert.rejects(
    writeFileAtomic(target, "new\n", {
      platform: filePlatform("windows"),
      rename: busy.rename,
      sleep: busy.sleep,
    }),
    Deno.errors.NotFound,
  );
  assert.equal(busy.calls.length, 1);
  assert.deepEqual(names(dir.path), []);
});

Deno.test("the advice for a target that stays busy says to close the program that has it open, not to check the folder's permissions", () => {
  const busy = new FileBusyError(
    "C:\\Users\\ana\\.aws\\credentials",
    9,
    1_630,
    new Deno.errors.PermissionDenied("Access is denied. (os error 5)"),
  );
  assert.equal(
    writeFailureHint(busy, "the folder"),
    "Close the program that has it open, or wait a moment, and try again.",
  );
  assert.equal(
    writeFailureHint(
      new Deno.errors.PermissionDenied("Permission denied (os error 13)"),
      "the folder",
    ),
    "Check that the folder exists and that you may write to it.",
  );
});

Deno.test({
  name:
    "writeFileAtomic refuses to replace a FIFO or a folder, leaving it as it is and no temporary file",
  // Windows has no FIFOs (nor mkfifo).
  ignore: Deno.build.os === "windows",
}, async () => {
  await using dir = await tempDir("atomic_file_test_");
  const fifo = `${dir.path}/fifo`;
  const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
  assert.ok(made.success, "mkfifo");
  await Deno.mkdir(`${dir.path}/folder`);
  await assert.rejects(
    writeFileAtomic(fifo, "x"),
    /fifo is a named pipe \(FIFO\), not a regular file; it was left as it is/,
  );
  await assert.rejects(
    writeFileAtomic(`${dir.path}/folder`, "x"),
    /folder is a folder, not a regular file/,
  );
  assert.ok((await Deno.lstat(fifo)).isFifo);
  assert.deepEqual(names(dir.path), ["fifo", "folder"]);
});
