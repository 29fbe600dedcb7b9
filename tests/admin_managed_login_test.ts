/**
 * `aws-cognito-admin managed-login enable` through the real entry point,
 * against moto behind a recording relay. moto's UpdateUserPoolClient merges
 * what it is sent into the client (AWS resets every field it is not sent),
 * so reading the client back cannot show a dropped setting; the tests check
 * the request itself instead, as the relay recorded it.
 */
import assert from "node:assert/strict";
import {
  CognitoIdentityProviderClient,
  CreateIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  UpdateUserPoolClientCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { startRelayedMoto } from "./support/relay.ts";
import { createCognitoStack, fileClient } from "./support/fixtures.ts";
import { runAdmin, withTempHome } from "./support/cli.ts";

const { moto, relay } = await startRelayedMoto();
const idp = fileClient(moto, CognitoIdentityProviderClient);

/** The bodies of the requests to `action` the relay saw since `from`. */
function sent(action: string, from: number): Record<string, unknown>[] {
  return relay.exchanges.slice(from).filter((e) => e.action === action).map(
    (e) => JSON.parse(e.requestBody),
  );
}

Deno.test("managed-login enable creates the domain and adds the callback URL, code flow, scopes and providers, sending every other client setting as it was; a second run plans nothing", async () => {
  await withTempHome(async (home) => {
    const stack = await createCognitoStack(moto);
    // Settings UpdateUserPoolClient would reset if they were not sent again.
    await idp.send(
      new UpdateUserPoolClientCommand({
        UserPoolId: stack.userPoolId,
        ClientId: stack.clientId,
        ExplicitAuthFlows: [
          "ALLOW_USER_PASSWORD_AUTH",
          "ALLOW_REFRESH_TOKEN_AUTH",
        ],
        RefreshTokenValidity: 10,
        CallbackURLs: ["https://app.example.com/cb"],
        LogoutURLs: ["https://app.example.com/bye"],
      }),
    );
    const env = {
      ...home.env,
      ...moto.adminEnv,
      AWS_ENDPOINT_URL: relay.endpoint,
      COGNITO_USER_POOL_ID: stack.userPoolId,
      COGNITO_CLIENT_ID: stack.clientId,
      AWS_REGION: "us-east-1",
    };
    const args = ["managed-login", "enable", "--callback-port", "50123"];

    const dry = await runAdmin([...args, "--dry-run"], env);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /cognito-idp:CreateUserPoolDomain/);
    assert.match(dry.stdout, /http:\/\/localhost:50123\/callback/);
    const pool = await idp.send(
      new DescribeUserPoolCommand({ UserPoolId: stack.userPoolId }),
    );
    assert.equal(pool.UserPool?.Domain, undefined, "dry run changed nothing");

    const before = relay.exchanges.length;
    const first = await runAdmin([...args, "--yes"], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stderr, /done +cognito-idp:CreateUserPoolDomain/);
    assert.match(first.stderr, /done +cognito-idp:UpdateUserPoolClient/);
    const prefix = `login-${stack.userPoolId.split("_")[1].toLowerCase()}`;
    assert.match(
      first.stdout,
      new RegExp(`https://${prefix}\\.auth\\.us-east-1\\.amazoncognito\\.com`),
    );
    const [update] = sent("UpdateUserPoolClient", before);
    assert.deepEqual(update.CallbackURLs, [
      "https://app.example.com/cb",
      "http://localhost:50123/callback",
    ]);
    assert.deepEqual(update.LogoutURLs, ["https://app.example.com/bye"]);
    assert.deepEqual(update.ExplicitAuthFlows, [
      "ALLOW_USER_PASSWORD_AUTH",
      "ALLOW_REFRESH_TOKEN_AUTH",
    ]);
    assert.equal(update.RefreshTokenValidity, 10);
    assert.equal(typeof update.ClientName, "string");
    assert.deepEqual(update.AllowedOAuthFlows, ["code"]);
    assert.deepEqual(update.AllowedOAuthScopes, [
      "openid",
      "email",
      "profile",
      "aws.cognito.signin.user.admin",
    ]);
    assert.deepEqual(update.SupportedIdentityProviders, ["COGNITO"]);
    assert.equal(update.AllowedOAuthFlowsUserPoolClient, true);
    const [domain] = sent("CreateUserPoolDomain", before);
    assert.equal(domain.Domain, prefix);

    const client = await idp.send(
      new DescribeUserPoolClientCommand({
        UserPoolId: stack.userPoolId,
        ClientId: stack.clientId,
      }),
    );
    assert.ok(
      client.UserPoolClient?.CallbackURLs?.includes(
        "http://localhost:50123/callback",
      ),
    );

    const again = relay.exchanges.length;
    const second = await runAdmin([...args, "--yes"], env);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /No changes/);
    assert.match(second.stdout, /Managed Login domain https:\/\//);
    assert.deepEqual(sent("UpdateUserPoolClient", again), []);
    assert.deepEqual(sent("CreateUserPoolDomain", again), []);
  });
});

Deno.test("managed-login enable: another port is added beside the first; a named identity provider must exist in the pool (exit 3 before any change)", async () => {
  await withTempHome(async (home) => {
    const stack = await createCognitoStack(moto);
    const env = {
      ...home.env,
      ...moto.adminEnv,
      AWS_ENDPOINT_URL: relay.endpoint,
      AWS_REGION: "us-east-1",
      COGNITO_CALLBACK_PORT: "50200",
    };
    const base = [
      "managed-login",
      "enable",
      "--user-pool-id",
      stack.userPoolId,
      "--client-id",
      stack.clientId,
      "--domain-prefix",
      `test-${crypto.randomUUID().slice(0, 8)}`,
      "--yes",
    ];
    const first = await runAdmin(base, env);
    assert.equal(first.code, 0, first.stderr);

    const from = relay.exchanges.length;
    const missing = await runAdmin(
      [...base, "--identity-provider", "Okta"],
      env,
    );
    assert.equal(missing.code, 3, missing.stderr);
    assert.match(missing.stderr, /no identity provider named Okta/);
    assert.deepEqual(sent("UpdateUserPoolClient", from), []);

    await idp.send(
      new CreateIdentityProviderCommand({
        UserPoolId: stack.userPoolId,
        ProviderName: "Okta",
        ProviderType: "OIDC",
        ProviderDetails: {
          client_id: "okta-client",
          authorize_scopes: "openid",
          oidc_issuer: "https://okta.example.com",
          attributes_request_method: "GET",
        },
      }),
    );
    const start = relay.exchanges.length;
    const second = await runAdmin(
      [
        ...base,
        "--callback-port",
        "50300",
        "--identity-provider",
        "COGNITO",
        "--identity-provider",
        "Okta",
      ],
      env,
    );
    assert.equal(second.code, 0, second.stderr);
    const [update] = sent("UpdateUserPoolClient", start);
    assert.deepEqual(update.CallbackURLs, [
      "http://localhost:50200/callback",
      "http://localhost:50300/callback",
    ]);
    assert.deepEqual(update.SupportedIdentityProviders, ["COGNITO", "Okta"]);
    assert.deepEqual(sent("CreateUserPoolDomain", start), []);

    const bad = await runAdmin([...base, "--callback-port", "0"], env);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /--callback-port must be a port number/);
  });
});
