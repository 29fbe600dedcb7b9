/**
 * AWS error messages that quote the request: moto answers a wrong
 * SECRET_HASH with the hash as the message, an unknown refresh token or
 * session with the token or session id, and AWS's own validation errors
 * quote the value that failed (`Value '...' at 'authParameters' ...`). None
 * of what we sent may reach stderr through such a message: not in the
 * `Error:` line, and not in the causes `--debug` prints.
 *
 * A relay stands in for Cognito and answers every call itself, quoting the
 * secrets it received, so no AWS stand-in is needed.
 */
import assert from "node:assert/strict";
import { writeSession } from "../lib/session_cache.ts";
import { secretHash } from "../lib/user_pool.ts";
import { makeTempHome, runAuth } from "./support/cli.ts";
import { awsRefusal, type RelayExchange, startRelay } from "./support/relay.ts";
import { sampleSession } from "./support/sessions.ts";
import { removeAtUnload } from "./support/tools.ts";

const relay = startRelay("http://127.0.0.1:9");
const home = await makeTempHome();
globalThis.addEventListener("unload", () => void relay.stop());
removeAtUnload(home.dir);

const password = `Pw-${crypto.randomUUID()}`;
const clientSecret = `client-secret-${crypto.randomUUID()}`;
const clientId = "echoclient123";
const username = "alice";
const hash = await secretHash(clientSecret, username, clientId);

const env = {
  ...home.env,
  AWS_ENDPOINT_URL: relay.endpoint,
  AWS_MAX_ATTEMPTS: "1",
  COGNITO_USER_POOL_ID: "us-east-1_Echo12345",
  COGNITO_CLIENT_ID: clientId,
  COGNITO_IDENTITY_POOL_ID: "us-east-1:00000000-1111-2222-3333-444444444444",
  COGNITO_PASSWORD: password,
  COGNITO_CLIENT_SECRET: clientSecret,
};

/** Every value of the request's AuthParameters / ChallengeResponses. */
function sentValues(exchange: RelayExchange): string[] {
  const body = JSON.parse(exchange.requestBody);
  const values = Object.entries({
    ...body.AuthParameters,
    ...body.ChallengeResponses,
  }).filter(([key]) => key !== "USERNAME").map(([, value]) => String(value));
  if (body.Session) values.push(body.Session);
  return values;
}

function assertClean(stderr: string, secrets: string[], what: string) {
  for (const secret of secrets) {
    assert.ok(
      !stderr.includes(secret),
      `${what}: stderr holds a secret (${secret.slice(0, 6)}...):\n${stderr}`,
    );
  }
}

Deno.test("a Cognito error that quotes the password and SECRET_HASH puts neither on stderr, with or without --debug", async () => {
  relay.setPolicy((exchange) =>
    awsRefusal(
      "InvalidParameterException",
      `1 validation error detected: Value '${
        sentValues(exchange).join("', '")
      }' at 'authParameters' failed to satisfy constraint`,
    )
  );
  for (const debug of [[], ["--debug"]]) {
    const run = await runAuth([...debug, "login", "-u", username], env);
    assert.notEqual(run.code, 0, run.stderr);
    assert.match(run.stderr, /Error:/);
    assertClean(run.stderr, [password, clientSecret, hash], `${debug}`);
  }
});

Deno.test("--debug does not print a SECRET_HASH that Cognito quotes as the message of NotAuthorizedException (as moto does), while it names the cause", async () => {
  relay.setPolicy((exchange) =>
    awsRefusal(
      "NotAuthorizedException",
      JSON.parse(exchange.requestBody).AuthParameters.SECRET_HASH,
    )
  );
  const run = await runAuth(["--debug", "login", "-u", username], env);
  assert.equal(run.code, 4, run.stderr);
  // The cause is still named, as a service's answer: name and HTTP status.
  assert.match(run.stderr, /^ {2}caused by NotAuthorizedException \(HTTP 400/m);
  assertClean(run.stderr, [password, clientSecret, hash], "--debug");
});

Deno.test("an SRP answer refused with a message that quotes the session, the signature and the SECRET_HASH puts none of them on stderr", async () => {
  const session = `session-${crypto.randomUUID()}`;
  const sent: string[] = [session];
  relay.setPolicy((exchange) => {
    if (exchange.action === "InitiateAuth") {
      return {
        kind: "respond",
        status: 200,
        body: {
          ChallengeName: "PASSWORD_VERIFIER",
          Session: session,
          ChallengeParameters: {
            SALT: "5a17",
            SRP_B: "c0ffee",
            SECRET_BLOCK: btoa("block"),
            USER_ID_FOR_SRP: username,
            USERNAME: username,
          },
        },
      };
    }
    sent.push(...sentValues(exchange));
    return awsRefusal(
      "SomeNewException",
      `Cannot use ${sentValues(exchange).join(" / ")}`,
    );
  });
  for (const debug of [[], ["--debug"]]) {
    const run = await runAuth(
      [...debug, "login", "-u", username, "--auth-flow", "srp"],
      env,
    );
    assert.notEqual(run.code, 0, run.stderr);
    assert.match(run.stderr, /SomeNewException/);
    assertClean(run.stderr, [password, clientSecret, ...sent], `${debug}`);
  }
});

Deno.test("credential-process --debug does not print a refresh token that Cognito quotes in its error (as moto does for one it does not know)", async () => {
  const session = sampleSession("echo", new Date(Date.now() - 60_000));
  session.refreshToken = `refresh-${crypto.randomUUID()}`;
  await writeSession(home.env, session);
  for (const type of ["ResourceNotFoundException", "SomeNewException"]) {
    relay.setPolicy(() => awsRefusal(type, session.refreshToken!));
    for (const debug of [[], ["--debug"]]) {
      const run = await runAuth(
        [...debug, "credential-process", "--profile", "echo"],
        {
          ...home.env,
          AWS_ENDPOINT_URL: relay.endpoint,
          AWS_MAX_ATTEMPTS: "1",
        },
      );
      assert.notEqual(run.code, 0, run.stderr);
      assert.equal(run.stdout, "");
      assertClean(run.stderr, [session.refreshToken], `${type} ${debug}`);
    }
  }
});
