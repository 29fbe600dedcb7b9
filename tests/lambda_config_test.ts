/** The proxy function's configuration from its environment. */
import assert from "node:assert/strict";
import { loadProxyConfig, ProxyConfigError } from "../lambda/config.ts";

const BASE = {
  AWS_REGION: "eu-west-1",
  COGNITO_USER_POOL_ID: "eu-west-1_AbC123",
  COGNITO_CLIENT_IDS: "client1, client2,",
  DEFAULT_ROLE_ARN: "arn:aws:iam::123456789012:role/LongLived",
  ALLOWED_ROLE_ARNS:
    "arn:aws:iam::123456789012:role/ReadOnly,arn:aws:iam::123456789012:role/path/Other",
  IAM_USER_ACCESS_KEY_ID: "AKIAEXAMPLE000000001",
  IAM_USER_SECRET_ACCESS_KEY: "very-secret-value-0001",
};

Deno.test("config: reads every setting and derives the pool's issuers and JWKS URLs", () => {
  const config = loadProxyConfig(BASE);
  assert.equal(config.region, "eu-west-1");
  assert.deepEqual(config.clientIds, ["client1", "client2"]);
  assert.deepEqual(config.issuers, [
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
    "https://issuer-cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123",
  ]);
  assert.equal(
    config.jwksUris[config.issuers[0]],
    "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123/.well-known/jwks.json",
  );
  assert.deepEqual(config.allowedRoleArns, [
    BASE.DEFAULT_ROLE_ARN,
    "arn:aws:iam::123456789012:role/ReadOnly",
    "arn:aws:iam::123456789012:role/path/Other",
  ]);
  assert.equal(config.retryDurationSeconds, 3600);
});

Deno.test("config: accepts the original's COGNITO_CLIENT_ID, a JWKS override for every issuer, and ROLE_MAX_SESSION_DURATION", () => {
  const { COGNITO_CLIENT_IDS: _, ...rest } = BASE;
  const config = loadProxyConfig({
    ...rest,
    COGNITO_CLIENT_ID: "only-client",
    COGNITO_JWKS_URI: "https://127.0.0.1:8443/pool/.well-known/jwks.json",
    ROLE_MAX_SESSION_DURATION: "28800",
  });
  assert.deepEqual(config.clientIds, ["only-client"]);
  assert.deepEqual(Object.values(config.jwksUris), [
    "https://127.0.0.1:8443/pool/.well-known/jwks.json",
    "https://127.0.0.1:8443/pool/.well-known/jwks.json",
  ]);
  assert.equal(config.retryDurationSeconds, 28800);
});

Deno.test("config: missing settings are named, never shown by value", () => {
  assert.throws(
    () =>
      loadProxyConfig({ IAM_USER_SECRET_ACCESS_KEY: "very-secret-value-0001" }),
    (error: Error) => {
      assert.ok(error instanceof ProxyConfigError);
      for (
        const name of [
          "COGNITO_USER_POOL_ID",
          "COGNITO_CLIENT_IDS",
          "DEFAULT_ROLE_ARN",
          "IAM_USER_ACCESS_KEY_ID",
        ]
      ) assert.ok(error.message.includes(name), error.message);
      assert.ok(!error.message.includes("IAM_USER_SECRET_ACCESS_KEY"));
      assert.ok(!error.message.includes("very-secret-value-0001"));
      return true;
    },
  );
});

Deno.test("config: malformed values are refused with the variable's name", async (t) => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["pool id", { COGNITO_USER_POOL_ID: "not-a-pool" }, /COGNITO_USER_POOL_ID/],
    ["role ARN", { DEFAULT_ROLE_ARN: "LongLived" }, /DEFAULT_ROLE_ARN/],
    [
      "allowed role ARN",
      { ALLOWED_ROLE_ARNS: "arn:aws:iam::123456789012:user/bob" },
      /ALLOWED_ROLE_ARNS/,
    ],
    [
      "http JWKS URL",
      { COGNITO_JWKS_URI: "http://example.com/jwks.json" },
      /COGNITO_JWKS_URI must be an https/,
    ],
    ["JWKS URL", { COGNITO_JWKS_URI: "not a url" }, /COGNITO_JWKS_URI/],
    [
      "retry duration",
      { ROLE_MAX_SESSION_DURATION: "60" },
      /ROLE_MAX_SESSION_DURATION/,
    ],
    ["region", { AWS_REGION: "moon" }, /AWS_REGION/],
  ];
  for (const [name, override, message] of cases) {
    await t.step(name, () => {
      assert.throws(
        () => loadProxyConfig({ ...BASE, ...override }),
        (e: Error) => e instanceof ProxyConfigError && message.test(e.message),
      );
    });
  }
});

Deno.test("config: MAX_TOKEN_LIFETIME_SECONDS defaults to one day and takes 300..86400; ACCESS_TOKEN_CHECK is require or allow-missing (default); GetUser's endpoint follows the SDK's settings", () => {
  const config = loadProxyConfig(BASE);
  assert.equal(config.maxTokenLifetimeSeconds, 86400);
  assert.equal(config.accessTokenCheck, "allow-missing");
  assert.equal(config.userPoolRegion, "eu-west-1");
  assert.equal(
    config.cognitoEndpoint,
    "https://cognito-idp.eu-west-1.amazonaws.com",
  );
  const set = loadProxyConfig({
    ...BASE,
    AWS_REGION: "us-east-1",
    MAX_TOKEN_LIFETIME_SECONDS: "3600",
    ACCESS_TOKEN_CHECK: "require",
    AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
  });
  assert.equal(set.maxTokenLifetimeSeconds, 3600);
  assert.equal(set.accessTokenCheck, "require");
  assert.equal(set.cognitoEndpoint, "http://127.0.0.1:5000");
  assert.equal(
    loadProxyConfig({
      ...BASE,
      AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
      AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: "https://idp.example/",
    }).cognitoEndpoint,
    "https://idp.example",
  );
  assert.equal(
    loadProxyConfig({
      ...BASE,
      AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
    }).cognitoEndpoint,
    "https://cognito-idp.eu-west-1.amazonaws.com",
  );
  for (
    const [name, value] of [
      ["MAX_TOKEN_LIFETIME_SECONDS", "299"],
      ["MAX_TOKEN_LIFETIME_SECONDS", "86401"],
      ["MAX_TOKEN_LIFETIME_SECONDS", "1h"],
      ["ACCESS_TOKEN_CHECK", "refuse"],
      ["ACCESS_TOKEN_CHECK", "REQUIRE"],
      ["AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "ftp://x"],
    ]
  ) {
    assert.throws(
      () => loadProxyConfig({ ...BASE, [name]: value }),
      (error: Error) =>
        error instanceof ProxyConfigError && error.message.includes(name) &&
        !error.message.includes(value),
      `${name}=${value}`,
    );
  }
});

Deno.test("config: the STS endpoint follows the SDK's settings (AWS_ENDPOINT_URL_STS, else AWS_ENDPOINT_URL, neither with AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true), is unset without them, and must be an http(s) URL", () => {
  assert.equal(loadProxyConfig(BASE).stsEndpoint, undefined);
  assert.equal(
    loadProxyConfig({ ...BASE, AWS_ENDPOINT_URL: "http://127.0.0.1:5000" })
      .stsEndpoint,
    "http://127.0.0.1:5000",
  );
  assert.equal(
    loadProxyConfig({
      ...BASE,
      AWS_ENDPOINT_URL: "http://127.0.0.1:5000",
      AWS_ENDPOINT_URL_STS: "https://sts.example",
    }).stsEndpoint,
    "https://sts.example",
  );
  assert.equal(
    loadProxyConfig({
      ...BASE,
      AWS_ENDPOINT_URL_STS: "https://sts.example",
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
    }).stsEndpoint,
    undefined,
  );
  assert.throws(
    () => loadProxyConfig({ ...BASE, AWS_ENDPOINT_URL_STS: "file:///etc" }),
    (error: Error) =>
      error instanceof ProxyConfigError &&
      error.message.includes("AWS_ENDPOINT_URL_STS") &&
      !error.message.includes("file:"),
  );
});
