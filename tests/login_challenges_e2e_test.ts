/**
 * The challenges of a first sign-in through the `login` command line,
 * against moto behind a recording relay:
 *
 * - NEW_PASSWORD_REQUIRED with `requiredAttributes`. No moto release sends
 *   them (1.3.16, 2.3.2, 3.1.19, 4.0.0, 4.2.14, 5.0.0, 5.1.0 and 5.2.5 were
 *   checked: `requiredAttributes` appears nowhere in moto/cognitoidp), so
 *   the relay adds them to moto's challenge and refuses an answer without
 *   them as Cognito does (`requireAttributes` in tests/support/relay.ts);
 *   each test name says so. Given with `--attribute`, or typed on a
 *   terminal (a real pseudo-terminal made by util-linux `script`).
 * - A challenge only the hosted pages answer (moto's own MFA_SETUP), with
 *   and without a Managed Login domain in the settings.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../lib/errors.ts";
import {
  loginArgs,
  makeTempHome,
  runAuth,
  spawnAuthOnTerminal,
  type TempHome,
} from "./support/cli.ts";
import { type CognitoStack, createCognitoStack } from "./support/fixtures.ts";
import {
  type CognitoRequest,
  cognitoRequests,
  forwardAll,
  requireAttributes,
  startRelayedMoto,
} from "./support/relay.ts";

const { moto, relay, passwordEnv } = await startRelayedMoto();

/** The NEW_PASSWORD_REQUIRED answers among `requests`. */
function newPasswordAnswers(
  requests: CognitoRequest[],
): Record<string, string>[] {
  return requests
    .filter((r) =>
      r.action === "RespondToAuthChallenge" &&
      r.body.ChallengeName === "NEW_PASSWORD_REQUIRED"
    )
    .map((r) => r.body.ChallengeResponses as Record<string, string>);
}

/**
 * A `login` (no terminal) that answers NEW_PASSWORD_REQUIRED with
 * `newPassword` and `--attribute` each of `attributes`, with the Cognito
 * requests it sent.
 */
function loginWithAttributes(
  home: TempHome,
  stack: CognitoStack,
  newPassword: string,
  attributes: string[],
) {
  return cognitoRequests(relay, () =>
    runAuth(
      loginArgs(
        stack,
        "--no-lambda-proxy",
        ...attributes.flatMap((a) => ["--attribute", a]),
      ),
      {
        ...passwordEnv(home, stack),
        COGNITO_NEW_PASSWORD: newPassword,
      },
    ));
}

Deno.test("login --attribute NAME=VALUE answers requiredAttributes (added and enforced by a relay in front of moto) with no terminal, and writes the credentials", async () => {
  const stack = await createCognitoStack(moto, { temporaryPassword: true });
  await using home = await makeTempHome();
  relay.setPolicy(requireAttributes(["name", "locale"]));
  try {
    const newPassword = `New-${crypto.randomUUID()}!e5`;
    const [run, requests] = await loginWithAttributes(
      home,
      stack,
      newPassword,
      [
        "name=Ada Lovelace",
        "userAttributes.locale=en-GB",
      ],
    );
    assert.equal(run.code, 0, run.stderr);
    const [answer] = newPasswordAnswers(requests);
    assert.equal(answer["userAttributes.name"], "Ada Lovelace");
    assert.equal(answer["userAttributes.locale"], "en-GB");
    assert.ok(!requests.some((r) => r.action.startsWith("Admin")));
    assert.match(
      await Deno.readTextFile(home.credentialsFile),
      /aws_session_token/,
    );
    assert.ok(!(run.stdout + run.stderr).includes(newPassword));
  } finally {
    relay.setPolicy(forwardAll);
  }
});

Deno.test("login without the attributes requiredAttributes names (relay in front of moto) and no terminal: exit 30, one message listing every missing one by label, no new password sent", async () => {
  const stack = await createCognitoStack(moto, { temporaryPassword: true });
  await using home = await makeTempHome();
  relay.setPolicy(requireAttributes(["name", "family_name", "custom:team"]));
  try {
    const [run, requests] = await loginWithAttributes(
      home,
      stack,
      "Never-sent-1!",
      ["family_name=Lovelace"],
    );
    assert.equal(run.code, ExitCode.attributesRequired, run.stderr);
    assert.equal(run.code, 30);
    assert.match(
      run.stderr,
      /Full name \(name\), Team \(custom:team\) \(custom:team\)\./,
    );
    assert.doesNotMatch(run.stderr, /family_name/);
    assert.match(run.stderr, /--attribute name=\.\.\. --attribute custom:team/);
    assert.equal(run.stderr.trim().split("\n").length, 2, run.stderr);
    assert.deepEqual(newPasswordAnswers(requests), []);
    await assert.rejects(Deno.stat(home.credentialsFile), Deno.errors.NotFound);
  } finally {
    relay.setPolicy(forwardAll);
  }
});

Deno.test("login --attribute without NAME=VALUE is a usage error (exit 2) before any request", async () => {
  await using home = await makeTempHome();
  for (const bad of ["name", "=x", "name=", "two words=x"]) {
    const run = await runAuth(
      ["login", "-u", "x", "--attribute", bad],
      home.env,
    );
    assert.equal(run.code, ExitCode.usage, `${bad}: ${run.stderr}`);
    assert.match(run.stderr, /NAME=VALUE/);
  }
});

/**
 * Runs `auth.ts` on a new pseudo-terminal (util-linux `script`), answering
 * each prompt that matches a key of `answers` once it shows, and returns
 * everything the terminal showed and the exit code.
 */
async function onTerminal(
  args: string[],
  env: Record<string, string>,
  answers: [RegExp, string][],
): Promise<{ code: number; screen: string }> {
  const child = spawnAuthOnTerminal(args, env);
  const writer = child.stdin.getWriter();
  const stderr = new Response(child.stderr).text();
  const decoder = new TextDecoder();
  let screen = "";
  let pending = [...answers];
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000);
  for await (const chunk of child.stdout) {
    screen += decoder.decode(chunk, { stream: true });
    const [next] = pending;
    if (next && next[0].test(screen)) {
      pending = pending.slice(1);
      await writer.write(new TextEncoder().encode(`${next[1]}\r`));
    }
  }
  clearTimeout(killer);
  await writer.close().catch(() => {});
  const { code } = await child.status;
  screen += await stderr;
  return { code, screen };
}

Deno.test({
  name:
    "login on a terminal asks for each attribute requiredAttributes names (added and enforced by a relay in front of moto) by its readable label, and signs in",
  ignore: Deno.build.os !== "linux",
  async fn() {
    const stack = await createCognitoStack(moto, { temporaryPassword: true });
    await using home = await makeTempHome();
    relay.setPolicy(requireAttributes(["name", "birthdate"]));
    try {
      const [run, requests] = await cognitoRequests(relay, () =>
        onTerminal(
          loginArgs(stack, "--no-lambda-proxy"),
          {
            ...passwordEnv(home, stack),
            COGNITO_NEW_PASSWORD: `New-${crypto.randomUUID()}!f6`,
          },
          [
            [/Full name/, "Grace Hopper"],
            [/Date of birth \(YYYY-MM-DD\)/, "1906-12-09"],
          ],
        ));
      assert.equal(run.code, 0, run.screen);
      assert.match(run.screen, /Cognito needs more about you/);
      const [answer] = newPasswordAnswers(requests);
      assert.equal(answer["userAttributes.name"], "Grace Hopper");
      assert.equal(answer["userAttributes.birthdate"], "1906-12-09");
    } finally {
      relay.setPolicy(forwardAll);
    }
  },
});

Deno.test("a challenge only the hosted pages answer (moto's MFA_SETUP) is exit 12 saying so, and points at login --browser only when a Managed Login domain is set", async () => {
  const stack = await createCognitoStack(moto, {
    srpAuth: true,
    emailUsername: true,
    poolMfa: "ON",
  });
  await using home = await makeTempHome();
  const args = loginArgs(stack, "--auth-flow", "srp", "--no-lambda-proxy");
  const env = passwordEnv(home, stack);

  const plain = await runAuth(args, env);
  assert.equal(plain.code, ExitCode.challenge, plain.stderr);
  assert.match(plain.stderr, /MFA_SETUP/);
  assert.match(plain.stderr, /only Cognito's hosted sign-in pages can/);
  assert.doesNotMatch(plain.stderr, /--browser/);

  const domain = "https://example-pool.auth.us-east-1.amazoncognito.com";
  const pointed = await runAuth(args, {
    ...env,
    COGNITO_MANAGED_LOGIN_DOMAIN: domain,
  });
  assert.equal(pointed.code, ExitCode.challenge, pointed.stderr);
  assert.match(pointed.stderr, /MFA_SETUP/);
  assert.ok(pointed.stderr.includes(domain), pointed.stderr);
  assert.match(pointed.stderr, /`aws-cognito-auth login --browser`/);
});
