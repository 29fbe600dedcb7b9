/**
 * AWS files with CRLF line ends, as Windows tools write them (the AWS CLI's
 * `aws configure` on Windows, Notepad, PowerShell's `Set-Content`): every
 * edit keeps the file CRLF, keeps every byte it does not mean to change,
 * and the AWS SDK's parser and the real AWS CLI read the result. Runs on
 * every system (tests/platforms.json), so on Windows too.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  readProfile,
  sectionName,
  updateProfileFile,
} from "../lib/aws_files.ts";
import { awsCli, tempDir } from "./support/tools.ts";

/** A credentials file as `aws configure` writes it on Windows. */
const WINDOWS_CREDENTIALS = [
  "[default]",
  "aws_access_key_id = AKIADEFAULT000000001",
  "aws_secret_access_key = default-secret-000000000000000000000001",
  "",
  "# kept by hand",
  "[work]",
  "aws_access_key_id = AKIAWORK000000000002",
  "aws_secret_access_key = work-secret-0000000000000000000000000002",
  "",
].join("\r\n");

const KEYS = {
  aws_access_key_id: "ASIAWINDOWS000000003",
  aws_secret_access_key: "windows-secret-00000000000000000000003",
  aws_session_token: "windows-token-3",
  x_security_token_expires: "2030-01-01T00:00:00.000Z",
};

/** Every line break of `text` is CRLF: no bare LF, no lone CR. */
function assertAllCrlf(text: string): void {
  assert.doesNotMatch(text, /(?<!\r)\n/, "a bare LF line end");
  assert.doesNotMatch(text, /\r(?!\n)/, "a lone CR");
}

/** Environment that points the SDK and the AWS CLI at the files in `dir`. */
function filesEnv(dir: string): Record<string, string> {
  return {
    AWS_SHARED_CREDENTIALS_FILE: join(dir, "credentials"),
    AWS_CONFIG_FILE: join(dir, "config"),
  };
}

Deno.test("a CRLF credentials file gets a new profile in CRLF after every old byte, and the SDK parser and the AWS CLI read both old and new profiles", async () => {
  await using dir = await tempDir("crlf-");
  const env = filesEnv(dir.path);
  const path = env.AWS_SHARED_CREDENTIALS_FILE;
  await Deno.writeTextFile(path, WINDOWS_CREDENTIALS);

  await updateProfileFile(path, sectionName("credentials", "win"), KEYS);

  const text = await Deno.readTextFile(path);
  assert.ok(text.startsWith(WINDOWS_CREDENTIALS), "an old byte changed");
  assertAllCrlf(text);
  assert.ok(text.endsWith("\r\n"));
  assert.deepEqual(await readProfile("credentials", "win", env), KEYS);
  assert.equal(
    (await readProfile("credentials", "work", env))?.aws_access_key_id,
    "AKIAWORK000000000002",
  );
  for (
    const [profile, key] of [
      ["win", KEYS.aws_access_key_id],
      ["work", "AKIAWORK000000000002"],
    ]
  ) {
    const read = await awsCli(
      ["configure", "get", "aws_access_key_id", "--profile", profile],
      env,
    );
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.trim(), key);
  }
});

Deno.test("updating and then removing a profile in a CRLF file with a byte order mark and no final newline keeps CRLF, the mark and every other byte", async () => {
  await using dir = await tempDir("crlf-");
  const env = filesEnv(dir.path);
  const path = env.AWS_SHARED_CREDENTIALS_FILE;
  // Notepad: a byte order mark (older versions), no newline at the end.
  const original = "\uFEFF" + WINDOWS_CREDENTIALS.replace(/\r\n$/, "");
  await Deno.writeTextFile(path, original);
  const section = sectionName("credentials", "work");

  await updateProfileFile(path, section, {
    ...KEYS,
    aws_access_key_id: "ASIAWORK000000000009",
  });
  const updated = await Deno.readTextFile(path);
  assert.ok(updated.startsWith("\uFEFF[default]\r\n"));
  assertAllCrlf(updated);
  assert.ok(!updated.endsWith("\n"), "a final newline was added");
  assert.equal(
    (await readProfile("credentials", "work", env))?.aws_access_key_id,
    "ASIAWORK000000000009",
  );

  // What logout does: remove the four keys, and the section once empty.
  await updateProfileFile(path, section, {}, [
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "x_security_token_expires",
  ], { dropEmptySection: true });
  const removed = await Deno.readTextFile(path);
  assertAllCrlf(removed);
  assert.ok(removed.startsWith("\uFEFF[default]\r\n"));
  assert.equal(await readProfile("credentials", "work", env), undefined);
  assert.equal(
    (await readProfile("credentials", "default", env))?.aws_access_key_id,
    "AKIADEFAULT000000001",
  );
});

Deno.test("a CRLF config file gets credential_process and region in CRLF, and the AWS CLI reads the line back as written", async () => {
  await using dir = await tempDir("crlf-");
  const env = filesEnv(dir.path);
  const path = env.AWS_CONFIG_FILE;
  const original = "[default]\r\nregion = eu-west-1\r\noutput = json\r\n";
  await Deno.writeTextFile(path, original);
  const line =
    '"C:\\Program Files\\aws-cognito-auth.exe" credential-process --profile dev';

  await updateProfileFile(path, sectionName("config", "dev"), {
    region: "us-east-1",
    credential_process: line,
  });

  const text = await Deno.readTextFile(path);
  assert.ok(text.startsWith(original));
  assertAllCrlf(text);
  const read = await awsCli(
    ["configure", "get", "credential_process", "--profile", "dev"],
    env,
  );
  assert.equal(read.code, 0, read.stderr);
  assert.equal(read.stdout.replace(/\r?\n$/, ""), line);
});
