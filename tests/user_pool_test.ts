/**
 * `lib/user_pool.ts` against moto: SRP, SECRET_HASH, refresh, MFA and
 * challenges. Each sign-in runs in a child process whose environment points
 * the AWS SDK at a recording relay in front of moto (tests share one
 * process, so they never touch `Deno.env`); the relay shows what really went
 * over the wire, which matters because moto accepts any SRP proof.
 *
 * What this moto (5.2) checks, read from moto/cognitoidp/models.py:
 * - SECRET_HASH on USER_SRP_AUTH, REFRESH_TOKEN_AUTH and the MFA answers, not
 *   on USER_PASSWORD_AUTH, PASSWORD_VERIFIER or NEW_PASSWORD_REQUIRED.
 * - TOTP codes only with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true (one
 *   fixed secret for every user, current 30-second step only); SMS codes
 *   never.
 * - Not the SRP proof, nor the password on the SRP path. It answers
 *   USER_ID_FOR_SRP with the user's sub but looks users up by user name, so
 *   SRP works in moto only for pools that sign in by e-mail (user name = sub).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import {
  CognitoIdentityProviderClient,
  GlobalSignOutCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { REGION, startMoto } from "./support/moto.ts";
import {
  type CognitoStack,
  createCognitoStack,
  totpCode,
} from "./support/fixtures.ts";
import {
  type Relay,
  type RelayPolicy,
  replaceChallenge,
  requireAttributes,
  selectMfaType,
  startRelay,
} from "./support/relay.ts";
import { DENO_DIR } from "./support/cli.ts";
import { runCommand } from "./support/tools.ts";
import { ExitCode } from "../lib/errors.ts";
import {
  secretHash,
  signInWithPassword,
  usernameFromIdToken,
  type UserPoolTokens,
} from "../lib/user_pool.ts";

const moto = await startMoto({
  env: { MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP: "true" },
});
globalThis.addEventListener("unload", () => void moto.stop());

const CONFIG = fileURLToPath(new URL("../deno.json", import.meta.url));
const USER_POOL_TS = new URL("../lib/user_pool.ts", import.meta.url).href;
const FIXTURES_TS = new URL("./support/fixtures.ts", import.meta.url).href;

/**
 * The child: reads `{ call, options, newPassword?, mfa? }` on stdin, calls
 * the library, prints `{ tokens }` or `{ error }` and which callbacks ran.
 */
const CHILD_SCRIPT = `
import { refreshSession, signInWithPassword } from ${
  JSON.stringify(USER_POOL_TS)
};
const input = JSON.parse(await new Response(Deno.stdin.readable).text());
const asked = [];
const options = { ...input.options };
if (input.newPassword !== undefined) {
  options.newPassword = () => {
    asked.push("newPassword");
    return Promise.resolve(input.newPassword);
  };
}
if (input.attributes !== undefined) {
  options.userAttributes = (names) => {
    asked.push("attributes:" + names.join(","));
    return Promise.resolve(input.attributes);
  };
}
if (input.mfa) {
  options.mfaCode = async (kind) => {
    asked.push("mfa:" + kind);
    if (input.mfa.code !== undefined) return input.mfa.code;
    const { freshTotpCode } = await import(${JSON.stringify(FIXTURES_TS)});
    return await freshTotpCode(input.mfa.totpSecret);
  };
}
if (input.now) options.now = () => new Date(input.now);
try {
  const tokens = input.call === "refresh"
    ? await refreshSession(options)
    : await signInWithPassword(options);
  console.log(JSON.stringify({ tokens, asked }));
} catch (error) {
  const { name, exitCode, message } = error;
  console.log(JSON.stringify({ error: { name, exitCode, message }, asked }));
}
`;
const childDir = await Deno.makeTempDir({ prefix: "user-pool-test-" });
const CHILD = `${childDir}/child.ts`;
await Deno.writeTextFile(CHILD, CHILD_SCRIPT);
globalThis.addEventListener("unload", () => {
  Deno.removeSync(childDir, { recursive: true });
});

/** One request a sign-in sent to Cognito. */
interface Sent {
  /** The operation, e.g. `InitiateAuth`. */
  action: string;
  /** The JSON body as sent. */
  body: Record<string, unknown>;
  /** The raw body, to search for secrets. */
  raw: string;
}

/** The requests that went through `relay` so far. */
function sent(relay: Relay): Sent[] {
  return relay.exchanges.map((e) => ({
    action: e.action,
    body: e.requestBody ? JSON.parse(e.requestBody) : {},
    raw: e.requestBody,
  }));
}

/** What the child reports. */
interface ChildResult {
  tokens?: UserPoolTokens;
  error?: { name: string; exitCode: number; message: string };
  asked: string[];
}

interface ChildInput {
  call: "signIn" | "refresh";
  options: Record<string, unknown>;
  newPassword?: string;
  mfa?: { totpSecret?: string; code?: string };
  /** What `userAttributes` returns, whatever it is asked for. */
  attributes?: Record<string, string>;
  now?: string;
}

/** Runs one library call in a child that reaches moto through `relay`. */
async function inChild(
  relay: Relay,
  input: ChildInput,
): Promise<ChildResult> {
  const run = await runCommand(
    Deno.execPath(),
    ["run", "-A", "--quiet", "--config", CONFIG, CHILD],
    {
      env: {
        ...moto.env,
        AWS_ENDPOINT_URL: relay.endpoint,
        DENO_DIR,
        NO_COLOR: "1",
      },
      stdin: JSON.stringify(input),
    },
  );
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/** Sign-in options for a stack, with extra options on top. */
function signInOptions(
  stack: CognitoStack,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    region: REGION,
    clientId: stack.clientId,
    username: stack.username,
    password: stack.password,
    ...extra,
  };
}

/** Starts a relay to moto, runs `body` with it, then stops the relay. */
async function withRelay(
  body: (relay: Relay) => Promise<void>,
  policy?: RelayPolicy,
): Promise<void> {
  await using relay = startRelay(moto.endpoint, policy);
  await body(relay);
}

/** Sign-in options for the SRP flow on the stack's pool, with extras. */
function srpOptions(
  stack: CognitoStack,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return signInOptions(stack, {
    authFlow: "srp",
    userPoolId: stack.userPoolId,
    ...extra,
  });
}

function claims(idToken: string): Record<string, unknown> {
  const part = idToken.split(".")[1].replaceAll("-", "+").replaceAll("_", "/");
  return JSON.parse(atob(part.padEnd(Math.ceil(part.length / 4) * 4, "=")));
}

function requestsFor(relay: Relay, action: string): Sent[] {
  return sent(relay).filter((r) => r.action === action);
}

// --- no network -------------------------------------------------------------

Deno.test("secretHash is Base64(HMAC-SHA256(secret, username + clientId)): cognito-srp-helper's published vector", async () => {
  assert.equal(
    await secretHash(
      "ps50nb7hd1umdnmlt1xa9nwiscqvdvzy5ijw63vcacd09yihc2b",
      "username",
      "EPswPGbpdBLZnh9XW134hK7qYe",
    ),
    "oUkNFqfm7UjLds8vXFWarT1l3gqORGoztf+EyFmoX2Q=",
  );
});

Deno.test("usernameFromIdToken decodes cognito:username from a base64url payload without verifying, and turns junk into a sign-in-again error", () => {
  // "ü?>" makes the base64 of the payload contain both "+" and "/", which
  // base64url writes as "-" and "_".
  const payload = { "cognito:username": "0b6e-sub", note: "ü?>ü?>ü??" };
  const base64url = btoa(
    String.fromCharCode(
      ...new TextEncoder().encode(JSON.stringify(payload)),
    ),
  ).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  assert.match(base64url, /[-_]/);
  assert.equal(usernameFromIdToken(`h.${base64url}.s`), "0b6e-sub");

  for (const junk of ["", "a.b.c", `h.${btoa('{"sub":"x"}')}.s`]) {
    assert.throws(
      () => usernameFromIdToken(junk),
      (error: Error & { exitCode?: number }) => {
        assert.equal(error.name, "SignInError");
        assert.equal(error.exitCode, ExitCode.sessionExpired);
        assert.match(error.message, /sign in again with your password/i);
        return true;
      },
    );
  }
});

Deno.test("the SRP flow without a user pool id is a ConfigError before any request", async () => {
  await assert.rejects(
    signInWithPassword({
      region: REGION,
      clientId: "client",
      username: "alice",
      password: "pw",
      authFlow: "srp",
    }),
    (error: Error & { exitCode?: number }) => {
      assert.equal(error.name, "ConfigError");
      assert.equal(error.exitCode, ExitCode.config);
      assert.match(error.message, /user pool id/);
      return true;
    },
  );
});

// --- against moto -----------------------------------------------------------

Deno.test("existing callers still sign in with USER_PASSWORD_AUTH and no SECRET_HASH", async () => {
  const stack = await createCognitoStack(moto);
  await withRelay(async (relay) => {
    const result = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
    });
    assert.ok(result.tokens?.refreshToken, JSON.stringify(result.error));
    const [initiate] = requestsFor(relay, "InitiateAuth");
    assert.equal(initiate.body.AuthFlow, "USER_PASSWORD_AUTH");
    assert.deepEqual(Object.keys(initiate.body.AuthParameters as object), [
      "USERNAME",
      "PASSWORD",
    ]);
  });
});

Deno.test("SRP sign-in succeeds end to end, answers PASSWORD_VERIFIER as USER_ID_FOR_SRP, and the password never leaves the process", async () => {
  const stack = await createCognitoStack(moto, {
    srpAuth: true,
    emailUsername: true,
  });
  await withRelay(async (relay) => {
    const result = await inChild(relay, {
      call: "signIn",
      options: srpOptions(stack),
      now: "2024-03-05T06:07:08Z",
    });
    assert.ok(result.tokens, JSON.stringify(result.error));
    assert.equal(
      claims(result.tokens.idToken)["cognito:username"],
      stack.internalUsername,
    );

    assert.deepEqual(sent(relay).map((r) => r.action), [
      "InitiateAuth",
      "RespondToAuthChallenge",
    ]);
    const [initiate, verifier] = sent(relay);
    assert.equal(initiate.body.AuthFlow, "USER_SRP_AUTH");
    const auth = initiate.body.AuthParameters as Record<string, string>;
    assert.equal(auth.USERNAME, stack.username);
    assert.match(auth.SRP_A, /^[0-9a-f]{700,768}$/);
    assert.equal(auth.PASSWORD, undefined);

    assert.equal(verifier.body.ChallengeName, "PASSWORD_VERIFIER");
    const answer = verifier.body.ChallengeResponses as Record<string, string>;
    // moto returns the sub as USER_ID_FOR_SRP; the answer must use it, not
    // the e-mail address the user typed.
    assert.equal(answer.USERNAME, stack.internalUsername);
    assert.notEqual(answer.USERNAME, stack.username);
    assert.equal(answer.TIMESTAMP, "Tue Mar 5 06:07:08 UTC 2024");
    assert.match(answer.PASSWORD_CLAIM_SIGNATURE, /^[A-Za-z0-9+/]{43}=$/);
    assert.ok(answer.PASSWORD_CLAIM_SECRET_BLOCK);

    for (const request of sent(relay)) {
      assert.ok(!request.raw.includes(stack.password), "password was sent");
    }
  });
});

Deno.test("SECRET_HASH: SRP with the client's secret signs in (initiate over the typed name, verifier over USER_ID_FOR_SRP); moto rejects a wrong or missing one", async () => {
  const stack = await createCognitoStack(moto, {
    srpAuth: true,
    emailUsername: true,
    clientSecret: true,
  });
  await withRelay(async (relay) => {
    assert.ok(stack.clientSecret);
    const ok = await inChild(relay, {
      call: "signIn",
      options: srpOptions(stack, { clientSecret: stack.clientSecret }),
    });
    assert.ok(ok.tokens, JSON.stringify(ok.error));
    const [initiate, verifier] = sent(relay);
    assert.equal(
      (initiate.body.AuthParameters as Record<string, string>).SECRET_HASH,
      await secretHash(stack.clientSecret, stack.username, stack.clientId),
    );
    assert.equal(
      (verifier.body.ChallengeResponses as Record<string, string>).SECRET_HASH,
      await secretHash(
        stack.clientSecret,
        stack.internalUsername,
        stack.clientId,
      ),
    );
    for (const request of sent(relay)) {
      assert.ok(!request.raw.includes(stack.clientSecret), "secret was sent");
    }

    // The premise of the test: moto really checks the hash.
    const wrong = await inChild(relay, {
      call: "signIn",
      options: srpOptions(stack, { clientSecret: "not-the-secret" }),
    });
    assert.equal(wrong.tokens, undefined);
    assert.equal(wrong.error?.name, "SignInError");
    assert.equal(wrong.error?.exitCode, ExitCode.notAuthorized);
    assert.ok(!wrong.error?.message.includes("not-the-secret"));

    const missing = await inChild(relay, {
      call: "signIn",
      options: srpOptions(stack),
    });
    assert.equal(missing.tokens, undefined);
    assert.equal(missing.error?.exitCode, ExitCode.notAuthorized);
  });
});

Deno.test("refreshSession returns new tokens from the refresh token alone, with SECRET_HASH over cognito:username (the sub), not the e-mail alias", async () => {
  const stack = await createCognitoStack(moto, {
    srpAuth: true,
    emailUsername: true,
    clientSecret: true,
  });
  await withRelay(async (relay) => {
    const first = await inChild(relay, {
      call: "signIn",
      options: srpOptions(stack, { clientSecret: stack.clientSecret }),
    });
    assert.ok(first.tokens?.refreshToken, JSON.stringify(first.error));
    const username = usernameFromIdToken(first.tokens.idToken);
    assert.equal(username, stack.internalUsername);

    relay.exchanges.length = 0;
    const refreshOptions = {
      region: REGION,
      clientId: stack.clientId,
      clientSecret: stack.clientSecret,
      refreshToken: first.tokens.refreshToken,
      username,
    };
    const refreshed = await inChild(relay, {
      call: "refresh",
      options: refreshOptions,
    });
    assert.ok(refreshed.tokens, JSON.stringify(refreshed.error));
    assert.notEqual(refreshed.tokens.idToken, first.tokens.idToken);
    assert.notEqual(refreshed.tokens.accessToken, first.tokens.accessToken);
    assert.equal(refreshed.tokens.refreshToken, undefined);
    assert.equal(
      claims(refreshed.tokens.idToken)["cognito:username"],
      stack.internalUsername,
    );
    const [request] = sent(relay);
    assert.equal(sent(relay).length, 1);
    assert.equal(request.body.AuthFlow, "REFRESH_TOKEN_AUTH");
    assert.deepEqual(
      Object.keys(request.body.AuthParameters as object).sort(),
      ["REFRESH_TOKEN", "SECRET_HASH"],
    );
    assert.ok(!request.raw.includes(stack.password), "password was sent");

    // With the alias the user typed, the hash does not match.
    const alias = await inChild(relay, {
      call: "refresh",
      options: { ...refreshOptions, username: stack.username },
    });
    assert.equal(alias.tokens, undefined);
    assert.equal(alias.error?.name, "SignInError");
  });
});

Deno.test("refreshSession with a revoked refresh token says to sign in again with the password (exit sessionExpired)", async () => {
  const stack = await createCognitoStack(moto);
  const relay = startRelay(moto.endpoint);
  const idp = new CognitoIdentityProviderClient({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  });
  try {
    const first = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
    });
    assert.ok(first.tokens?.refreshToken, JSON.stringify(first.error));
    const refreshOptions = {
      region: REGION,
      clientId: stack.clientId,
      refreshToken: first.tokens.refreshToken,
      username: usernameFromIdToken(first.tokens.idToken),
    };
    const before = await inChild(relay, {
      call: "refresh",
      options: refreshOptions,
    });
    assert.ok(before.tokens, "the token worked before it was revoked");

    await idp.send(
      new GlobalSignOutCommand({ AccessToken: first.tokens.accessToken }),
    );
    const after = await inChild(relay, {
      call: "refresh",
      options: refreshOptions,
    });
    assert.equal(after.tokens, undefined);
    assert.equal(after.error?.name, "SignInError");
    assert.equal(after.error?.exitCode, ExitCode.sessionExpired);
    assert.match(after.error!.message, /sign in again with your password/i);
    assert.ok(!after.error!.message.includes(first.tokens.refreshToken));
  } finally {
    idp.destroy();
    await relay.stop();
  }
});

Deno.test("TOTP MFA (moto's TOTP mode): SOFTWARE_TOKEN_MFA is answered through mfaCode('totp'), and moto refuses a wrong code", async () => {
  const stack = await createCognitoStack(moto, { mfa: "totp" });
  await withRelay(async (relay) => {
    assert.ok(stack.totpSecret);
    const ok = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
      mfa: { totpSecret: stack.totpSecret },
    });
    assert.ok(ok.tokens, JSON.stringify(ok.error));
    assert.deepEqual(ok.asked, ["mfa:totp"]);
    const [answer] = requestsFor(relay, "RespondToAuthChallenge");
    assert.equal(answer.body.ChallengeName, "SOFTWARE_TOKEN_MFA");
    assert.match(
      (answer.body.ChallengeResponses as Record<string, string>)
        .SOFTWARE_TOKEN_MFA_CODE,
      /^\d{6}$/,
    );

    // A code that is certainly not the current one (nor the next one).
    const now = Number(await totpCode(stack.totpSecret));
    const later = Number(
      await totpCode(stack.totpSecret, new Date(Date.now() + 30_000)),
    );
    let wrongCode = (now + 1) % 1_000_000;
    if (wrongCode === later) wrongCode = (now + 2) % 1_000_000;
    const wrong = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
      mfa: { code: String(wrongCode).padStart(6, "0") },
    });
    assert.equal(wrong.tokens, undefined);
    assert.equal(wrong.error?.name, "ChallengeError");
    assert.equal(wrong.error?.exitCode, ExitCode.challenge);
    assert.match(wrong.error!.message, /MFA code/);

    const noCallback = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
    });
    assert.equal(noCallback.error?.name, "ChallengeError");
    assert.match(noCallback.error!.message, /SOFTWARE_TOKEN_MFA/);
    assert.match(noCallback.error!.message, /--mfa-code/);
  });
});

Deno.test("SRP + TOTP + client secret on an e-mail pool: the MFA answer's USERNAME and SECRET_HASH use the user id Cognito returned, and moto accepts them", async () => {
  const stack = await createCognitoStack(moto, {
    srpAuth: true,
    emailUsername: true,
    clientSecret: true,
    mfa: "totp",
  });
  await withRelay(async (relay) => {
    const result = await inChild(relay, {
      call: "signIn",
      options: srpOptions(stack, { clientSecret: stack.clientSecret }),
      mfa: { totpSecret: stack.totpSecret },
    });
    assert.ok(result.tokens, JSON.stringify(result.error));
    const answers = requestsFor(relay, "RespondToAuthChallenge");
    assert.deepEqual(answers.map((r) => r.body.ChallengeName), [
      "PASSWORD_VERIFIER",
      "SOFTWARE_TOKEN_MFA",
    ]);
    const mfa = answers[1].body.ChallengeResponses as Record<string, string>;
    assert.equal(mfa.USERNAME, stack.internalUsername);
    assert.equal(
      mfa.SECRET_HASH,
      await secretHash(
        stack.clientSecret!,
        stack.internalUsername,
        stack.clientId,
      ),
    );
  });
});

Deno.test("SMS_MFA is answered through mfaCode('sms') (moto accepts any SMS code)", async () => {
  const stack = await createCognitoStack(moto, { mfa: "sms" });
  await withRelay(async (relay) => {
    const result = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
      mfa: { code: " 123 456 " },
    });
    assert.ok(result.tokens, JSON.stringify(result.error));
    assert.deepEqual(result.asked, ["mfa:sms"]);
    const [answer] = requestsFor(relay, "RespondToAuthChallenge");
    assert.equal(answer.body.ChallengeName, "SMS_MFA");
    assert.equal(
      (answer.body.ChallengeResponses as Record<string, string>).SMS_MFA_CODE,
      "123456",
    );
  });
});

Deno.test("NEW_PASSWORD_REQUIRED is answered in the SRP flow too, and the new password works afterwards", async () => {
  const stack = await createCognitoStack(moto, {
    srpAuth: true,
    emailUsername: true,
    temporaryPassword: true,
  });
  await withRelay(async (relay) => {
    const newPassword = `New-${crypto.randomUUID()}!b2`;
    const result = await inChild(relay, {
      call: "signIn",
      options: srpOptions(stack),
      newPassword,
    });
    assert.ok(result.tokens, JSON.stringify(result.error));
    assert.deepEqual(result.asked, ["newPassword"]);
    const answers = requestsFor(relay, "RespondToAuthChallenge");
    assert.deepEqual(answers.map((r) => r.body.ChallengeName), [
      "PASSWORD_VERIFIER",
      "NEW_PASSWORD_REQUIRED",
    ]);

    // moto checks passwords on USER_PASSWORD_AUTH: the new one now works.
    const again = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack, { password: newPassword }),
    });
    assert.ok(again.tokens, JSON.stringify(again.error));
    const old = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
    });
    assert.equal(old.error?.exitCode, ExitCode.notAuthorized);
  });
});

Deno.test("an unsupported challenge (MFA_SETUP, from moto) is an UnsupportedChallengeError (exit 12) that names it and says only the hosted pages answer it", async () => {
  const stack = await createCognitoStack(moto, {
    srpAuth: true,
    emailUsername: true,
    poolMfa: "ON",
  });
  await withRelay(async (relay) => {
    const result = await inChild(relay, {
      call: "signIn",
      options: srpOptions(stack),
      mfa: { code: "123456" },
    });
    assert.equal(result.tokens, undefined);
    assert.equal(result.error?.name, "UnsupportedChallengeError");
    assert.equal(result.error?.exitCode, ExitCode.challenge);
    assert.match(result.error!.message, /\bMFA_SETUP\b/);
    assert.match(result.error!.message, /set up MFA/);
    assert.match(result.error!.message, /hosted sign-in pages/);
    assert.deepEqual(result.asked, [], "no MFA code was asked for");
  });
});

// --- challenges moto never sends, through a relay that adds them ------------
// moto (every release from 1.3.16 to 5.2.5 checked) never sends
// requiredAttributes, SELECT_MFA_TYPE or WEB_AUTHN: a relay in front of it
// adds them, and the test names say so.

Deno.test("NEW_PASSWORD_REQUIRED with requiredAttributes (added by a relay in front of moto, which enforces them as Cognito does): the attributes are asked for by name before the new password and sent as userAttributes.NAME", async () => {
  const stack = await createCognitoStack(moto, { temporaryPassword: true });
  await withRelay(async (relay) => {
    const newPassword = `New-${crypto.randomUUID()}!c3`;
    const result = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
      newPassword,
      attributes: { name: " Ada Lovelace ", locale: "en-GB", extra: "no" },
    });
    assert.ok(result.tokens, JSON.stringify(result.error));
    assert.deepEqual(result.asked, ["attributes:name,locale", "newPassword"]);
    const [answer] = requestsFor(relay, "RespondToAuthChallenge");
    assert.equal(answer.body.ChallengeName, "NEW_PASSWORD_REQUIRED");
    const responses = answer.body.ChallengeResponses as Record<string, string>;
    assert.equal(responses["userAttributes.name"], "Ada Lovelace");
    assert.equal(responses["userAttributes.locale"], "en-GB");
    assert.equal(responses["userAttributes.extra"], undefined);
    assert.equal(responses.NEW_PASSWORD, newPassword);
    assert.ok(!requestsFor(relay, "AdminRespondToAuthChallenge").length);
  }, requireAttributes(["name", "locale"]));
});

Deno.test("NEW_PASSWORD_REQUIRED with requiredAttributes (relay in front of moto): missing ones are one AttributesRequiredError (exit 30) listing them all with readable labels, before the new password is asked or anything is sent", async () => {
  const stack = await createCognitoStack(moto, { temporaryPassword: true });
  await withRelay(async (relay) => {
    const partial = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
      newPassword: "never-asked",
      attributes: { locale: "en-GB" },
    });
    assert.equal(partial.error?.name, "AttributesRequiredError");
    assert.equal(partial.error?.exitCode, ExitCode.attributesRequired);
    assert.equal(ExitCode.attributesRequired, 30);
    assert.match(
      partial.error!.message,
      /Full name \(name\), Phone number \(like \+14155550100\) \(phone_number\)\./,
    );
    assert.doesNotMatch(partial.error!.message, /locale/);
    assert.match(partial.error!.message, /--attribute NAME=VALUE/);
    assert.deepEqual(partial.asked, ["attributes:name,locale,phone_number"]);
    assert.deepEqual(requestsFor(relay, "RespondToAuthChallenge"), []);

    // With no way to ask at all, every one is listed.
    const none = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
      newPassword: "never-asked",
    });
    assert.equal(none.error?.exitCode, ExitCode.attributesRequired);
    assert.match(
      none.error!.message,
      /\(name\), .*\(locale\), .*\(phone_number\)/,
    );
    assert.deepEqual(none.asked, []);
    assert.deepEqual(requestsFor(relay, "RespondToAuthChallenge"), []);
  }, requireAttributes(["name", "locale", "phone_number"]));
});

Deno.test("Cognito's refusal of the attributes (a relay in front of moto enforces name without announcing it) is exit 30 quoting Cognito's message", async () => {
  const stack = await createCognitoStack(moto, { temporaryPassword: true });
  await withRelay(async (relay) => {
    const newPassword = `New-${crypto.randomUUID()}!d4`;
    const result = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
      newPassword,
    });
    assert.equal(result.error?.name, "AttributesRequiredError");
    assert.equal(result.error?.exitCode, ExitCode.attributesRequired);
    assert.match(
      result.error!.message,
      /Invalid attributes given, name is missing/,
    );
    assert.ok(!result.error!.message.includes(newPassword));
    const [answer] = requestsFor(relay, "RespondToAuthChallenge");
    assert.equal(answer.body.ChallengeName, "NEW_PASSWORD_REQUIRED");
  }, requireAttributes(["name"], { announce: [] }));
});

Deno.test("SELECT_MFA_TYPE (a relay in front of moto offers it and answers the choice as Cognito does): the authenticator app is chosen, then moto checks its code", async () => {
  const stack = await createCognitoStack(moto, { mfa: "totp" });
  await withRelay(async (relay) => {
    const result = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
      mfa: { totpSecret: stack.totpSecret },
    });
    assert.ok(result.tokens, JSON.stringify(result.error));
    assert.deepEqual(result.asked, ["mfa:totp"]);
    const answers = requestsFor(relay, "RespondToAuthChallenge");
    assert.deepEqual(answers.map((r) => r.body.ChallengeName), [
      "SELECT_MFA_TYPE",
      "SOFTWARE_TOKEN_MFA",
    ]);
    assert.equal(
      (answers[0].body.ChallengeResponses as Record<string, string>).ANSWER,
      "SOFTWARE_TOKEN_MFA",
    );

    // No way to give a code: nothing to choose, so the hosted pages must.
    const noCode = await inChild(relay, {
      call: "signIn",
      options: signInOptions(stack),
    });
    assert.equal(noCode.error?.name, "UnsupportedChallengeError");
    assert.match(noCode.error!.message, /SELECT_MFA_TYPE/);
  }, selectMfaType(["SMS_MFA", "SOFTWARE_TOKEN_MFA"]));
});

Deno.test("challenges moto never sends (a relay in front of moto puts them in its place): WEB_AUTHN and an unknown one are exit 12 saying only the hosted pages answer them, and nothing is sent back", async () => {
  const stack = await createCognitoStack(moto, { mfa: "totp" });
  for (const challenge of ["WEB_AUTHN", "SOMETHING_NEW_2030"]) {
    await withRelay(async (relay) => {
      const result = await inChild(relay, {
        call: "signIn",
        options: signInOptions(stack),
        mfa: { code: "123456" },
        newPassword: "never-asked",
      });
      assert.equal(result.error?.name, "UnsupportedChallengeError");
      assert.equal(result.error?.exitCode, ExitCode.challenge);
      assert.match(result.error!.message, new RegExp(challenge));
      assert.match(result.error!.message, /hosted sign-in pages/);
      assert.deepEqual(result.asked, []);
      assert.deepEqual(requestsFor(relay, "RespondToAuthChallenge"), []);
    }, replaceChallenge(challenge));
  }
});
