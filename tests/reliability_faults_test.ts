/**
 * Faults, each through the real entry point in a fresh process: AWS gone
 * before or during a login, a proxy that never answers, a revoked sign-in,
 * a disabled user, a deleted Identity Pool, a read-only folder, a full disk
 * and a missing home folder. Each must end with a plain message, the exit
 * code the README documents, no stack trace, and no change to any file in
 * the home folder (the tool's own identity-id cache aside, where the fault
 * comes after the Identity Pool answered).
 *
 * Where moto cannot play the fault (it hands out identities of a deleted
 * Identity Pool), a relay answers as AWS does.
 */
import assert from "node:assert/strict";
import { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import { ExitCode } from "../lib/errors.ts";
import {
  DENO_DIR,
  makeTempHome,
  RUN_AUTH,
  runAuth,
  type TempHome,
} from "./support/cli.ts";
import {
  actOnUser,
  type CognitoStack,
  createCognitoStack,
  fileClient,
  writeStackConfig,
} from "./support/fixtures.ts";
import { type MotoServer, startMoto } from "./support/moto.ts";
import { awsError, startRelay } from "./support/relay.ts";
import {
  assertNoStackTrace,
  deadEndpoint,
  HAND_WRITTEN_CONFIG,
  snapshotTree,
  treeChanges,
  writeHandWrittenCredentials,
} from "./support/reliability.ts";
import {
  runWithReadOnlyFolder,
  shellQuote,
  unsharePrefix,
} from "./support/sandbox.ts";
import { runCommand, tempDir } from "./support/tools.ts";

const moto = await startMoto();
const adminIdp = fileClient(moto, CognitoIdentityProviderClient);

/**
 * A home folder as a user has it: hand-written credentials and config files
 * and the tool's config file holding the stack's settings.
 */
async function seededHome(stack: CognitoStack): Promise<TempHome> {
  const home = await makeTempHome();
  await writeHandWrittenCredentials(home);
  await Deno.writeTextFile(home.configFile, HAND_WRITTEN_CONFIG, {
    mode: 0o600,
  });
  await writeStackConfig(home, stack);
  return home;
}

/** The login every fault test runs, with the stack's password. */
function loginArgs(stack: CognitoStack, ...extra: string[]): string[] {
  return ["login", "-u", stack.username, "--profile", "faulty", ...extra];
}

function passwordEnv(stack: CognitoStack, moto: MotoServer) {
  return { ...moto.env, COGNITO_PASSWORD: stack.password };
}

/** The tool's own cache: it may remember an identity id it was given. */
const identityCache = (path: string) =>
  path === ".cache" || path.startsWith(".cache/cognito-authoriser");

/** Asserts the run failed as documented and the home is unchanged. */
async function assertFault(
  run: { code: number; stdout: string; stderr: string },
  expected: { code: number; message: RegExp },
  home: TempHome,
  before: Awaited<ReturnType<typeof snapshotTree>>,
  ignore?: (path: string) => boolean,
): Promise<void> {
  assert.equal(run.code, expected.code, run.stderr);
  assert.match(run.stderr, expected.message);
  assert.match(run.stderr, /^Error: /m, "one plain error line");
  assertNoStackTrace(run);
  assert.equal(run.stdout, "", "nothing on stdout");
  assert.deepEqual(
    treeChanges(before, await snapshotTree(home.dir), ignore),
    [],
    "files changed",
  );
}

Deno.test("moto stopped before login: exit 9 (AWS could not be reached) after the SDK's default retries, within seconds, and no file changes", async () => {
  await using own = await startMoto();
  const stack = await createCognitoStack(own);
  await using home = await seededHome(stack);
  await own.stop();
  const before = await snapshotTree(home.dir);
  const started = Date.now();
  const run = await runAuth(loginArgs(stack, "--no-lambda-proxy"), {
    ...home.env,
    ...passwordEnv(stack, own),
  });
  const elapsed = Date.now() - started;
  await assertFault(
    run,
    {
      code: ExitCode.network,
      message: /Could not reach Cognito in us-east-1 while signing in/,
    },
    home,
    before,
  );
  assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
});

Deno.test("moto gone between sign-in and the Identity Pool call: exit 9 naming the Cognito Identity service, after a sign-in that went through, and no file changes", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await seededHome(stack);
  await using idp = startRelay(moto.endpoint);
  const before = await snapshotTree(home.dir);
  const run = await runAuth(loginArgs(stack, "--no-lambda-proxy"), {
    ...home.env,
    ...passwordEnv(stack, moto),
    // The SDK's per-service endpoints: sign-in reaches moto (through a
    // recording relay), the Identity Pool call a port nobody listens on.
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: idp.endpoint,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY: deadEndpoint(),
  });
  await assertFault(
    run,
    {
      code: ExitCode.network,
      message: /Could not reach the Cognito Identity service in us-east-1/,
    },
    home,
    before,
  );
  assert.deepEqual(idp.targets(), [
    "AWSCognitoIdentityProviderService.InitiateAuth",
  ]);
  assert.equal(idp.exchanges[0].status, 200, "the sign-in succeeded");
});

Deno.test("a proxy that accepts the call and never answers: login gives up after COGNITO_PROXY_TIMEOUT_MS and keeps the 1-hour credentials (exit 0); with --require-proxy it exits 14 and changes no file", async () => {
  const stack = await createCognitoStack(moto);
  await using hung = startRelay(moto.endpoint, () => ({ kind: "hang" }));
  await using home = await seededHome(stack);
  const env = {
    ...home.env,
    ...passwordEnv(stack, moto),
    AWS_ENDPOINT_URL_LAMBDA: hung.endpoint,
    COGNITO_PROXY_TIMEOUT_MS: "1500",
  };
  const before = await snapshotTree(home.dir);
  let started = Date.now();
  const strict = await runAuth(loginArgs(stack, "--require-proxy"), env);
  let elapsed = Date.now() - started;
  await assertFault(
    strict,
    {
      code: ExitCode.proxy,
      message:
        /The credential proxy cognito-credential-proxy did not answer within 2 s/,
    },
    home,
    before,
    identityCache,
  );
  assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
  assert.ok(hung.exchanges.length >= 1, "the proxy was called");
  assert.match(
    hung.exchanges[0].path,
    /\/functions\/cognito-credential-proxy\/invocations$/,
  );

  started = Date.now();
  const lenient = await runAuth(loginArgs(stack), env);
  elapsed = Date.now() - started;
  assert.equal(lenient.code, 0, lenient.stderr);
  assertNoStackTrace(lenient);
  assert.match(
    lenient.stderr,
    /did not answer within 2 s\.\); keeping the 1-hour Identity Pool credentials/,
  );
  assert.match(
    lenient.stderr,
    /Wrote Identity Pool credentials to profile faulty/,
  );
  assert.ok(elapsed < 10_000, `took ${elapsed} ms`);
  console.log(`a hung proxy was given up after ${elapsed} ms in all`);
});

Deno.test("a malformed COGNITO_PROXY_TIMEOUT_MS is exit 3 before anything is sent", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await seededHome(stack);
  await using relay = startRelay(moto.endpoint);
  const before = await snapshotTree(home.dir);
  for (const value of ["soon", "-5", "0", "1.5", "99999999999"]) {
    const run = await runAuth(loginArgs(stack), {
      ...home.env,
      ...passwordEnv(stack, moto),
      AWS_ENDPOINT_URL: relay.endpoint,
      COGNITO_PROXY_TIMEOUT_MS: value,
    });
    await assertFault(
      run,
      {
        code: ExitCode.config,
        message:
          /COGNITO_PROXY_TIMEOUT_MS must be a whole number of milliseconds/,
      },
      home,
      before,
    );
  }
  assert.deepEqual(relay.targets(), [], "nothing was sent");
});

Deno.test("a disabled user: exit 4 saying the account is disabled, and no file changes", async () => {
  const stack = await createCognitoStack(moto);
  await actOnUser(adminIdp, stack, "disable");
  await using home = await seededHome(stack);
  const before = await snapshotTree(home.dir);
  const run = await runAuth(loginArgs(stack, "--no-lambda-proxy"), {
    ...home.env,
    ...passwordEnv(stack, moto),
  });
  await assertFault(
    run,
    {
      code: ExitCode.notAuthorized,
      message: /User user-\w+ is disabled in the user pool/,
    },
    home,
    before,
  );
});

Deno.test("a deleted Identity Pool (answered as AWS does, ResourceNotFoundException): exit 8 naming the pool, and no file changes", async () => {
  const stack = await createCognitoStack(moto);
  // moto keeps handing out identities of a deleted pool; AWS does not.
  await using identity = startRelay(moto.endpoint, () => ({
    kind: "respond",
    status: 400,
    body: awsError(
      "ResourceNotFoundException",
      `IdentityPool '${stack.identityPoolId}' not found.`,
    ),
  }));
  await using home = await seededHome(stack);
  const before = await snapshotTree(home.dir);
  const run = await runAuth(loginArgs(stack, "--no-lambda-proxy"), {
    ...home.env,
    ...passwordEnv(stack, moto),
    AWS_ENDPOINT_URL_COGNITO_IDENTITY: identity.endpoint,
  });
  await assertFault(
    run,
    {
      code: ExitCode.resourceNotFound,
      message: new RegExp(
        `The Identity Pool ${stack.identityPoolId} does not exist in us-east-1`,
      ),
    },
    home,
    before,
  );
  assert.deepEqual(identity.targets(), ["AWSCognitoIdentityService.GetId"]);
});

Deno.test("a revoked sign-in: credential-process exits 19 (sign in again) when the saved refresh token no longer works, printing nothing on stdout and changing no file", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await seededHome(stack);
  const env = { ...home.env, ...passwordEnv(stack, moto) };
  const login = await runAuth(loginArgs(stack, "--no-lambda-proxy"), env);
  assert.equal(login.code, 0, login.stderr);
  // moto's refresh tokens do not expire by time: sign the user out
  // everywhere, which revokes them as an expiry would.
  await actOnUser(adminIdp, stack, "sign out everywhere");
  const before = await snapshotTree(home.dir);
  // moto's Identity Pool credentials last 90 s: a refresh window of an hour
  // makes them due for a refresh now.
  const run = await runAuth([
    "credential-process",
    "--profile",
    "faulty",
    "--refresh-window",
    "3600",
  ], { ...home.env, ...moto.env });
  await assertFault(
    run,
    {
      code: ExitCode.sessionExpired,
      message:
        /saved sign-in of user-\w+ for profile faulty has expired or was revoked.*login/,
    },
    home,
    before,
  );
});

/**
 * How this machine lets a test break the disk or a folder
 * (`RELIABILITY_NO_NAMESPACES=1`, only read, tries the fallbacks here).
 */
const isolation = Deno.env.get("RELIABILITY_NO_NAMESPACES")
  ? undefined
  : await unsharePrefix();
console.log(
  isolation
    ? `faults use mount namespaces (${isolation.join(" ")})`
    : "no mount namespaces here: read-only is chmod 0500, full disk is RLIMIT_FSIZE (EFBIG)",
);

Deno.test("a read-only ~/.aws folder: exit 10 saying the file cannot be written, no lock or temporary file, and no file changes", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await seededHome(stack);
  const aws = `${home.dir}/.aws`;
  const before = await snapshotTree(home.dir);
  const env = {
    ...home.env,
    ...passwordEnv(stack, moto),
    DENO_DIR,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
  };
  const args = [...RUN_AUTH, ...loginArgs(stack, "--no-lambda-proxy")];
  const run = await runWithReadOnlyFolder(
    aws,
    isolation !== undefined,
    Deno.execPath(),
    args,
    env,
  );
  await assertFault(
    run,
    {
      code: ExitCode.credentialsFile,
      message:
        /Cannot update \S+\/\.aws\/credentials\. Cannot create the lock file .*(Read-only file system|Permission denied)/,
    },
    home,
    before,
    identityCache,
  );
});

/** The Deno cache of this process, for subprocesses with their own HOME. */
/**
 * `sha256sum` lines of every file under a folder, sorted, but `filler` and
 * the tool's own cache (it may remember an identity id).
 */
const SUMS =
  `(cd "$1" && find . -type f ! -name filler ! -path './.cache/*' -exec sha256sum {} + | sort)`;

Deno.test("a full disk: exit 10 saying the disk is full, no lock or temporary file left, no file changes, and the next login once there is space works at once", async () => {
  const stack = await createCognitoStack(moto);
  await using seed = await seededHome(stack);
  await using outFolder = await tempDir("full-disk-");
  const out = outFolder.path;
  const env = {
    ...passwordEnv(stack, moto),
    NO_COLOR: "1",
    DENO_DIR,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    SEED: seed.dir,
    OUT: out,
  };
  const login = [
    Deno.execPath(),
    ...RUN_AUTH,
    ...loginArgs(stack, "--no-lambda-proxy"),
  ];
  // Run the login twice: once with the disk full, once after freeing it;
  // record what the disk held in between.
  const script = (prepare: string, full: string, freeUp: string) =>
    `sums() { ${SUMS.replace("$1", '"$1"')}; }\n${prepare}\n` +
    `sums "$HOME" > "$OUT/sums-before"\nset +e\n` +
    `${full} "$@" > "$OUT/first.out" 2> "$OUT/first.err"; echo $? > "$OUT/first.code"\n` +
    `sums "$HOME" > "$OUT/sums-after"\n` +
    `find "$HOME" \\( -name '*.lock' -o -name '*.tmp' \\) > "$OUT/leftovers"\n` +
    `${freeUp}\n` +
    `"$@" > "$OUT/second.out" 2> "$OUT/second.err"; echo $? > "$OUT/second.code"\n`;
  let mechanism: string;
  if (isolation) {
    mechanism = "ENOSPC on a 64 KB tmpfs";
    const disk = `${out}/disk`;
    await Deno.mkdir(disk);
    const run = await runCommand(isolation[0], [
      ...isolation.slice(1),
      "-m",
      "sh",
      "-c",
      script(
        `mount -t tmpfs -o size=64k,mode=0700 tmpfs ${shellQuote(disk)}\n` +
          `cp -a "$SEED/." ${shellQuote(disk)}/\nexport HOME=${
            shellQuote(disk)
          }\n` +
          `head -c 1048576 /dev/zero > "$HOME/filler" 2>/dev/null || true`,
        "",
        'rm -f "$HOME/filler"',
      ),
      "sh",
      ...login,
    ], { env });
    assert.equal(run.code, 0, run.stderr);
  } else {
    mechanism = "EFBIG under RLIMIT_FSIZE";
    const size = (await Deno.stat(seed.credentialsFile)).size;
    const run = await runCommand("sh", [
      "-c",
      script(
        // Writes past the limit fail with EFBIG instead of killing the
        // process once SIGXFSZ is ignored (which exec keeps).
        `export HOME="$SEED"\ntrap '' XFSZ`,
        `prlimit --fsize=${size + 64} --`,
        "",
      ),
      "sh",
      ...login,
    ], { env });
    assert.equal(run.code, 0, run.stderr);
  }
  const read = (name: string) => Deno.readTextFile(`${out}/${name}`);
  const first = {
    code: Number(await read("first.code")),
    stdout: await read("first.out"),
    stderr: await read("first.err"),
  };
  assert.equal(first.code, ExitCode.credentialsFile, first.stderr);
  assert.match(
    first.stderr,
    /Cannot update \S+\/\.aws\/credentials.*(No space left on device|File too large).*The disk is full/,
  );
  assertNoStackTrace(first);
  assert.equal(await read("sums-after"), await read("sums-before"));
  assert.equal(await read("leftovers"), "", "lock or temporary files left");
  const second = {
    code: Number(await read("second.code")),
    stdout: await read("second.out"),
    stderr: await read("second.err"),
  };
  assert.equal(second.code, 0, second.stderr);
  assert.doesNotMatch(second.stderr, /lock/i, "no lock to wait for");
  console.log(`full disk played as ${mechanism}`);
});

Deno.test("HOME pointing at a folder that does not exist: exit 10 before signing in, and nothing is created", async () => {
  const stack = await createCognitoStack(moto);
  await using parentFolder = await tempDir("no-home-");
  const parent = parentFolder.path;
  await using relay = startRelay(moto.endpoint);
  const missing = `${parent}/gone/away`;
  const run = await runAuth(loginArgs(stack, "--no-lambda-proxy"), {
    HOME: missing,
    NO_COLOR: "1",
    ...passwordEnv(stack, moto),
    ...stack.env,
    AWS_ENDPOINT_URL: relay.endpoint,
  });
  assert.equal(run.code, ExitCode.credentialsFile, run.stderr);
  assert.match(
    run.stderr,
    new RegExp(`Your home folder ${missing} does not exist`),
  );
  assertNoStackTrace(run);
  assert.deepEqual(relay.targets(), [], "nothing was sent");
  assert.deepEqual(await Array.fromAsync(Deno.readDir(parent)), []);
});

Deno.test("HOME unset: exit 3 naming COGNITO_CLI_CONFIG, or exit 10 naming HOME when only the config file is set; with every file given by its variable, login works", async () => {
  const stack = await createCognitoStack(moto);
  await using dirFolder = await tempDir("homeless-");
  const dir = dirFolder.path;
  const base = {
    NO_COLOR: "1",
    ...passwordEnv(stack, moto),
    ...stack.env,
  };
  const args = loginArgs(stack, "--no-lambda-proxy");
  const noConfig = await runAuth(args, base);
  assert.equal(noConfig.code, ExitCode.config, noConfig.stderr);
  assert.match(
    noConfig.stderr,
    /neither HOME nor USERPROFILE is set.*COGNITO_CLI_CONFIG/,
  );
  assertNoStackTrace(noConfig);

  const config = { ...base, COGNITO_CLI_CONFIG: `${dir}/cognito.json` };
  const noAws = await runAuth(args, config);
  assert.equal(noAws.code, ExitCode.credentialsFile, noAws.stderr);
  assert.match(noAws.stderr, /Cannot find your home directory\. Set HOME/);
  assertNoStackTrace(noAws);
  assert.deepEqual(await Array.fromAsync(Deno.readDir(dir)), []);

  const all = await runAuth(args, {
    ...config,
    AWS_SHARED_CREDENTIALS_FILE: `${dir}/credentials`,
    AWS_CONFIG_FILE: `${dir}/config`,
    XDG_CACHE_HOME: `${dir}/cache`,
  });
  assert.equal(all.code, 0, all.stderr);
  assertNoStackTrace(all);
  assert.match(await Deno.readTextFile(`${dir}/credentials`), /^\[faulty\]/);
});

Deno.test("transient failures: throttling and a 5xx are retried by the SDK and login succeeds; with AWS_MAX_ATTEMPTS=1 the same throttling is exit 9 with advice", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await seededHome(stack);
  let throttled = 0;
  let failed = 0;
  await using relay = startRelay(moto.endpoint, (exchange) => {
    if (
      exchange.target === "AWSCognitoIdentityProviderService.InitiateAuth" &&
      throttled++ === 0
    ) {
      return {
        kind: "respond",
        status: 400,
        body: awsError("TooManyRequestsException", "Rate exceeded"),
      };
    }
    if (
      exchange.target === "AWSCognitoIdentityService.GetId" && failed++ === 0
    ) {
      return {
        kind: "respond",
        status: 500,
        body: awsError("InternalErrorException", "Internal error"),
      };
    }
    return { kind: "forward" };
  });
  const env = {
    ...home.env,
    ...passwordEnv(stack, moto),
    AWS_ENDPOINT_URL: relay.endpoint,
  };
  const run = await runAuth(loginArgs(stack, "--no-lambda-proxy"), env);
  assert.equal(run.code, 0, run.stderr);
  assertNoStackTrace(run);
  assert.deepEqual(relay.targets().slice(0, 4), [
    "AWSCognitoIdentityProviderService.InitiateAuth",
    "AWSCognitoIdentityProviderService.InitiateAuth",
    "AWSCognitoIdentityService.GetId",
    "AWSCognitoIdentityService.GetId",
  ]);

  relay.setPolicy(() => ({
    kind: "respond",
    status: 400,
    body: awsError("TooManyRequestsException", "Rate exceeded"),
  }));
  relay.exchanges.length = 0;
  const before = await snapshotTree(home.dir);
  const once = await runAuth(loginArgs(stack, "--no-lambda-proxy"), {
    ...env,
    AWS_MAX_ATTEMPTS: "1",
  });
  await assertFault(
    once,
    {
      code: ExitCode.network,
      message:
        /Cognito in us-east-1 is busy or failing \(TooManyRequestsException\).*AWS_MAX_ATTEMPTS/,
    },
    home,
    before,
  );
  assert.equal(relay.exchanges.length, 1, "AWS_MAX_ATTEMPTS=1: one try");
});
