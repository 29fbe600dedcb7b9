/**
 * `deno task demo`: the whole tool at work with no AWS account. It starts
 * moto (a local stand-in for AWS, the same one the tests use), creates a User
 * Pool, an app client, a user, an Identity Pool and a role in it, then runs
 * the real `aws-cognito-auth configure`, `status` and `login` in a temporary
 * HOME, and lets the real AWS CLI call `sts get-caller-identity` with the
 * profile `login` wrote. Nothing outside that temporary HOME is touched, and
 * moto is stopped and the folder removed at the end, on failure and on
 * Ctrl-C.
 *
 * @module
 */
import { colorEnabled, palette } from "../cli/terminal.ts";
import { createCognitoStack } from "../tests/support/fixtures.ts";
import { makeTempHome, runAuth, type TempHome } from "../tests/support/cli.ts";
import { type MotoServer, startMoto } from "../tests/support/moto.ts";
import {
  awsCli,
  ensurePythonTools,
  type RunResult,
} from "../tests/support/tools.ts";

const paint = palette(colorEnabled(Deno.stdout));
const STEPS = 7;
let step = 0;

function heading(text: string): void {
  step++;
  console.log(`\n${paint.bold(`[${step}/${STEPS}] ${text}`)}`);
}

function say(text: string): void {
  console.log(`      ${text}`);
}

function showCommand(command: string): void {
  console.log(`      ${paint.dim("$")} ${command}`);
}

function showOutput(run: RunResult): void {
  for (const text of [run.stdout, run.stderr]) {
    for (const line of text.trimEnd().split("\n")) {
      if (line) console.log(`      ${paint.dim("|")} ${line}`);
    }
  }
}

function check(run: RunResult, what: string): void {
  if (run.code !== 0) throw new Error(`${what} failed with exit ${run.code}`);
}

let moto: MotoServer | undefined;
let home: TempHome | undefined;
let cleaning: Promise<void> | undefined;

/** Stops moto and removes the temporary HOME; safe to call twice. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    console.log(`\n${paint.bold("Cleaning up")}`);
    if (moto) {
      await moto.stop();
      say(`stopped moto at ${moto.endpoint}`);
    }
    if (home) {
      await home.cleanup().catch(() => {});
      say(`removed ${home.dir}`);
    }
  })();
  return cleaning;
}

async function demo(): Promise<void> {
  const started = Date.now();
  heading("Installing moto and the AWS CLI into .cache/venv (first run only)");
  await ensurePythonTools();
  say("ready");

  heading("Starting moto, a local stand-in for AWS");
  moto = await startMoto();
  say(`moto is running at ${moto.endpoint}`);

  heading("Creating a User Pool, a user, an Identity Pool and a role in moto");
  const stack = await createCognitoStack(moto);
  say(`User Pool:     ${stack.userPoolId}`);
  say(`app client:    ${stack.clientId}`);
  say(`user:          ${stack.username} (its password stays in this process)`);
  say(`Identity Pool: ${stack.identityPoolId}`);
  say(`role:          ${stack.roleArn}`);

  home = await makeTempHome();
  say(`temporary HOME for the tool: ${home.dir}`);
  // The tool and the AWS CLI see only this: the temporary HOME, moto's
  // endpoint and region, and no AWS credentials at all.
  const env = { ...home.env, ...moto.env };

  heading("aws-cognito-auth configure: save the pool ids");
  showCommand(
    `aws-cognito-auth configure --user-pool-id ${stack.userPoolId} ` +
      `--client-id ${stack.clientId} --identity-pool-id ${stack.identityPoolId}`,
  );
  const configure = await runAuth([
    "configure",
    "--user-pool-id",
    stack.userPoolId,
    "--client-id",
    stack.clientId,
    "--identity-pool-id",
    stack.identityPoolId,
  ], env);
  showOutput(configure);
  check(configure, "configure");

  heading("aws-cognito-auth status: where each setting comes from");
  showCommand("aws-cognito-auth status");
  const status = await runAuth(["status"], env);
  showOutput(status);
  check(status, "status");

  heading("aws-cognito-auth login: sign in and write the default profile");
  say("(no proxy Lambda runs in this demo, so it keeps the 1-hour");
  say("Identity Pool credentials: --no-lambda-proxy)");
  showCommand(
    `printf '%s\\n' "$PASSWORD" | aws-cognito-auth login -u ${stack.username} ` +
      "--password-stdin --no-lambda-proxy",
  );
  const login = await runAuth(
    [
      "login",
      "-u",
      stack.username,
      "--password-stdin",
      "--no-lambda-proxy",
    ],
    env,
    `${stack.password}\n`,
  );
  showOutput(login);
  check(login, "login");
  say("(moto's Identity Pool credentials last 90 s; real ones last an hour)");

  heading("The AWS CLI uses the profile login wrote");
  showCommand("aws configure list");
  const list = await awsCli(["configure", "list"], env);
  showOutput(list);
  check(list, "aws configure list");
  showCommand("aws sts get-caller-identity --output json");
  const who = await awsCli(
    ["sts", "get-caller-identity", "--output", "json"],
    env,
  );
  showOutput(who);
  check(who, "aws sts get-caller-identity");
  say("(moto answers every signed call with its fixed test identity; on AWS");
  say("this shows the Identity Pool role's assumed-role ARN)");

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `\n${paint.green("Demo complete")} in ${seconds} s: a Cognito user name ` +
      "and password became AWS credentials the AWS CLI used.",
  );
}

if (import.meta.main) {
  const interrupted = (signal: Deno.Signal, code: number) => async () => {
    console.log(`\nInterrupted (${signal}).`);
    await cleanup();
    Deno.exit(code);
  };
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    try {
      Deno.addSignalListener(signal, interrupted(signal, code));
    } catch { /* this signal does not exist on this platform */ }
  }
  let failed = false;
  try {
    await demo();
  } catch (error) {
    failed = true;
    console.error(
      `\n${palette(colorEnabled(Deno.stderr)).red("Demo failed:")} ${
        error instanceof Error ? error.message : error
      }`,
    );
    if (step <= 2) {
      console.error(
        "The demo needs Python 3 with venv (for moto and the AWS CLI) and " +
          "access to PyPI on its first run.",
      );
    }
  } finally {
    await cleanup();
  }
  Deno.exit(failed ? 1 : 0);
}
