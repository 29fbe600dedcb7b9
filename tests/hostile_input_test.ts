/**
 * Hostile and broken input, table-driven, through the real entry point: the
 * tool's config file, ids of every wrong shape, option values, an unknown
 * region, and credentials and config files people really have (CRLF, a byte
 * order mark, duplicate sections, keys before any section, 1 MB lines,
 * bytes that are not UTF-8) or that are broken.
 *
 * Each case either works correctly or fails with a plain error and its
 * documented exit code. No case prints a stack trace, and a case that fails
 * leaves every file byte-for-byte as it was. Cases that must fail before any
 * request are run against a recording relay and checked to have sent none.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../lib/errors.ts";
import {
  DENO_DIR,
  makeTempHome,
  RUN_AUTH,
  runAuth,
  type TempHome,
} from "./support/cli.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import { startMoto } from "./support/moto.ts";
import { type Relay, startRelay } from "./support/relay.ts";
import {
  assertNoStackTrace,
  HAND_WRITTEN_CONFIG,
  HAND_WRITTEN_CREDENTIALS,
  LOGIN_KEYS,
  sdkConfigProfiles,
  sdkCredentialsProfiles,
  snapshotTree,
  treeChanges,
} from "./support/reliability.ts";
import { runIsolated, unsharePrefix } from "./support/sandbox.ts";
import { runCommand } from "./support/tools.ts";

const moto = await startMoto();
const stack = await createCognitoStack(moto);

/** What one case expects. */
interface Expect {
  /** The exit code. */
  code: number;
  /** What stderr must say. */
  message?: RegExp;
  /** Whether any request may reach AWS (default: only when code is 0). */
  sends?: boolean;
}

/** One row of a table. */
interface Case {
  name: string;
  /** Files to create in the home folder before the run (relative paths). */
  files?: Record<string, string | Uint8Array>;
  /** Arguments (default: a login of the stack's user into profile "hostile"). */
  args?: string[];
  /** Environment on top of HOME, moto, the stack's settings and password. */
  env?: Record<string, string>;
  /** Leave the stack's COGNITO_* settings out of the environment. */
  noSettingsEnv?: boolean;
  expect: Expect;
  /** More checks after a run that worked. */
  then?: (home: TempHome, run: RunOutput) => Promise<void>;
}

interface RunOutput {
  code: number;
  stdout: string;
  stderr: string;
}

const LOGIN = ["login", "-u", stack.username, "--no-lambda-proxy"];

/** Runs one case in a fresh home behind its own recording relay. */
async function runCase(c: Case): Promise<void> {
  await using home = await makeTempHome();
  await using relay: Relay = startRelay(moto.endpoint);
  for (const [path, content] of Object.entries(c.files ?? {})) {
    const full = `${home.dir}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), {
      recursive: true,
      mode: 0o700,
    });
    if (typeof content === "string") {
      await Deno.writeTextFile(full, content, { mode: 0o600 });
    } else await Deno.writeFile(full, content, { mode: 0o600 });
  }
  const before = await snapshotTree(home.dir);
  const run = await runAuth(c.args ?? [...LOGIN, "--profile", "hostile"], {
    ...home.env,
    ...moto.env,
    ...(c.noSettingsEnv ? {} : stack.env),
    COGNITO_PASSWORD: stack.password,
    AWS_ENDPOINT_URL: relay.endpoint,
    ...c.env,
  });
  assert.equal(run.code, c.expect.code, `${c.name}:\n${run.stderr}`);
  if (c.expect.message) assert.match(run.stderr, c.expect.message);
  assertNoStackTrace(run);
  const sends = c.expect.sends ?? c.expect.code === 0;
  if (!sends) {
    assert.deepEqual(relay.targets(), [], "a request was sent");
  }
  if (c.expect.code !== 0) {
    assert.match(run.stderr, /^Error: |^error: /m);
    assert.deepEqual(
      treeChanges(before, await snapshotTree(home.dir)),
      [],
      "a file changed",
    );
  }
  await c.then?.(home, run);
}

/** Runs every case as a step, `parallel` at a time. */
async function runTable(t: Deno.TestContext, cases: Case[], parallel = 4) {
  const failures: string[] = [];
  for (let i = 0; i < cases.length; i += parallel) {
    const batch = cases.slice(i, i + parallel);
    const outcomes = await Promise.allSettled(batch.map(runCase));
    for (const [j, outcome] of outcomes.entries()) {
      await t.step(batch[j].name, () => {
        if (outcome.status === "rejected") throw outcome.reason;
      });
      if (outcome.status === "rejected") failures.push(batch[j].name);
    }
  }
  assert.deepEqual(failures, []);
}

const COGNITO_CONFIG = ".cognito-cli-config.json";
const settingsJson = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    user_pool_id: stack.userPoolId,
    client_id: stack.clientId,
    identity_pool_id: stack.identityPoolId,
    ...extra,
  });
const fromFile = { noSettingsEnv: true };

Deno.test("config file: invalid JSON, wrong types and wrong shapes are exit 3 naming the file and the fault; unknown keys are kept and ignored", async (t) => {
  const unknownKeys = settingsJson({ colour: "blue", nested: { a: [1] } });
  await runTable(t, [
    {
      name: "a trailing comma",
      ...fromFile,
      files: { [COGNITO_CONFIG]: '{\n  "client_id": "abc",\n}' },
      expect: {
        code: ExitCode.config,
        message: /is not valid JSON: a comma before '}'.*line 2, column 21/,
      },
    },
    {
      name: "an empty file",
      ...fromFile,
      files: { [COGNITO_CONFIG]: "" },
      expect: { code: ExitCode.config, message: /the file is empty/ },
    },
    {
      name: "single quotes",
      ...fromFile,
      files: { [COGNITO_CONFIG]: "{'client_id': 'abc'}" },
      expect: { code: ExitCode.config, message: /double quotes/ },
    },
    {
      name: "numbers, arrays and null where strings belong",
      ...fromFile,
      files: {
        [COGNITO_CONFIG]:
          '{"user_pool_id": 42, "client_id": ["x"], "region": null}',
      },
      expect: {
        code: ExitCode.config,
        message:
          /"user_pool_id" \(a number\), "client_id" \(an array\), "region" \(null\)/,
      },
    },
    {
      name: "a top level that is an array",
      ...fromFile,
      files: { [COGNITO_CONFIG]: "[1, 2]" },
      expect: { code: ExitCode.config, message: /must hold a JSON object/ },
    },
    {
      name: "a top level that is a string",
      ...fromFile,
      files: { [COGNITO_CONFIG]: '"us-east-1_abc"' },
      expect: { code: ExitCode.config, message: /must hold a JSON object/ },
    },
    {
      name: "100 000 nested arrays",
      ...fromFile,
      files: { [COGNITO_CONFIG]: "[".repeat(100_000) + "]".repeat(100_000) },
      expect: { code: ExitCode.config, message: /must hold a JSON object/ },
    },
    {
      name: "100 000 unclosed nested arrays",
      ...fromFile,
      files: { [COGNITO_CONFIG]: "[".repeat(100_000) },
      expect: { code: ExitCode.config, message: /is not valid JSON/ },
    },
    {
      name: "bytes that are not UTF-8",
      ...fromFile,
      files: {
        [COGNITO_CONFIG]: new Uint8Array([
          ...new TextEncoder().encode('{"client_id": "ab'),
          0xff,
          0xfe,
          ...new TextEncoder().encode('c"}'),
        ]),
      },
      expect: { code: ExitCode.config, message: /client id "ab\uFFFD\uFFFDc"/ },
    },
    {
      name: "a __proto__ key sets nothing",
      ...fromFile,
      files: {
        [COGNITO_CONFIG]: JSON.stringify({
          ["__proto__"]: { user_pool_id: stack.userPoolId },
          client_id: stack.clientId,
          identity_pool_id: stack.identityPoolId,
        }),
      },
      expect: { code: ExitCode.config, message: /user pool id is not set/ },
    },
    {
      name: "a folder where the file should be",
      ...fromFile,
      files: { [`${COGNITO_CONFIG}/inside`]: "" },
      expect: {
        code: ExitCode.config,
        message: /Could not read the config file/,
      },
    },
    {
      name: "a byte order mark before valid JSON works",
      ...fromFile,
      files: { [COGNITO_CONFIG]: `\uFEFF${settingsJson()}` },
      expect: { code: 0 },
    },
    {
      name: "unknown keys work and are kept by configure",
      ...fromFile,
      files: { [COGNITO_CONFIG]: unknownKeys },
      expect: { code: 0 },
      then: async (home) => {
        const configure = await runAuth(
          ["configure", "--region", "eu-west-1"],
          home.env,
        );
        assert.equal(configure.code, 0, configure.stderr);
        const saved = JSON.parse(
          await Deno.readTextFile(`${home.dir}/${COGNITO_CONFIG}`),
        );
        assert.deepEqual(saved, {
          ...JSON.parse(unknownKeys),
          region: "eu-west-1",
        });
      },
    },
  ]);
});

/** Bad values of each setting, with the words the error must contain. */
const BAD_IDS: [
  setting: string,
  variable: string,
  flag: string,
  values: string[],
][] = [
  ["user pool id", "COGNITO_USER_POOL_ID", "--user-pool-id", [
    "us-east-1",
    "us-east-1_",
    "_AbC123",
    "us-east-1_AbC 123",
    "us-east-1_AbC-123",
    "us-east-1:AbC123",
    "us-east-1_Äbc",
    "../../etc/passwd",
    "$(touch /tmp/pwned)",
    `us-east-1_${"a".repeat(50)}`,
    "us-east-1_abc\nregion = evil",
  ]],
  ["client id", "COGNITO_CLIENT_ID", "--client-id", [
    "abc-def",
    "abc def",
    "ab/cd",
    "абв",
    "a".repeat(129),
  ]],
  ["identity pool id", "COGNITO_IDENTITY_POOL_ID", "--identity-pool-id", [
    "us-east-1:ABCDEF00-1111",
    "us-east-1_abc",
    "us-east-1:",
    ":0000-1111",
    "us-east-1:g0000",
    `us-east-1:${"0".repeat(50)}`,
  ]],
  ["region", "AWS_REGION", "--region", [
    "US-EAST-1",
    "us_east_1",
    "useast1",
    "us-east-1a",
    "x",
    "us-east-1; rm -rf /",
  ]],
  [
    "Lambda function name",
    "COGNITO_LAMBDA_FUNCTION_NAME",
    "--lambda-function-name",
    [
      "my function",
      "arn:aws:lambda:us-east-1:123:function:x",
      "a".repeat(141),
    ],
  ],
];

Deno.test("ids of every wrong shape, from the environment or a flag, are exit 3 naming the setting and its source, before any request", async (t) => {
  const cases: Case[] = [];
  for (const [setting, variable, flag, values] of BAD_IDS) {
    for (const value of values) {
      const shown = JSON.stringify(value.slice(0, 24));
      cases.push({
        name: `${setting} ${shown} from ${variable}`,
        env: { [variable]: value },
        expect: {
          code: ExitCode.config,
          message: new RegExp(`${setting} .* \\(from env ${variable}\\)`),
        },
      });
      cases.push({
        name: `${setting} ${shown} from ${flag}`,
        args: [...LOGIN, `${flag}=${value}`],
        expect: {
          code: ExitCode.config,
          message: new RegExp(`${setting} .* \\(from flag ${flag}\\)`),
        },
      });
    }
  }
  await runTable(t, cases, 6);
});

Deno.test("option values that cannot work: --duration outside 1..12 or not a whole number is exit 2; a --profile with ], spaces, a newline or other unsafe characters is exit 10; both before any request", async (t) => {
  const cases: Case[] = [];
  for (
    const hours of ["0", "13", "1.5", "abc", "-1", "", "12h", "1e1", "0x5"]
  ) {
    cases.push({
      name: `--duration ${JSON.stringify(hours)}`,
      args: [...LOGIN, "--duration", hours],
      expect: {
        code: ExitCode.usage,
        message: /whole number of hours from 1 to 12/,
      },
    });
  }
  for (
    const profile of [
      "a]b",
      "[x]",
      "a b",
      "a\nb",
      "a\rb",
      "",
      " dev",
      "__proto__",
      "profile x",
      "#x",
      "a;b",
      "a=b",
      "é",
    ]
  ) {
    cases.push({
      name: `--profile ${JSON.stringify(profile)}`,
      args: [...LOGIN, "--profile", profile],
      files: { ".aws/credentials": HAND_WRITTEN_CREDENTIALS },
      expect: {
        code: ExitCode.credentialsFile,
        message: /Cannot use .* as a profile name/,
      },
    });
  }
  await runTable(t, cases, 6);
});

const isolation = await unsharePrefix();

Deno.test("an unknown but well-formed region: as the profile's region it is written as given; as the pools' region it fails as AWS not reachable (exit 9), with no stack trace and no request leaving the machine", async () => {
  await using home = await makeTempHome();
  const run = await runAuth([...LOGIN, "--profile", "nowhere"], {
    ...home.env,
    ...moto.env,
    ...stack.env,
    COGNITO_PASSWORD: stack.password,
    AWS_REGION: "xx-nowhere-9",
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    (await sdkConfigProfiles(home.configFile)).nowhere?.region,
    "xx-nowhere-9",
  );

  // Pools in that region, with no endpoint override: the SDK looks up
  // cognito-idp.xx-nowhere-9.amazonaws.com. In a network namespace with
  // no network the lookup fails at once; where there is none, a .invalid
  // name (RFC 6761: never resolves) stands in for it.
  const env: Record<string, string> = {
    ...home.env,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    DENO_DIR,
    AWS_EC2_METADATA_DISABLED: "true",
    COGNITO_USER_POOL_ID: "xx-nowhere-9_AbC123xyz",
    COGNITO_CLIENT_ID: "client123",
    COGNITO_IDENTITY_POOL_ID:
      "xx-nowhere-9:0a1b2c3d-1111-2222-3333-444455556666",
    COGNITO_PASSWORD: "not-sent",
  };
  const args = [...RUN_AUTH, ...LOGIN, "--profile", "far"];
  const before = await snapshotTree(home.dir);
  const far = isolation
    ? await runIsolated(["-n"], "", Deno.execPath(), args, env)
    : await runAuth(args.slice(RUN_AUTH.length), {
      ...env,
      AWS_ENDPOINT_URL: "https://cognito-idp.xx-nowhere-9.invalid",
      AWS_MAX_ATTEMPTS: "1",
    });
  assert.equal(far.code, ExitCode.network, far.stderr);
  assert.match(
    far.stderr,
    /Could not reach Cognito in xx-nowhere-9 while signing in/,
  );
  assertNoStackTrace(far);
  assert.deepEqual(treeChanges(before, await snapshotTree(home.dir)), []);
});

const encoder = new TextEncoder();
const MB = 1024 * 1024;
const crlf = (text: string) => text.replaceAll("\n", "\r\n");
const bytes = (...parts: (string | number[])[]) =>
  new Uint8Array(
    parts.flatMap((p) => typeof p === "string" ? [...encoder.encode(p)] : p),
  );

/** After a login that worked: `before` is still a prefix, byte for byte. */
function keeps(before: string | Uint8Array, after: Uint8Array): void {
  const old = typeof before === "string" ? encoder.encode(before) : before;
  assert.ok(
    after.length >= old.length &&
      old.every((byte, i) => byte === after[i]),
    "the existing bytes changed",
  );
}

/** The profile "hostile" as the SDK reads it, with the 4 keys login writes. */
async function assertLoggedIn(home: TempHome, profile = "hostile") {
  const values = (await sdkCredentialsProfiles(home.credentialsFile))[profile];
  assert.ok(values, `the SDK does not see profile ${profile}`);
  for (const key of LOGIN_KEYS) assert.ok(values[key], `${key} is missing`);
  return values;
}

/**
 * A check that the credentials file still begins with `before` and that
 * the login wrote its profile.
 */
function keptAndSignedIn(before: string): (home: TempHome) => Promise<void> {
  return async (home) => {
    keeps(before, await Deno.readFile(home.credentialsFile));
    await assertLoggedIn(home);
  };
}

Deno.test("credentials and config files with CRLF, a byte order mark, duplicate sections, NUL bytes or 1 MB lines work and keep every byte; keys before any section, broken lines, lone CRs or bytes that are not UTF-8 are exit 10 naming the line, before signing in, with the file untouched", async (t) => {
  const duplicate =
    "[hostile]\naws_access_key_id = OLD1\nnote = first copy\n\n" +
    "[other]\naws_access_key_id = KEEP\n\n[hostile]\nregion = us-west-2\n";
  const bigComment = `# ${"c".repeat(MB)}\n[other]\naws_access_key_id = KEEP\n`;
  const bigValue = `[other]\naws_access_key_id = KEEP\nblob = ${
    "v".repeat(MB)
  }\n`;
  const crlfFile = crlf(HAND_WRITTEN_CREDENTIALS);
  const bom = `\uFEFF[hostile]\naws_access_key_id = OLD\n[other]\nx = 1\n`;
  await runTable(t, [
    {
      name: "CRLF line ends: kept, and the new lines use CRLF too",
      files: {
        ".aws/credentials": crlfFile,
        ".aws/config": crlf("[default]\nregion = eu-west-1\n"),
      },
      expect: { code: 0 },
      then: async (home) => {
        const after = await Deno.readFile(home.credentialsFile);
        keeps(crlfFile, after);
        const text = new TextDecoder().decode(after);
        assert.doesNotMatch(text.replaceAll("\r\n", ""), /\n/, "a bare LF");
        await assertLoggedIn(home);
        assert.doesNotMatch(
          (await Deno.readTextFile(home.configFile)).replaceAll("\r\n", ""),
          /\n/,
        );
      },
    },
    {
      name: "a UTF-8 byte order mark before the section being updated",
      files: { ".aws/credentials": bom },
      expect: { code: 0 },
      then: async (home) => {
        const values = await assertLoggedIn(home);
        assert.notEqual(values.aws_access_key_id, "OLD");
        const text = await Deno.readTextFile(home.credentialsFile);
        assert.ok(
          text.startsWith(
            `\uFEFF[hostile]\naws_access_key_id = ${values.aws_access_key_id}\n`,
          ),
        );
        assert.ok(text.endsWith("[other]\nx = 1\n"));
      },
    },
    {
      name: "the profile's section twice: both copies updated, the rest kept",
      files: { ".aws/credentials": duplicate },
      expect: { code: 0 },
      then: async (home) => {
        const values = await assertLoggedIn(home);
        const text = await Deno.readTextFile(home.credentialsFile);
        const copies = text.split("[hostile]").slice(1);
        assert.equal(copies.length, 2);
        // A key found in a copy is replaced there; new keys go into the last.
        assert.match(
          copies[0],
          new RegExp(
            `^\naws_access_key_id = ${values.aws_access_key_id}\nnote = first copy\n`,
          ),
        );
        assert.match(text, /\[other\]\naws_access_key_id = KEEP\n/);
        assert.match(
          copies[1],
          /^\nregion = us-west-2\naws_secret_access_key = /,
        );
      },
    },
    {
      name: "a NUL byte in a comment",
      files: { ".aws/credentials": "# a\0b\n[other]\nx = 1\n" },
      expect: { code: 0 },
      then: keptAndSignedIn("# a\0b\n[other]\nx = 1\n"),
    },
    {
      name: "a 1 MB comment line",
      files: { ".aws/credentials": bigComment },
      expect: { code: 0 },
      then: keptAndSignedIn(bigComment),
    },
    {
      name: "a 1 MB value in another profile",
      files: { ".aws/credentials": bigValue },
      expect: { code: 0 },
      then: async (home) => {
        keeps(bigValue, await Deno.readFile(home.credentialsFile));
        const values = await sdkCredentialsProfiles(home.credentialsFile);
        assert.equal(values.other.blob?.length, MB);
        await assertLoggedIn(home);
      },
    },
    {
      name: "an empty file",
      files: { ".aws/credentials": "" },
      expect: { code: 0 },
      then: async (home) => void await assertLoggedIn(home),
    },
    {
      name: "a file that is only a byte order mark",
      files: { ".aws/credentials": "\uFEFF" },
      expect: { code: 0 },
      then: async (home) => {
        assert.ok(
          (await Deno.readTextFile(home.credentialsFile)).startsWith(
            "\uFEFF[hostile]\n",
          ),
        );
        await assertLoggedIn(home);
      },
    },
    {
      name: "a key before any section",
      files: { ".aws/credentials": "aws_access_key_id = X\n[a]\nb = c\n" },
      expect: {
        code: ExitCode.credentialsFile,
        message: /Line 1 has a key before any \[section\] header/,
      },
    },
    {
      name: "a 1 MB line that is not INI, not quoted back",
      files: { ".aws/credentials": `[a]\nb = c\n${"z".repeat(MB)}\n` },
      expect: {
        code: ExitCode.credentialsFile,
        message:
          /^Error: Cannot update \S+credentials\. Line 3 is not a \[section\] header, a key = value line or a comment\. Fix or remove that line and try again\.$/m,
      },
    },
    {
      name: "a header that never closes",
      files: { ".aws/credentials": "[a]\nb = c\n[broken\n" },
      expect: {
        code: ExitCode.credentialsFile,
        message: /Line 3 starts with \[ but is not a section header/,
      },
    },
    {
      name: "lone CR line ends (classic Mac)",
      files: { ".aws/credentials": "[a]\rb = c\r[d]\re = f\r" },
      expect: { code: ExitCode.credentialsFile, message: /Line 1 / },
    },
    {
      name: "bytes that are not UTF-8",
      files: { ".aws/credentials": bytes("[a]\n# caf", [0xe9], "\nb = c\n") },
      expect: { code: ExitCode.credentialsFile, message: /not valid UTF-8/ },
    },
    {
      name: "an indented line before any section",
      files: { ".aws/credentials": "  x = 1\n[a]\n" },
      expect: { code: ExitCode.credentialsFile, message: /Line 1 is indented/ },
    },
    {
      name: "a folder where the credentials file should be",
      files: { ".aws/credentials/inside": "" },
      expect: {
        code: ExitCode.credentialsFile,
        message: /Cannot read \S+credentials/,
      },
    },
    {
      name: "a broken config file next to a good credentials file",
      files: {
        ".aws/credentials": HAND_WRITTEN_CREDENTIALS,
        ".aws/config": "region = us-east-1\n[default]\n",
      },
      expect: {
        code: ExitCode.credentialsFile,
        message:
          /Cannot update \S+\/\.aws\/config\. Line 1 has a key before any \[section\]/,
      },
    },
  ], 3);
});

/** Makes a FIFO at `path`. */
async function mkfifo(path: string): Promise<void> {
  const made = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.ok(made.success, `mkfifo ${path}`);
}

/** Hand-written credentials, and a FIFO as the config file. */
async function fifoAsConfig(home: TempHome): Promise<Record<string, string>> {
  await Deno.writeTextFile(home.credentialsFile, HAND_WRITTEN_CREDENTIALS);
  await mkfifo(home.configFile);
  return {};
}

Deno.test("a FIFO (or a link to one, or a device) at the credentials or config path: login and logout exit 10 at once (status reports it) without opening it, naming the path, send nothing, and leave every file as it was", async (t) => {
  const aws = (home: TempHome) => `${home.dir}/.aws`;
  const cases: {
    name: string;
    args?: string[];
    place: (home: TempHome) => Promise<Record<string, string>>;
    path: RegExp;
    kind: RegExp;
    /** `status` reports what it cannot read, and exits 0. */
    report?: boolean;
  }[] = [
    {
      name: "login, a FIFO as the credentials file",
      place: async (home) => {
        await mkfifo(home.credentialsFile);
        await Deno.writeTextFile(home.configFile, HAND_WRITTEN_CONFIG);
        return {};
      },
      path: /\.aws\/credentials/,
      kind: /a named pipe \(FIFO\)/,
    },
    {
      name: "login, a FIFO as the config file",
      place: fifoAsConfig,
      path: /\.aws\/config/,
      kind: /a named pipe \(FIFO\)/,
    },
    {
      name: "login, the credentials file a symlink to a FIFO",
      place: async (home) => {
        await mkfifo(`${aws(home)}/pipe`);
        await Deno.symlink(`${aws(home)}/pipe`, home.credentialsFile);
        return {};
      },
      path: /\.aws\/credentials/,
      kind: /a named pipe \(FIFO\)/,
    },
    {
      name: "login, AWS_SHARED_CREDENTIALS_FILE=/dev/zero (a device)",
      place: () =>
        Promise.resolve({ AWS_SHARED_CREDENTIALS_FILE: "/dev/zero" }),
      path: /\/dev\/zero/,
      kind: /a device/,
    },
    {
      name: "status, a FIFO as the credentials file",
      args: ["status", "--profile", "hostile"],
      place: async (home) => {
        await mkfifo(home.credentialsFile);
        return {};
      },
      path: /\.aws\/credentials/,
      kind: /a named pipe \(FIFO\)/,
      report: true,
    },
    {
      name: "logout, a FIFO as the config file",
      args: ["logout", "--profile", "hostile"],
      place: fifoAsConfig,
      path: /\.aws\/config/,
      kind: /a named pipe \(FIFO\)/,
    },
  ];
  for (const c of cases) {
    await t.step(c.name, async () => {
      await using home = await makeTempHome();
      await using relay: Relay = startRelay(moto.endpoint);
      await Deno.mkdir(aws(home), { mode: 0o700 });
      const extraEnv = await c.place(home);
      const before = await snapshotTree(home.dir);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const started = Date.now();
      const run = await runCommand(
        Deno.execPath(),
        [...RUN_AUTH, ...(c.args ?? [...LOGIN, "--profile", "hostile"])],
        {
          env: {
            DENO_DIR,
            ...home.env,
            ...moto.env,
            ...stack.env,
            COGNITO_PASSWORD: stack.password,
            AWS_ENDPOINT_URL: relay.endpoint,
            ...extraEnv,
          },
          // A hang is the bug: give up on it instead of hanging the suite.
          onSpawn: (child) =>
            timer = setTimeout(() => child.kill("SIGKILL"), 30_000),
        },
      );
      clearTimeout(timer);
      const took = Date.now() - started;
      assert.ok(took < 30_000, `hung for ${took} ms`);
      if (c.report) {
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stdout, /Profile hostile: cannot tell: Cannot read/);
      } else {
        assert.equal(run.code, ExitCode.credentialsFile, run.stderr);
        assert.match(run.stderr, /^Error: /m);
        assert.equal(run.stdout, "");
      }
      const said = c.report ? run.stdout : run.stderr;
      assert.match(said, c.path);
      assert.match(said, c.kind);
      assert.match(said, /not a regular file/);
      assertNoStackTrace(run);
      assert.deepEqual(relay.targets(), [], "a request was sent");
      assert.deepEqual(
        treeChanges(before, await snapshotTree(home.dir)),
        [],
        "a file changed",
      );
    });
  }
});
