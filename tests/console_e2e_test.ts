/**
 * `aws-cognito-auth console` through the real entry point, with a loopback
 * server standing in for AWS's federation endpoint (which cannot be reached
 * from here; `COGNITO_FEDERATION_ENDPOINT` points at it), Debian's headless
 * Chromium as `$BROWSER`, and moto for the refresh of a saved sign-in.
 */
import assert from "node:assert/strict";
import { ExitCode } from "../lib/errors.ts";
import { readSession, writeSession } from "../lib/session_cache.ts";
import { makeTempHome, runAuth, type TempHome } from "./support/cli.ts";
import {
  CONSOLE_PAGE_TITLE,
  startFederationStandIn,
  writeHeadlessChromium,
} from "./support/federation.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import {
  forwardAll,
  type IssuedCredentials,
  startRelayedMoto,
  uniqueCredentials,
} from "./support/relay.ts";
import { sampleSession } from "./support/sessions.ts";

const IN_AN_HOUR = () => new Date(Date.now() + 3600_000);
// Started with the file, for the one test that refreshes a sign-in.
const relayedMoto = startRelayedMoto();

async function homeWithSession(profile: string): Promise<TempHome> {
  const home = await makeTempHome();
  await writeSession(home.env, sampleSession(profile, IN_AN_HOUR()));
  return home;
}

/** No secret of the sample session and no sign-in token in `text`. */
function assertNoSecrets(text: string, tokens: string[]): void {
  const { credentials } = sampleSession("x", new Date());
  for (
    const secret of [credentials.secretAccessKey, credentials.sessionToken]
  ) {
    assert.ok(!text.includes(secret), "a secret key or token was printed");
  }
  for (const token of tokens) {
    assert.ok(!text.includes(token), "the sign-in token was printed");
  }
}

Deno.test("console --print (stand-in for AWS's federation endpoint): the Session is exactly the profile's keys, the link leads to the console page, and stderr says the link is a secret", async () => {
  await using federation = startFederationStandIn();
  await using home = await homeWithSession("dev");
  federation.expect(() => sampleSession("dev", new Date()).credentials);
  const run = await runAuth(
    ["console", "--profile", "dev", "--print", "--destination", "s3"],
    { ...home.env, COGNITO_FEDERATION_ENDPOINT: federation.endpoint },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(federation.tokenRequests, [
    { sessionDuration: null, accepted: true },
  ]);
  const link = new URL(run.stdout.trim());
  assert.equal(link.origin + link.pathname, federation.endpoint);
  assert.equal(link.searchParams.get("Action"), "login");
  assert.equal(
    link.searchParams.get("SigninToken"),
    federation.issuedTokens[0],
  );
  assert.equal(
    link.searchParams.get("Destination"),
    "https://console.aws.amazon.com/s3/home?region=us-east-1",
  );
  assert.match(run.stderr, /treat it as a password/);
  assert.match(run.stderr, /15 minutes/);
  assertNoSecrets(run.stderr, federation.issuedTokens);
  assertNoSecrets(run.stdout, []);

  const page = await fetch(link);
  assert.equal(page.status, 200);
  assert.match(await page.text(), new RegExp(CONSOLE_PAGE_TITLE));
});

Deno.test("console opens the link with $BROWSER set to headless Chromium, which follows it to the page of the stand-in for AWS's federation endpoint; the link is never printed", async () => {
  await using federation = startFederationStandIn();
  await using home = await homeWithSession("default");
  federation.expect(() => sampleSession("default", new Date()).credentials);
  const browser = await writeHeadlessChromium(home.dir);
  const run = await runAuth(
    ["console", "--destination", "ec2", "--duration", "2"],
    {
      ...home.env,
      COGNITO_FEDERATION_ENDPOINT: federation.endpoint,
      BROWSER: browser,
    },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "", "nothing on stdout without --print");
  assert.match(run.stderr, /Opened the AWS console \(us-east-1\)/);
  assert.match(run.stderr, /lasts for 2 h/);
  assert.deepEqual(federation.tokenRequests, [
    { sessionDuration: "7200", accepted: true },
  ]);
  const visit = await federation.waitForVisit(60_000);
  assert.ok(visit, "Chromium never reached the sign-in link");
  assert.equal(visit.accepted, true);
  assert.match(visit.userAgent, /HeadlessChrome|Chrome/);
  assert.equal(visit.issuer, "aws-cognito-auth");
  assert.equal(
    visit.destination,
    "https://console.aws.amazon.com/ec2/home?region=us-east-1",
  );
  assert.ok(!run.stderr.includes(federation.endpoint + "?"));
  assertNoSecrets(run.stderr, federation.issuedTokens);
});

Deno.test("console with no usable browser fails with exit 66, names the $BROWSER command tried, and does not print the link", async () => {
  await using federation = startFederationStandIn();
  await using home = await homeWithSession("default");
  federation.expect(() => sampleSession("default", new Date()).credentials);
  const run = await runAuth(["console"], {
    ...home.env,
    COGNITO_FEDERATION_ENDPOINT: federation.endpoint,
    BROWSER: `${home.dir}/no-such-browser`,
  });
  assert.equal(run.code, ExitCode.browserOpenFailed, run.stderr);
  assert.match(
    run.stderr,
    /No browser could be opened \(tried \S*no-such-browser\)/,
  );
  assert.match(run.stderr, /--print/);
  assert.equal(run.stdout, "");
  assertNoSecrets(run.stderr, federation.issuedTokens);
});

Deno.test("console refuses long-term keys in the credentials file with exit 55, before any request to the stand-in for AWS's federation endpoint", async () => {
  await using federation = startFederationStandIn();
  await using home = await makeTempHome();
  await Deno.mkdir(`${home.dir}/.aws`);
  await Deno.writeTextFile(
    home.credentialsFile,
    "[old]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n" +
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
  );
  const run = await runAuth(
    ["console", "--profile", "old", "--region", "eu-west-1", "--print"],
    { ...home.env, COGNITO_FEDERATION_ENDPOINT: federation.endpoint },
  );
  assert.equal(run.code, ExitCode.consoleSignIn, run.stderr);
  assert.match(run.stderr, /long-term keys/);
  assert.equal(federation.tokenRequests.length, 0);
  assert.ok(!run.stderr.includes("wJalrXUtnFEMI"));
  assert.equal(run.stdout, "");
});

Deno.test("console: a Session the stand-in for AWS's federation endpoint refuses is exit 55 with no secret printed; a bad --duration or --destination is exit 2 before any request", async () => {
  await using federation = startFederationStandIn();
  await using home = await homeWithSession("default");
  federation.expect(() => ({
    ...sampleSession("default", new Date()).credentials,
    sessionToken: "some other token",
  }));
  const env = {
    ...home.env,
    COGNITO_FEDERATION_ENDPOINT: federation.endpoint,
  };
  const refused = await runAuth(["console", "--print"], env);
  assert.equal(refused.code, ExitCode.consoleSignIn, refused.stderr);
  assert.match(refused.stderr, /refused the credentials of profile default/);
  assert.equal(refused.stdout, "");
  assertNoSecrets(refused.stderr, []);

  for (
    const args of [
      ["--duration", "10m"],
      ["--duration", "13"],
      ["--destination", "https://evil.example/console"],
      ["--destination", "http://console.aws.amazon.com/s3"],
    ]
  ) {
    const run = await runAuth(["console", "--print", ...args], env);
    assert.equal(run.code, ExitCode.usage, `${args}: ${run.stderr}`);
  }
  assert.equal(federation.tokenRequests.length, 1);
});

Deno.test("console --debug: a federation endpoint that cannot be reached (a closed loopback port) is exit 9, and the causes printed do not quote the request address, which holds the secret key and session token", async () => {
  await using home = await homeWithSession("default");
  // A port that was free a moment ago: nothing answers there.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const run = await runAuth(["console", "--print", "--debug"], {
    ...home.env,
    COGNITO_FEDERATION_ENDPOINT: `http://127.0.0.1:${port}/federation`,
  });
  assert.equal(run.code, ExitCode.network, run.stderr);
  assert.match(run.stderr, /Could not reach AWS's federation endpoint/);
  assert.equal(run.stdout, "");
  assert.ok(
    !run.stderr.includes("Session="),
    "the request address was printed",
  );
  assertNoSecrets(run.stderr, []);
});

Deno.test("console refreshes a saved sign-in that is close to expiry through moto and signs in with the new keys (stand-in for AWS's federation endpoint)", async () => {
  const { moto, relay, userEnv } = await relayedMoto;
  await using federation = startFederationStandIn();
  const stack = await createCognitoStack(moto);
  await using home = await makeTempHome();
  const env = userEnv(home, stack);
  // moto hands every caller the same keys: the relay makes each set its own,
  // so the keys of the refresh can be told from the login's.
  const issued: IssuedCredentials[] = [];
  relay.setPolicy(uniqueCredentials((keys) => issued.push(keys)));
  try {
    const login = await runAuth(
      ["login", "-u", stack.username, "--no-lambda-proxy", "--format", "json"],
      { ...env, COGNITO_PASSWORD: stack.password },
    );
    assert.equal(login.code, 0, login.stderr);
    assert.equal(issued.length, 1);
    // moto's Identity Pool credentials last 90 s: inside the refresh window.
    federation.expect(() => {
      const refreshed = issued.at(-1)!;
      return {
        accessKeyId: refreshed.AccessKeyId,
        secretAccessKey: refreshed.SecretKey,
        sessionToken: refreshed.SessionToken,
        expiration: new Date(), // not compared
      };
    });
    const before = relay.exchanges.length;
    const run = await runAuth(["console", "--print"], {
      ...env,
      COGNITO_FEDERATION_ENDPOINT: federation.endpoint,
    });
    assert.equal(run.code, 0, run.stderr);
    const actions = relay.exchanges.slice(before).map((e) => e.action);
    assert.ok(actions.includes("InitiateAuth"), `no refresh: ${actions}`);
    assert.equal(issued.length, 2, "one GetCredentialsForIdentity refresh");
    assert.deepEqual(federation.tokenRequests, [
      { sessionDuration: null, accepted: true },
    ]);
    assert.equal(
      (await readSession(home.env, "default"))!.credentials.accessKeyId,
      issued[1].AccessKeyId,
    );
    assert.match(run.stderr, /Refreshing the sign-in/);
    assert.ok(!run.stderr.includes(stack.password));
  } finally {
    relay.setPolicy(forwardAll);
  }
});
