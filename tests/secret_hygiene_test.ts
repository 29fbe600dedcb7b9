/**
 * Secret hygiene, through the real entry point with stdout and stderr
 * captured: `configure`, `login` (password from the environment and from
 * stdin, a new password, a wrong password, with and without `--debug`,
 * through a credential proxy, failing at the Identity Pool), `status`,
 * `--format env|json`, `credential-process`, `exec` and `logout`.
 *
 * Every secret the runs handle is known to the test: the password and a new
 * password, the app client's secret, the ID, access and refresh tokens
 * Cognito issued (read off the wire by a relay in front of moto), and the
 * secret key and session token of both the Identity Pool's and the proxy's
 * credentials (the relay makes the Identity Pool's unique; the proxy is the
 * real function under the runtime emulator, whose keys come from moto's
 * AssumeRole, read back from the credentials file). None may
 * appear in any output except output that exists to carry credentials
 * (`--format env|json` and `credential-process`, on stdout, and then only
 * the AWS credentials). On disk, the AWS credentials live only in the
 * credentials file and the session cache, the refresh token only in the
 * session cache, and the password, client secret, ID and access tokens
 * nowhere.
 *
 * Every run uses umask 000, so the modes the tool sets are its own: every
 * file it creates must be 0600 and every folder 0700, including the lock
 * file while it is held.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DENO_DIR, loginArgs, makeTempHome, RUN_AUTH } from "./support/cli.ts";
import { readProfile } from "../lib/aws_files.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import { startProxyStack } from "./support/proxy_stack.ts";
import { startMoto } from "./support/moto.ts";
import { awsError, forwardAll, startRelay } from "./support/relay.ts";
import { lockIsHeld } from "./support/reliability.ts";
import {
  removeAtUnload,
  runCommand,
  type RunResult,
  tempDir,
} from "./support/tools.ts";

const moto = await startMoto();

/** Secret values, by what they are. */
const secrets = new Map<string, string>();
const remember = (what: string, value: unknown) => {
  if (typeof value === "string" && value.length >= 8) secrets.set(value, what);
};

/** In front of moto: reads tokens off the wire, makes credentials unique. */
let identityFails = false;
const relay = startRelay(moto.endpoint, (exchange) => {
  if (exchange.target.endsWith(".GetCredentialsForIdentity")) {
    if (identityFails) {
      return {
        kind: "respond",
        status: 400,
        body: awsError(
          "NotAuthorizedException",
          "Invalid login token. Token expired.",
        ),
      };
    }
    return {
      kind: "forward",
      rewrite(body) {
        const answer = body as { Credentials: Record<string, unknown> };
        const n = crypto.randomUUID().replaceAll("-", "");
        const unique = {
          AccessKeyId: `ASIAHYGIENE${n.slice(0, 9).toUpperCase()}`,
          SecretKey: `identity-secret-${n}`,
          SessionToken: `identity-token-${n}${n}`,
        };
        remember("an Identity Pool secret key", unique.SecretKey);
        remember("an Identity Pool session token", unique.SessionToken);
        return { ...answer, Credentials: { ...answer.Credentials, ...unique } };
      },
    };
  }
  return { kind: "forward" };
});

/** Reads every token Cognito handed out from what the relay forwarded. */
function harvestTokens(): void {
  for (const exchange of [...relay.exchanges, ...proxyRelay.exchanges]) {
    if (!exchange.responseBody.startsWith("{")) continue;
    const body = JSON.parse(exchange.responseBody);
    const result = body.AuthenticationResult;
    remember("an ID token", result?.IdToken);
    remember("an access token", result?.AccessToken);
    remember("a refresh token", result?.RefreshToken);
    for (const token of [result?.IdToken, result?.AccessToken]) {
      // The signature alone is as secret as the token.
      remember("a token signature", token?.split(".")[2]);
    }
  }
}

/**
 * The real credential proxy: the built zip under the runtime emulator, with
 * its own moto over TLS (the function fetches the pool's JWKS over https).
 */
const proxyStack = await startProxyStack();
remember("the proxied user's password", proxyStack.stack.password);
/** Reads the proxied user's tokens off the wire, as `relay` does for moto. */
const proxyRelay = startRelay(proxyStack.moto.endpoint, forwardAll, {
  caCerts: [proxyStack.tls.caPem],
});

const secretStack = await createCognitoStack(moto, { clientSecret: true });
const newPasswordStack = await createCognitoStack(moto, {
  temporaryPassword: true,
});
const newPassword = `New-${crypto.randomUUID()}!Pw9`;
remember("the password", secretStack.password);
remember("the other password", newPasswordStack.password);
remember("the new password", newPassword);
remember("the app client's secret", secretStack.clientSecret);

/** Secrets allowed in output that exists to carry credentials. */
const CARRIED = new Set([
  "an Identity Pool secret key",
  "an Identity Pool session token",
  "the proxy's secret key",
  "the proxy's session token",
]);

// Shared by the file's tests: removed when the file ends, as moto, the proxy
// stack and the relays (in this process) stop then.
const home = await makeTempHome();
removeAtUnload(home.dir);

interface Run extends RunResult {
  name: string;
  /** stdout exists to carry credentials. */
  carries: boolean;
}
const runs: Run[] = [];

/** Runs the CLI under umask 000 with an exact environment. */
async function cli(
  name: string,
  args: string[],
  env: Record<string, string>,
  options: { stdin?: string; carries?: boolean; code?: number } = {},
): Promise<Run> {
  const result = await runCommand("sh", [
    "-c",
    'umask 000 && exec "$@"',
    "sh",
    Deno.execPath(),
    ...RUN_AUTH,
    ...args,
  ], {
    env: {
      DENO_DIR,
      ...home.env,
      ...moto.env,
      AWS_ENDPOINT_URL: relay.endpoint,
      ...env,
    },
    stdin: options.stdin,
  });
  assert.equal(result.code, options.code ?? 0, `${name}:\n${result.stderr}`);
  const run = { ...result, name, carries: options.carries ?? false };
  runs.push(run);
  return run;
}

Deno.test("no password, client secret, token or secret key appears in the output of any command, except AWS credentials where the output exists to carry them", async () => {
  const withSecret = {
    ...secretStack.env,
    COGNITO_CLIENT_SECRET: secretStack.clientSecret!,
  };
  const withPassword = {
    ...withSecret,
    COGNITO_PASSWORD: secretStack.password,
  };
  await cli("configure by flags", [
    "configure",
    "--user-pool-id",
    secretStack.userPoolId,
    "--client-id",
    secretStack.clientId,
    "--identity-pool-id",
    secretStack.identityPoolId,
    "--region",
    "us-east-1",
  ], {});
  await cli(
    "login through the proxy, password from COGNITO_PASSWORD",
    loginArgs(proxyStack.stack, "--profile", "proxied"),
    { ...proxyStack.loginEnv(home), AWS_ENDPOINT_URL: proxyRelay.endpoint },
  );
  // The proxy's credentials come from moto's AssumeRole: learn them from
  // the file login wrote, before any output is checked.
  const proxied = await readProfile("credentials", "proxied", {
    ...home.env,
    AWS_SHARED_CREDENTIALS_FILE: home.credentialsFile,
  });
  remember("the proxy's secret key", proxied?.aws_secret_access_key);
  remember("the proxy's session token", proxied?.aws_session_token);
  await cli(
    "login --password-stdin",
    loginArgs(
      secretStack,
      "--profile",
      "plain",
      "--no-lambda-proxy",
      "--password-stdin",
    ),
    withSecret,
    { stdin: `${secretStack.password}\n` },
  );
  await cli(
    "login with a wrong password",
    loginArgs(secretStack, "--no-lambda-proxy"),
    { ...withSecret, COGNITO_PASSWORD: `${secretStack.password}-wrong` },
    {
      code: 4,
    },
  );
  await cli(
    "login --debug with a wrong password",
    ["--debug", ...loginArgs(secretStack, "--no-lambda-proxy")],
    { ...withSecret, COGNITO_PASSWORD: `${secretStack.password}-wrong` },
    {
      code: 4,
    },
  );
  identityFails = true;
  await cli(
    "login --debug refused by the Identity Pool",
    [
      "--debug",
      ...loginArgs(secretStack, "--profile", "refused", "--no-lambda-proxy"),
    ],
    withPassword,
    { code: 11 },
  );
  identityFails = false;
  await cli(
    "login answering NEW_PASSWORD_REQUIRED",
    loginArgs(
      newPasswordStack,
      "--profile",
      "renewed",
      "--no-lambda-proxy",
      "--password-stdin",
      "--new-password-stdin",
    ),
    newPasswordStack.env,
    {
      stdin: `${newPasswordStack.password}\n${newPassword}\n`,
    },
  );
  await cli("status", ["status", "--profile", "plain"], withSecret);
  await cli("status --debug", ["--debug", "status", "--profile", "proxied"], {
    ...withSecret,
  });
  await cli(
    "login --format env",
    loginArgs(secretStack, "--no-lambda-proxy", "--format", "env"),
    withPassword,
    {
      carries: true,
    },
  );
  await cli(
    "login --format json",
    loginArgs(secretStack, "--no-lambda-proxy", "--format", "json", "--force"),
    withPassword,
    {
      carries: true,
    },
  );
  await cli(
    "credential-process",
    [
      "credential-process",
      "--profile",
      "plain",
    ],
    withSecret,
    { carries: true },
  );
  await cli(
    "credential-process refreshing with the refresh token",
    [
      "credential-process",
      "--profile",
      "plain",
      "--refresh-window",
      "3600",
    ],
    withSecret,
    { carries: true },
  );
  await cli("exec", [
    "exec",
    "--profile",
    "plain",
    "--",
    "sh",
    "-c",
    'test -n "$AWS_SECRET_ACCESS_KEY" && echo has-credentials',
  ], withSecret);
  harvestTokens();

  const kinds = new Set(secrets.values());
  for (
    const kind of [
      "an ID token",
      "an access token",
      "a refresh token",
      "an Identity Pool secret key",
      "the proxy's secret key",
      "the app client's secret",
    ]
  ) assert.ok(kinds.has(kind), `the test never saw ${kind}`);

  const leaks: string[] = [];
  for (const run of runs) {
    for (const [secret, what] of secrets) {
      if (run.stderr.includes(secret)) {
        leaks.push(`${what} in ${run.name} (stderr)`);
      }
      if (
        run.stdout.includes(secret) && !(run.carries && CARRIED.has(what))
      ) leaks.push(`${what} in ${run.name} (stdout)`);
    }
  }
  assert.deepEqual(leaks, []);
  assert.match(
    runs.find((r) => r.name.startsWith("login through the proxy"))!.stderr,
    /Wrote proxy credentials to profile proxied/,
  );
  // The carriers do carry them, so the check above looked at real output.
  const carriers = runs.filter((r) => r.carries).map((r) => r.stdout).join();
  assert.match(carriers, /identity-secret-/);
  assert.match(runs.find((r) => r.name === "exec")!.stdout, /has-credentials/);
  console.log(
    `${runs.length} runs, ${secrets.size} secrets checked, 0 leaks`,
  );
});

Deno.test("on disk, AWS credentials are only in the credentials file and the session cache, the refresh token only in the session cache, and passwords, the client secret and the ID and access tokens nowhere", async () => {
  const where = new Map<string, Set<string>>();
  const walk = async (dir: string, prefix: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      const name = prefix + entry.name;
      if (entry.isDirectory) await walk(path, `${name}/`);
      else if (entry.isFile) {
        const text = await Deno.readTextFile(path);
        for (const [secret, what] of secrets) {
          if (!text.includes(secret)) continue;
          if (!where.has(what)) where.set(what, new Set());
          where.get(what)!.add(name.replace(/sessions\/[^/]+$/, "sessions/*"));
        }
      }
    }
  };
  await walk(home.dir, "");
  const session = ".cache/cognito-authoriser/sessions/*";
  const found = Object.fromEntries(
    [...where].map(([what, files]) => [what, [...files].sort()]),
  );
  for (const [what, files] of Object.entries(found)) {
    const allowed = what === "a refresh token"
      ? [session]
      : CARRIED.has(what)
      ? [".aws/credentials", session]
      : [];
    for (const file of files) {
      assert.ok(allowed.includes(file), `${what} is in ${file}`);
    }
  }
  // What the checks above rest on: the secrets were where they belong.
  assert.deepEqual(found["a refresh token"], [session]);
  assert.deepEqual(found["the proxy's secret key"], [
    ".aws/credentials",
    session,
  ]);
});

Deno.test("every file the tool created is mode 0600 and every folder 0700, under umask 000", async () => {
  const wrong: string[] = [];
  const walk = async (dir: string, prefix: string) => {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      const mode = (await Deno.lstat(path)).mode! & 0o777;
      const want = entry.isDirectory ? 0o700 : 0o600;
      if (mode !== want) {
        wrong.push(`${prefix}${entry.name} ${mode.toString(8)}`);
      }
      if (entry.isDirectory) await walk(path, `${prefix}${entry.name}/`);
    }
  };
  await walk(home.dir, "");
  const created = (await Array.fromAsync(Deno.readDir(home.dir))).map((e) =>
    e.name
  ).sort();
  assert.deepEqual(created, [".aws", ".cache", ".cognito-cli-config.json"]);
  assert.deepEqual(wrong, []);
});

Deno.test("the lock file is mode 0600 while it is held, under umask 000", async () => {
  await using dirFolder = await tempDir("held-lock-");
  const dir = dirFolder.path;
  const target = `${dir}/aws/credentials`;
  await Deno.mkdir(`${dir}/aws`);
  const module = fileURLToPath(new URL("../lib/file_lock.ts", import.meta.url));
  // The real lock, as updateProfileFile takes it, kept until killed.
  const script = `import { withFileLock } from ${
    JSON.stringify(module)
  };\nawait withFileLock(Deno.args[0], () => new Promise((r) => setTimeout(r, 3_600_000)));\n`;
  const writer = new Deno.Command("sh", {
    args: [
      "-c",
      'umask 000 && exec "$@"',
      "sh",
      Deno.execPath(),
      "eval",
      "--quiet",
      script,
      target,
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    let held = false;
    for (let i = 0; i < 400 && !held; i++) {
      held = await lockIsHeld(`${target}.lock`);
      if (!held) await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(held, "the writer never took the lock");
    assert.equal((await Deno.stat(`${target}.lock`)).mode! & 0o777, 0o600);
  } finally {
    writer.kill("SIGKILL");
    await writer.status;
  }
});
