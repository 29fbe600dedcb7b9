/**
 * `tests/platforms.json`, which decides what the Windows and macOS CI jobs
 * run: every test file is in it exactly once, with a reason, and nothing
 * else is; and `deno task test:portable` picks the right lists per system.
 */
import assert from "node:assert/strict";
import {
  filesFor,
  PLATFORMS_FILE,
  REACHES,
  reachesOf,
  readPlatformLists,
} from "./support/platforms.ts";

Deno.test("every tests/*_test.ts is classified exactly once, with a reason, and the list names no other file", async () => {
  const onDisk = [...Deno.readDirSync(new URL(".", import.meta.url))]
    .filter((entry) => entry.isFile && entry.name.endsWith("_test.ts"))
    .map((entry) => `tests/${entry.name}`)
    .sort();
  const lists = await readPlatformLists();
  const listed = REACHES.flatMap((reach) => Object.keys(lists[reach]));
  // JSON.parse keeps the last of two equal keys: count them in the text.
  const text = await Deno.readTextFile(PLATFORMS_FILE);
  const twice = onDisk.filter((file) =>
    text.split(JSON.stringify(file)).length - 1 !== 1
  );
  assert.deepEqual(twice, [], "listed more or less than once");
  assert.deepEqual([...listed].sort(), onDisk);
  for (const reach of REACHES) {
    for (const [file, reason] of Object.entries(lists[reach])) {
      assert.ok(reason.trim().length >= 8, `${file} needs a reason`);
    }
  }
  const data = JSON.parse(text);
  assert.deepEqual(
    Object.keys(data).filter((key) => !key.startsWith("$")).sort(),
    [...REACHES].sort(),
  );
});

Deno.test("Windows runs the everywhere list, macOS adds the unix one, Linux runs every file", async () => {
  const lists = await readPlatformLists();
  assert.deepEqual(reachesOf("windows"), ["everywhere"]);
  assert.deepEqual(reachesOf("darwin"), ["everywhere", "unix"]);
  assert.deepEqual(reachesOf("linux"), ["everywhere", "unix", "linux"]);
  const all = REACHES.flatMap((reach) => Object.keys(lists[reach]));
  assert.deepEqual(filesFor(lists, "linux"), all);
  assert.deepEqual(filesFor(lists, "windows"), Object.keys(lists.everywhere));
  // What issue 18 asks the Windows job to include.
  for (
    const file of [
      "tests/credential_process_e2e_test.ts",
      "tests/atomic_file_test.ts",
      "tests/file_lock_test.ts",
      "tests/crlf_test.ts",
      "tests/shell_quote_test.ts",
      "tests/exec_platform_test.ts",
    ]
  ) assert.ok(filesFor(lists, "windows").includes(file), file);
  // Nothing that needs the Lambda emulator, unshare, chromium, setsid or
  // util-linux script leaves Linux.
  for (const file of filesFor(lists, "darwin")) {
    const source = await Deno.readTextFile(
      new URL(`../${file}`, import.meta.url),
    );
    assert.doesNotMatch(
      source,
      /\b(startRie|ensureRie|startProxyStack|runIsolated|unsharePrefix|startChromium)\(|"(setsid|script|unshare)"/,
      file,
    );
  }
});
