/**
 * The runner protocol of `lib/github_actions.ts`: mask commands, file
 * command blocks that a multi-line value cannot break out of, and the
 * refusal to run off a runner.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../lib/errors.ts";
import {
  CiRunnerError,
  fileCommandEntry,
  githubRunner,
  maskCommand,
} from "../lib/github_actions.ts";
import { parseFileCommands } from "./support/github_runner.ts";

Deno.test("a mask command escapes %, CR and LF so the runner reads back the whole value", () => {
  assert.equal(maskCommand("plain"), "::add-mask::plain");
  assert.equal(maskCommand("100%\r\nx"), "::add-mask::100%25%0D%0Ax");
});

Deno.test("a multi-line value stays one variable in GITHUB_ENV, and a value holding the delimiter or a bad name is refused", () => {
  const sneaky = "line one\nINJECTED=1\nEOF";
  const text = fileCommandEntry("A", sneaky) + fileCommandEntry("B", "b");
  assert.deepEqual(parseFileCommands(text), { A: sneaky, B: "b" });
  assert.throws(() => fileCommandEntry("A", "x\nDELIM\ny", "DELIM"));
  for (const name of ["A=B", "A\nB", "", "1A", "A<<B"]) {
    assert.throws(() => fileCommandEntry(name, "v"), Error, name);
  }
  // Two entries never share a delimiter.
  const [d1, d2] = [fileCommandEntry("A", "1"), fileCommandEntry("A", "1")]
    .map((e) => e.split("\n")[0]);
  assert.notEqual(d1, d2);
});

Deno.test("githubRunner refuses to run without GITHUB_ACTIONS, GITHUB_ENV, GITHUB_OUTPUT and RUNNER_TEMP (exit 57)", () => {
  const full = {
    GITHUB_ACTIONS: "true",
    GITHUB_ENV: "/tmp/env",
    GITHUB_OUTPUT: "/tmp/out",
    RUNNER_TEMP: "/tmp",
  };
  assert.equal(githubRunner(full).tempDir, "/tmp");
  for (const name of Object.keys(full)) {
    assert.throws(
      () => githubRunner({ ...full, [name]: undefined }),
      (e) =>
        e instanceof CiRunnerError && e.exitCode === ExitCode.ciRunner &&
        e.message.includes(name),
    );
  }
});
