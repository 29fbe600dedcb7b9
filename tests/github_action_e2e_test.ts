/**
 * The GitHub Action (`action.yml`) run as a runner runs it, against moto:
 * a simulated runner job (`GITHUB_ACTIONS=true`, `GITHUB_ENV`,
 * `GITHUB_OUTPUT`, `GITHUB_PATH`, `RUNNER_TEMP` in a temporary folder)
 * executes the action's bash step; a following step, the AWS CLI with the
 * environment read back from `GITHUB_ENV`, uses the credentials. Also
 * `login --format github` off a runner, and actionlint over a workflow that
 * uses the local action.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../lib/errors.ts";
import { ACTIONLINT } from "./support/actionlint.ts";
import { makeTempHome, runAuth } from "./support/cli.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import { REPO_ROOT, startSimulatedRunner } from "./support/github_runner.ts";
import { startRelayedMoto } from "./support/relay.ts";
import { awsCli, runCommand } from "./support/tools.ts";

const { moto, userEnv } = await startRelayedMoto();

/**
 * Each secret appears in the step's log only in its own `::add-mask::`
 * line, and that line comes before any other line holding it.
 */
function assertMaskedFirst(log: string, secrets: Record<string, string>) {
  const lines = log.split("\n");
  for (const [what, secret] of Object.entries(secrets)) {
    assert.ok(secret.length > 0, `${what} is empty`);
    const holding = lines.flatMap((line, i) =>
      line.includes(secret) ? [i] : []
    );
    assert.ok(holding.length > 0, `${what} was never masked`);
    assert.equal(
      lines[holding[0]],
      `::add-mask::${secret}`,
      `the first line with ${what} is not its mask line`,
    );
    assert.equal(holding.length, 1, `${what} appears after its mask line`);
  }
}

/** A throwaway repository holding a copy of `action.yml`. */
async function tempProject(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "action-project-" });
  await Deno.mkdir(`${dir}/.git`);
  await Deno.mkdir(`${dir}/.github/workflows`, { recursive: true });
  await Deno.copyFile(`${REPO_ROOT}/action.yml`, `${dir}/action.yml`);
  return {
    dir,
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const found: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) found.push(...await filesUnder(path));
    else found.push(path);
  }
  return found;
}

function actionInputs(
  stack: Awaited<ReturnType<typeof createCognitoStack>>,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    "user-pool-id": stack.userPoolId,
    "client-id": stack.clientId,
    "identity-pool-id": stack.identityPoolId,
    username: stack.username,
    password: stack.password,
    "lambda-proxy": "false",
    ...extra,
  };
}

Deno.test("the action exports the credentials to GITHUB_ENV with every secret masked first, sets its outputs, and the AWS CLI in the next step uses them", async () => {
  const stack = await createCognitoStack(moto);
  await using runner = await startSimulatedRunner();
  await using home = await makeTempHome();
  // The job's own environment: no COGNITO_* (the inputs carry them).
  const jobEnv = { ...userEnv(home), HOME: home.dir };
  const run = await runner.runAction(actionInputs(stack), jobEnv);
  assert.equal(run.code, 0, run.stdout);

  const exported = await runner.exported();
  assert.deepEqual(Object.keys(exported).sort(), [
    "AWS_ACCESS_KEY_ID",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
  ]);
  assertMaskedFirst(run.stdout, {
    "the access key id": exported.AWS_ACCESS_KEY_ID,
    "the secret access key": exported.AWS_SECRET_ACCESS_KEY,
    "the session token": exported.AWS_SESSION_TOKEN,
    "the password": stack.password,
  });
  assert.match(run.stdout, /Exported Identity Pool credentials/);

  const outputs = await runner.outputs();
  assert.deepEqual(Object.keys(outputs).sort(), [
    "expiration",
    "identity-id",
  ]);
  assert.equal(outputs.expiration, exported.AWS_CREDENTIAL_EXPIRATION);
  assert.match(outputs["identity-id"], /^us-east-1:[0-9a-f-]{36}$/);
  // Blocks with random delimiters, never NAME=value lines.
  const { env: rawEnv } = await runner.files();
  assert.match(rawEnv, /^AWS_ACCESS_KEY_ID<<ghadelimiter_[0-9a-f-]{36}$/m);

  // Nothing in the workspace, nothing under HOME: the saved sign-in went
  // to RUNNER_TEMP, which the runner empties after the job.
  assert.deepEqual(await filesUnder(runner.workspace), []);
  assert.deepEqual(await filesUnder(home.dir), []);
  assert.ok(
    (await filesUnder(runner.runnerTemp)).some((f) =>
      f.includes("/cognito-authoriser/cache/")
    ),
  );

  // The next step: the AWS CLI with the job's environment plus GITHUB_ENV.
  const nextStep = { ...jobEnv, ...runner.env, ...exported };
  // The CLI takes the keys from the environment (it shows their end).
  const list = await awsCli(["configure", "list"], nextStep);
  assert.equal(list.code, 0, list.stderr);
  assert.match(
    list.stdout,
    new RegExp(
      `access_key +\\*+${exported.AWS_ACCESS_KEY_ID.slice(-4)} +env`,
    ),
  );
  const identity = await awsCli(["sts", "get-caller-identity"], nextStep);
  assert.equal(identity.code, 0, identity.stderr);
  assert.equal(JSON.parse(identity.stdout).Account, "123456789012");
  // The control: without GITHUB_ENV's variables the CLI has no credentials.
  const without = await awsCli(["sts", "get-caller-identity"], {
    ...jobEnv,
    ...runner.env,
  });
  assert.notEqual(without.code, 0);
});

Deno.test("the action with export-to profile writes the profile into RUNNER_TEMP, exports where it is, and the AWS CLI in the next step uses it", async () => {
  const stack = await createCognitoStack(moto);
  await using runner = await startSimulatedRunner();
  await using home = await makeTempHome();
  const jobEnv = { ...userEnv(home), HOME: home.dir };
  const run = await runner.runAction(
    actionInputs(stack, { "export-to": "profile", profile: "ci" }),
    jobEnv,
  );
  assert.equal(run.code, 0, run.stdout);
  const exported = await runner.exported();
  assert.equal(exported.AWS_PROFILE, "ci");
  assert.ok(
    exported.AWS_SHARED_CREDENTIALS_FILE.startsWith(runner.runnerTemp + "/"),
  );
  assert.ok(exported.AWS_CONFIG_FILE.startsWith(runner.runnerTemp + "/"));
  assert.equal(
    exported.AWS_ACCESS_KEY_ID,
    undefined,
    "no keys in GITHUB_ENV",
  );
  assert.equal((await runner.outputs()).profile, "ci");

  const file = await Deno.readTextFile(exported.AWS_SHARED_CREDENTIALS_FILE);
  assert.equal(
    (await Deno.stat(exported.AWS_SHARED_CREDENTIALS_FILE)).mode! & 0o777,
    0o600,
  );
  const secret = file.match(/^aws_secret_access_key = (.+)$/m)![1];
  const token = file.match(/^aws_session_token = (.+)$/m)![1];
  assertMaskedFirst(run.stdout, {
    "the secret access key": secret,
    "the session token": token,
    "the password": stack.password,
  });
  assert.deepEqual(await filesUnder(runner.workspace), []);
  assert.deepEqual(await filesUnder(home.dir), []);

  const identity = await awsCli(["sts", "get-caller-identity"], {
    ...jobEnv,
    ...runner.env,
    ...exported,
  });
  assert.equal(identity.code, 0, identity.stderr);
});

Deno.test("the action with a wrong password fails the step with exit 4 and exports nothing", async () => {
  const stack = await createCognitoStack(moto);
  await using runner = await startSimulatedRunner();
  await using home = await makeTempHome();
  const wrong = "Wrong-Password-123!";
  const run = await runner.runAction(
    actionInputs(stack, { password: wrong }),
    { ...userEnv(home), HOME: home.dir },
  );
  assert.equal(run.code, ExitCode.notAuthorized, run.stdout);
  assert.deepEqual(await runner.files(), { env: "", output: "" });
  assertMaskedFirst(run.stdout, { "the password": wrong });
  assert.doesNotMatch(run.stdout, /AWS_SECRET|aws_secret/);
  assert.deepEqual(await filesUnder(runner.workspace), []);
});

Deno.test("login --format github off a runner fails with exit 57 before signing in, and prints no mask line (it would show the password)", async () => {
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  for (
    const runnerEnv of <Record<string, string>[]> [
      {},
      { GITHUB_ACTIONS: "true", RUNNER_TEMP: home.dir },
    ]
  ) {
    const run = await runAuth([
      "login",
      "-u",
      stack.username,
      "--format",
      "github",
    ], {
      ...userEnv(home, stack),
      ...runnerEnv,
      COGNITO_PASSWORD: stack.password,
    });
    assert.equal(run.code, ExitCode.ciRunner, run.stderr);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /GitHub Actions step/);
    assert.ok(!run.stderr.includes(stack.password));
  }
});

Deno.test("actionlint passes on a workflow that uses the local action, and fails on one that gives it an unknown input", async () => {
  const workflow = (extra: string) =>
    `name: uses the action
on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v5
      - id: aws
        uses: ./
        with:
          user-pool-id: \${{ vars.COGNITO_USER_POOL_ID }}
          client-id: \${{ vars.COGNITO_CLIENT_ID }}
          identity-pool-id: \${{ vars.COGNITO_IDENTITY_POOL_ID }}
          username: ci-bot
          password: \${{ secrets.COGNITO_PASSWORD }}
          export-to: profile
${extra}
      - run: aws s3 ls
        env:
          EXPIRES: \${{ steps.aws.outputs.expiration }}
          PROFILE: \${{ steps.aws.outputs.profile }}
`;
  // actionlint reads a local action only inside a project: a repository
  // with this action.yml at its root and the workflow in .github/workflows.
  await using project = await tempProject();
  const lint = async (text: string) => {
    const file = `${project.dir}/.github/workflows/uses-action.yml`;
    await Deno.writeTextFile(file, text);
    return await runCommand(ACTIONLINT, ["-no-color", file], {
      cwd: project.dir,
    });
  };
  const good = await lint(workflow(""));
  assert.equal(good.code, 0, good.stdout + good.stderr);
  const bad = await lint(workflow("          no-such-input: x"));
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout, /no-such-input/);
});

Deno.test("the README's GitHub Action example passes actionlint against this action.yml", async () => {
  const readme = await Deno.readTextFile(`${REPO_ROOT}/README.md`);
  const section =
    readme.split(/^### The GitHub Action$/m)[1]?.split(/^##+ /m)[0] ?? "";
  const job = section.match(/```yaml\n([\s\S]*?)```/)?.[1];
  assert.ok(job, "no yaml block in the README's GitHub Action section");
  const uses = job.match(/uses: (\S+\/\S+@v\d+\.\d+\.\d+)\n/)?.[1];
  assert.ok(uses, "the example does not use the action at a release tag");
  await using project = await tempProject();
  const file = `${project.dir}/.github/workflows/readme.yml`;
  await Deno.writeTextFile(
    file,
    `name: example\non: push\n${job.replace(`uses: ${uses}`, "uses: ./")}`,
  );
  const lint = await runCommand(ACTIONLINT, ["-no-color", file], {
    cwd: project.dir,
  });
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  assert.match(job, /password: \$\{\{ secrets\.COGNITO_PASSWORD \}\}/);
});
