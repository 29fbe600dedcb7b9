/**
 * `aws-cognito-auth exec` through the real entry point: the command sees the
 * credentials and no AWS_PROFILE, its exit code and signal death come back
 * as ours, signals sent to us reach it, and a command that is missing or
 * cannot run ends like a shell's (127, 126). The session comes from the
 * cache, so no AWS stand-in is needed; the refresh path is covered in
 * credential_process_e2e_test.ts.
 */
import assert from "node:assert/strict";
import { writeSession } from "../lib/session_cache.ts";
import { ExitCode } from "../lib/errors.ts";
import {
  DENO_DIR,
  RUN_AUTH,
  runAuth,
  spawnAuthOnTerminal,
  type TempHome,
  withTempHome,
} from "./support/cli.ts";
import { sampleSession } from "./support/sessions.ts";

const IN_AN_HOUR = () => new Date(Date.now() + 3600_000);

/** Runs `body` in a temporary HOME with a valid cached session for `profile`. */
function withSession(
  profile: string,
  body: (home: TempHome) => Promise<void>,
): Promise<void> {
  return withTempHome(async (home) => {
    await writeSession(home.env, sampleSession(profile, IN_AN_HOUR()));
    await body(home);
  });
}

Deno.test("exec gives the command the profile's credentials, region and expiry, and no AWS_PROFILE", async () => {
  await withSession("dev", async (home) => {
    const expected = sampleSession("dev", IN_AN_HOUR()).credentials;
    const run = await runAuth(
      [
        "exec",
        "--profile",
        "dev",
        "--",
        "sh",
        "-c",
        'printf "%s\\n" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" ' +
        '"$AWS_SESSION_TOKEN" "$AWS_REGION" "$AWS_DEFAULT_REGION" ' +
        '"${AWS_PROFILE-unset}" "${AWS_DEFAULT_PROFILE-unset}" "$AWS_CREDENTIAL_EXPIRATION" "$KEEP_ME"',
      ],
      {
        ...home.env,
        AWS_PROFILE: "other",
        AWS_DEFAULT_PROFILE: "other",
        KEEP_ME: "kept",
      },
    );
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.split("\n");
    assert.deepEqual(lines.slice(0, 7), [
      expected.accessKeyId,
      expected.secretAccessKey,
      expected.sessionToken,
      "us-east-1",
      "us-east-1",
      "unset",
      "unset",
    ]);
    assert.match(lines[7], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(lines[8], "kept", "the rest of the environment is passed on");
    // Nothing but the command's own output on stdout, and no secret on stderr.
    assert.ok(!run.stderr.includes(expected.secretAccessKey));
  });
});

Deno.test("exec passes the command's exit code through: 0, 3, and 128+15 when a signal kills it", async () => {
  await withSession("default", async (home) => {
    const cases: [string, number][] = [
      ["exit 0", 0],
      ["exit 3", 3],
      ["kill -TERM $$", 128 + 15],
    ];
    for (const [script, code] of cases) {
      const run = await runAuth(["exec", "--", "sh", "-c", script], home.env);
      assert.equal(run.code, code, `${script}: ${run.stderr}`);
    }
  });
});

Deno.test("exec with no terminal (CI, a supervisor) forwards SIGTERM, SIGINT and SIGHUP sent to it to the command, and ends with the command's code", async () => {
  await withSession("default", async (home) => {
    for (
      const [signal, code] of [["SIGTERM", 42], ["SIGINT", 43], [
        "SIGHUP",
        44,
      ]] as const
    ) {
      // `setsid` (same process, new session): no controlling terminal even
      // when the tests run in one, where a SIGINT is the terminal's.
      const noTerminal = Deno.build.os === "linux";
      const child = new Deno.Command(noTerminal ? "setsid" : Deno.execPath(), {
        args: [
          ...(noTerminal ? [Deno.execPath()] : []),
          ...RUN_AUTH,
          "exec",
          "--",
          "sh",
          "-c",
          `trap 'exit ${code}' ${signal.slice(3)}; echo ready; ` +
          "while :; do sleep 0.05; done",
        ],
        env: {
          ...home.env,
          PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
          DENO_DIR,
        },
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const reader = child.stdout.getReader();
      const first = await reader.read();
      assert.equal(new TextDecoder().decode(first.value).trim(), "ready");
      child.kill(signal);
      reader.releaseLock();
      const [status] = await Promise.all([
        child.status,
        child.stdout.cancel(),
        child.stderr.cancel(),
      ]);
      assert.equal(status.code, code, `${signal} was not passed on`);
    }
  });
});

Deno.test("exec of a command that does not exist exits 127, and of one that cannot run exits 126, like a shell", async () => {
  await withSession("default", async (home) => {
    const missing = await runAuth(
      ["exec", "--", "no-such-command-here", "x"],
      home.env,
    );
    assert.equal(missing.code, ExitCode.commandNotFound);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /Command not found: no-such-command-here/);

    const script = `${home.dir}/not-executable.sh`;
    await Deno.writeTextFile(script, "#!/bin/sh\necho hi\n", { mode: 0o644 });
    const cannot = await runAuth(["exec", "--", script], home.env);
    assert.equal(cannot.code, ExitCode.commandNotExecutable);
    assert.equal(cannot.code, 126);

    const none = await runAuth(["exec"], home.env);
    assert.equal(none.code, ExitCode.usage);
    assert.match(none.stderr, /exec needs a command/);
  });
});

Deno.test("exec with no saved sign-in for the profile exits 19 and says to run login for it, running nothing", async () => {
  await withTempHome(async (home) => {
    const marker = `${home.dir}/ran`;
    const run = await runAuth(
      ["exec", "--profile", "nobody", "--", "touch", marker],
      home.env,
    );
    assert.equal(run.code, ExitCode.sessionExpired, run.stderr);
    assert.match(run.stderr, /aws-cognito-auth login --profile nobody/);
    await assert.rejects(Deno.stat(marker), Deno.errors.NotFound);
  });
});

Deno.test("exec does not hand the command this tool's own secrets: COGNITO_PASSWORD, COGNITO_NEW_PASSWORD and COGNITO_CLIENT_SECRET are removed", async () => {
  await withSession("default", async (home) => {
    const run = await runAuth(
      [
        "exec",
        "--",
        "sh",
        "-c",
        'printf "%s\\n" "${COGNITO_PASSWORD-unset}" ' +
        '"${COGNITO_NEW_PASSWORD-unset}" "${COGNITO_CLIENT_SECRET-unset}" ' +
        '"$COGNITO_USER_POOL_ID"',
      ],
      {
        ...home.env,
        COGNITO_PASSWORD: "the-password-1",
        COGNITO_NEW_PASSWORD: "the-new-password-1",
        COGNITO_CLIENT_SECRET: "the-client-secret-1",
        COGNITO_USER_POOL_ID: "us-east-1_kept",
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.stdout.split("\n").slice(0, 4), [
      "unset",
      "unset",
      "unset",
      "us-east-1_kept",
    ]);
  });
});

Deno.test({
  name:
    "exec under a terminal: one Ctrl-C reaches the command once, not twice (a second would make terraform abort its graceful shutdown)",
  // util-linux `script` gives the run a terminal of its own.
  ignore: Deno.build.os !== "linux",
}, async () => {
  await withSession("default", async (home) => {
    // `script` runs exec on a pseudo-terminal of its own; the ^C written to
    // it makes the terminal send SIGINT to the foreground process group,
    // exec and the command alike, as a Ctrl-C does.
    const child = spawnAuthOnTerminal([
      "exec",
      "--",
      "sh",
      "-c",
      "n=0; trap 'n=$((n+1))' INT; echo ready; i=0; " +
      'while [ $i -lt 15 ]; do sleep 0.1; i=$((i+1)); done; echo "INTS=$n"',
    ], home.env);
    const writer = child.stdin.getWriter();
    let output = "";
    const decoder = new TextDecoder();
    const reader = child.stdout.getReader();
    while (!output.includes("ready")) {
      const { value, done } = await reader.read();
      if (done) break;
      output += decoder.decode(value);
    }
    assert.match(output, /ready/);
    await writer.write(new TextEncoder().encode("\x03"));
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      output += decoder.decode(value);
    }
    await writer.close().catch(() => {});
    const [status] = await Promise.all([child.status, child.stderr.cancel()]);
    assert.match(output, /INTS=1\b/, output);
    assert.equal(status.code, 0, output);
  });
});
