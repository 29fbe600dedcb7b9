/**
 * `lib/session_cache.ts`, `lib/shell.ts`, `lib/self_command.ts` and the
 * printers of `lib/credential_output.ts`, without AWS: where sessions live,
 * their file modes, what counts as fresh, and that the command lines and
 * `export` lines we write read back exactly in `sh` and in Python's
 * `shlex.split` (what botocore uses for `credential_process`).
 */
import assert from "node:assert/strict";
import {
  isFresh,
  readSession,
  refreshWindowSeconds,
  removeSession,
  sessionFile,
  writeSession,
} from "../lib/session_cache.ts";
import { shellJoin } from "../lib/shell.ts";
import { credentialProcessLine, selfCommand } from "../lib/self_command.ts";
import { credentialProcessJson, envExports } from "../lib/credential_output.ts";
import { ConfigError } from "../lib/errors.ts";
import { runCommand, tempDir, VENV_PYTHON } from "./support/tools.ts";
import { sampleSession } from "./support/sessions.ts";

Deno.test("sessions live under $XDG_CACHE_HOME/cognito-authoriser/sessions as 0600 files in 0700 folders, and read back equal", async () => {
  await using dirFolder = await tempDir("session_cache_test_");
  const dir = dirFolder.path;
  const env = { XDG_CACHE_HOME: `${dir}/xdg` };
  const session = sampleSession(
    "team/dev",
    new Date("2030-01-01T00:00:00Z"),
  );
  const path = await writeSession(env, session);
  assert.equal(
    path,
    `${dir}/xdg/cognito-authoriser/sessions/team%2Fdev.json`,
  );
  assert.equal(await sessionFile(env, "team/dev"), path);
  assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
  for (
    const folder of [
      "xdg",
      "xdg/cognito-authoriser",
      "xdg/cognito-authoriser/sessions",
    ]
  ) {
    assert.equal(
      (await Deno.stat(`${dir}/${folder}`)).mode! & 0o777,
      0o700,
      folder,
    );
  }
  assert.deepEqual(await readSession(env, "team/dev"), session);
  // Without XDG_CACHE_HOME the cache is under HOME.
  assert.equal(
    await sessionFile({ HOME: "/home/ana" }, "default"),
    "/home/ana/.cache/cognito-authoriser/sessions/default.json",
  );
  // Names that could escape the folder stay one file inside it.
  assert.equal(
    await sessionFile(env, ".."),
    `${dir}/xdg/cognito-authoriser/sessions/%2E%2E.json`,
  );
  assert.equal(await removeSession(env, "team/dev"), true);
  assert.equal(await removeSession(env, "team/dev"), false);
  assert.equal(await readSession(env, "team/dev"), undefined);
});

Deno.test("session file names: up to 200 encoded characters as before; longer names hashed, distinct even when they share their first 160, and short enough for the lock and temporary files", async () => {
  const env = { XDG_CACHE_HOME: "/c" };
  const nameOf = async (profile: string) => {
    const path = (await sessionFile(env, profile))!;
    return path.slice("/c/cognito-authoriser/sessions/".length);
  };
  // 200 characters once encoded: the readable name of earlier versions.
  assert.equal(await nameOf("a".repeat(200)), `${"a".repeat(200)}.json`);
  assert.equal(await nameOf("%".repeat(66)), `${"%25".repeat(66)}.json`);
  const long = ["a".repeat(201), "a".repeat(300), `${"a".repeat(299)}b`];
  const names = await Promise.all(long.map(nameOf));
  assert.equal(new Set(names).size, names.length, names.join("\n"));
  for (const name of [...names, await nameOf("%".repeat(90))]) {
    // `#` is always encoded in a readable name, so the two kinds never meet.
    assert.match(name, /^[^#]{1,160}#[0-9a-f]{32}\.json$/);
    // <name>.lock.<16 hex>.stale, the longest name kept next to it.
    assert.ok(`${name}.lock.${"0".repeat(16)}.stale`.length <= 255);
  }
  assert.equal(await nameOf("a#b"), "a%23b.json");
});

Deno.test("a damaged session file, or one recorded for another profile, reads as no session", async () => {
  await using dirFolder = await tempDir("session_cache_test_");
  const dir = dirFolder.path;
  const env = { XDG_CACHE_HOME: dir };
  const path = await writeSession(
    env,
    sampleSession("dev", new Date("2030-01-01T00:00:00Z")),
  );
  await Deno.writeTextFile(path, "{ not json");
  assert.equal(await readSession(env, "dev"), undefined);
  await Deno.writeTextFile(
    path,
    JSON.stringify({ version: 1, profile: "other" }),
  );
  assert.equal(await readSession(env, "dev"), undefined);
});

Deno.test("credentials are fresh only while valid for longer than the refresh window, which comes from the flag, then COGNITO_AUTH_REFRESH_WINDOW, then 300 s", () => {
  const now = new Date("2030-01-01T00:00:00Z");
  const in100s = { expiration: new Date("2030-01-01T00:01:40Z") };
  assert.equal(isFresh(in100s, now, 90), true);
  assert.equal(isFresh(in100s, now, 100), false);
  assert.equal(isFresh(in100s, now, 300), false);
  assert.equal(refreshWindowSeconds(undefined, {}), 300);
  assert.equal(
    refreshWindowSeconds(undefined, { COGNITO_AUTH_REFRESH_WINDOW: "120" }),
    120,
  );
  assert.equal(
    refreshWindowSeconds(5, { COGNITO_AUTH_REFRESH_WINDOW: "120" }),
    5,
  );
  for (const bad of ["-1", "1.5", "ten", "99999999"]) {
    assert.throws(
      () =>
        refreshWindowSeconds(undefined, { COGNITO_AUTH_REFRESH_WINDOW: bad }),
      ConfigError,
      bad,
    );
  }
});

/** What `sh` makes of a command line: its words, one per line (NUL-safe enough here). */
async function shWords(line: string): Promise<string[]> {
  const run = await runCommand("sh", [
    "-c",
    `set -- ${line}; for word; do printf '%s\\0' "$word"; done`,
  ]);
  assert.equal(run.code, 0, run.stderr);
  return run.stdout.split("\0").slice(0, -1);
}

/** What Python's shlex.split (botocore's credential_process parser) makes of it. */
async function shlexWords(line: string): Promise<string[]> {
  const run = await runCommand(VENV_PYTHON, [
    "-c",
    "import json, shlex, sys; print(json.dumps(shlex.split(sys.argv[1])))",
    line,
  ]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

Deno.test("the credential_process line reads back as the same words in sh and in botocore's shlex.split, for paths with spaces and quotes", async () => {
  const invocation = {
    mainModule: "file:///opt/my%20tools/it's%20%22here%22/auth.ts",
    execPath: "/home/o'neil/.deno/bin/deno",
    standalone: false,
    packageName: "@cognito-authoriser/cli",
    version: "1.2.3",
  };
  const words = [
    "/home/o'neil/.deno/bin/deno",
    "run",
    "-A",
    `/opt/my tools/it's "here"/auth.ts`,
    "credential-process",
    "--profile",
    "team/dev",
  ];
  assert.deepEqual(selfCommand(invocation), words.slice(0, 4));
  const line = credentialProcessLine(invocation, "team/dev", "linux");
  assert.deepEqual(await shWords(line), words);
  assert.deepEqual(await shlexWords(line), words);
  // Plain words stay unquoted, so the usual line is easy to read.
  assert.equal(
    shellJoin(["/usr/bin/deno", "run", "-A", "/srv/auth.ts"]),
    "/usr/bin/deno run -A /srv/auth.ts",
  );
});

Deno.test("how to call us: a local file runs deno on its path, JSR runs the pinned package, a compiled binary runs itself", () => {
  const base = {
    execPath: "/usr/bin/deno",
    standalone: false,
    packageName: "@cognito-authoriser/cli",
    version: "0.4.0",
  };
  assert.equal(
    credentialProcessLine(
      { ...base, mainModule: "file:///srv/app/auth.ts" },
      "dev",
      "linux",
    ),
    "/usr/bin/deno run -A /srv/app/auth.ts credential-process --profile dev",
  );
  for (
    const mainModule of [
      "https://jsr.io/@cognito-authoriser/cli/0.4.0/auth.ts",
      "jsr:@cognito-authoriser/cli",
    ]
  ) {
    assert.equal(
      credentialProcessLine({ ...base, mainModule }, "dev", "darwin"),
      "deno run -A jsr:@cognito-authoriser/cli@0.4.0 credential-process --profile dev",
    );
  }
  assert.equal(
    credentialProcessLine(
      {
        ...base,
        standalone: true,
        execPath: "/usr/local/bin/aws-cognito-auth",
        mainModule: "file:///tmp/deno-compile-aws-cognito-auth/auth.ts",
      },
      "dev",
      "linux",
    ),
    "/usr/local/bin/aws-cognito-auth credential-process --profile dev",
  );
});

Deno.test("export lines evaluate in sh to the exact values, quotes, dollars and backticks included", async () => {
  const credentials = sampleSession("x", new Date("2030-01-01T00:00:00Z"))
    .credentials;
  const run = await runCommand("sh", [
    "-c",
    'eval "$(cat)"; printf "%s\\n" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_SESSION_TOKEN" "$AWS_CREDENTIAL_EXPIRATION" "$AWS_REGION" "$AWS_DEFAULT_REGION"',
  ], { stdin: envExports(credentials, "eu-west-1") });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.stdout.split("\n").slice(0, 6), [
    credentials.accessKeyId,
    credentials.secretAccessKey,
    credentials.sessionToken,
    "2030-01-01T00:00:00Z",
    "eu-west-1",
    "eu-west-1",
  ]);
  assert.deepEqual(JSON.parse(credentialProcessJson(credentials)), {
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: "2030-01-01T00:00:00Z",
  });
});
