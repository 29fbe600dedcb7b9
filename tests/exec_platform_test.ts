/**
 * `exec`'s per-system behaviour (`execPlatform` in `lib/exec.ts`), both
 * branches on any system with the platform injected: which signals are
 * passed on, how exit codes map, and how environment names match. The
 * behaviour tests run a real `runCommandWith` in a child process, send it a
 * real SIGINT where the system has signals, and watch what its own child
 * gets. The end-to-end `exec` tests with real terminals and SIGTERM are in
 * `exec_e2e_test.ts` (Linux).
 */
import assert from "node:assert/strict";
import {
  childEnv,
  execPlatform,
  exitCodeOf,
  runCommandWith,
} from "../lib/exec.ts";

Deno.test("execPlatform: Linux and macOS pass SIGINT, SIGTERM and SIGHUP on (SIGINT only without a terminal) and map a signal death to 128 + n", () => {
  for (const os of ["linux", "darwin"] as const) {
    const platform = execPlatform(os);
    assert.deepEqual(platform.listened, ["SIGINT", "SIGTERM", "SIGHUP"]);
    assert.deepEqual(platform.passedOn(false), ["SIGINT", "SIGTERM", "SIGHUP"]);
    assert.deepEqual(platform.passedOn(true), ["SIGTERM", "SIGHUP"]);
    assert.equal(platform.signalExitCodes, true);
    assert.equal(platform.envNamesIgnoreCase, false);
    assert.equal(exitCodeOf({ code: 3, signal: null }, platform), 3);
    assert.equal(exitCodeOf({ code: 143, signal: "SIGTERM" }, platform), 143);
    assert.equal(exitCodeOf({ code: 0, signal: "SIGHUP" }, platform), 129);
  }
  assert.equal(execPlatform().os, Deno.build.os);
});

Deno.test("execPlatform: Windows listens to Ctrl-C and Ctrl-Break but passes nothing on (the console gives them to the child), and hands on the exit code unchanged, all 32 bits", () => {
  const platform = execPlatform("windows");
  assert.deepEqual(platform.listened, ["SIGINT", "SIGBREAK"]);
  assert.deepEqual(platform.passedOn(true), []);
  assert.deepEqual(platform.passedOn(false), []);
  assert.equal(platform.signalExitCodes, false);
  // STATUS_CONTROL_C_EXIT (0xC000013A), as Deno reports it there.
  assert.equal(
    exitCodeOf({ code: -1073741510, signal: null }, platform),
    -1073741510,
  );
  assert.equal(exitCodeOf({ code: 300, signal: null }, platform), 300);
});

Deno.test("childEnv: Windows matches names in any case (Aws_Profile goes with AWS_PROFILE, aws_region is replaced); Linux and macOS keep names that differ in case", () => {
  const base = {
    Path: "C:\\Windows",
    Aws_Profile: "dev",
    aws_region: "us-east-1",
    cognito_password: "x",
  };
  const set = { AWS_REGION: "eu-west-1" };
  const unset = ["AWS_PROFILE", "COGNITO_PASSWORD"];
  assert.deepEqual(childEnv(base, set, unset, execPlatform("windows")), {
    Path: "C:\\Windows",
    AWS_REGION: "eu-west-1",
  });
  for (const os of ["linux", "darwin"] as const) {
    assert.deepEqual(childEnv(base, set, unset, execPlatform(os)), {
      ...base,
      AWS_REGION: "eu-west-1",
    });
  }
});

/**
 * Runs `runCommandWith` in a child process for `os` (injected), whose own
 * child prints `ready` and then waits for its stdin to end before exiting
 * with 7. Once it is ready, sends SIGINT to the middle process, waits until
 * that process has seen it, ends the grandchild's stdin, and returns the
 * middle process's exit code.
 */
async function interruptMiddle(
  os: "linux" | "windows",
  terminal: boolean,
): Promise<number> {
  const exec = new URL("../lib/exec.ts", import.meta.url).href;
  const grandchild =
    'console.log("ready"); await Deno.stdin.readable.pipeTo(new WritableStream()); Deno.exit(7);';
  const middle = `
    import { execPlatform, runCommandWith } from ${JSON.stringify(exec)};
    Deno.addSignalListener("SIGINT", () => console.error("saw SIGINT"));
    const code = await runCommandWith(
      Deno.execPath(),
      ["eval", ${JSON.stringify(grandchild)}],
      Deno.env.toObject(),
      { platform: execPlatform(${JSON.stringify(os)}), terminal: ${terminal} },
    );
    Deno.exit(code);
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["eval", middle],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  const stdout = child.stdout.getReader();
  let out = "";
  while (!out.includes("ready")) {
    const { value, done } = await stdout.read();
    assert.ok(!done, "the grandchild never said it was ready");
    out += decoder.decode(value);
  }
  child.kill("SIGINT");
  const stderr = child.stderr.getReader();
  let err = "";
  while (!err.includes("saw SIGINT")) {
    const { value, done } = await stderr.read();
    assert.ok(!done, `the middle process never saw SIGINT: ${err}`);
    err += decoder.decode(value);
  }
  // The grandchild has had its chance to be interrupted; let it finish.
  await child.stdin.close().catch(() => {});
  const status = await child.status;
  stdout.releaseLock();
  stderr.releaseLock();
  await child.stdout.cancel();
  await child.stderr.cancel();
  return status.code;
}

Deno.test({
  name:
    "runCommandWith, the platform injected: a SIGINT with no terminal is passed on for Linux (the command ends with 130); for Windows it is only listened to, and the command ends with its own code",
  // Sending SIGINT to one process needs POSIX signals.
  ignore: Deno.build.os === "windows",
  async fn() {
    assert.equal(await interruptMiddle("linux", false), 130);
    assert.equal(await interruptMiddle("windows", false), 7);
    // With a terminal, Linux leaves Ctrl-C to the terminal too.
    assert.equal(await interruptMiddle("linux", true), 7);
  },
});

Deno.test("runCommandWith ends with the command's own exit code, on this system's platform", async () => {
  const code = await runCommandWith(
    Deno.execPath(),
    ["eval", "Deno.exit(42)"],
    Deno.env.toObject(),
  );
  assert.equal(code, 42);
});
