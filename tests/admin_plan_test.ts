/**
 * Printing a plan hides every value whose name looks secret, wherever it
 * sits in a step's documents, and shows the rest as it is.
 */
import assert from "node:assert/strict";
import { formatPlan, HIDDEN, looksSecret, newPlan } from "../lib/plan.ts";

Deno.test("formatPlan hides the values of secret-looking names at any depth and keeps ACCESS_TOKEN_CHECK, key ids and policies readable", () => {
  const plan = newPlan("Plan: test");
  plan.steps.push({
    call: "lambda:UpdateFunctionConfiguration",
    target: "function f",
    documents: [{
      label: "configuration",
      json: {
        environment: {
          IAM_USER_AWS_SECRET_ACCESS_KEY: "old-tool-secret-1",
          IAM_USER_SECRET_ACCESS_KEY: "our-secret-2",
          DB_PASSWORD: "hunter2-3",
          githubToken: "ghp_token_4",
          SERVICE_PRIVATE_KEY: "-----BEGIN KEY-----5",
          STRIPE_API_KEY: "sk_live_6",
          ACCESS_TOKEN_CHECK: "require",
          MAX_TOKEN_LIFETIME_SECONDS: "86400",
          IAM_USER_ACCESS_KEY_ID: "AKIA…WXYZ",
          DB_SECRET_ARN: "arn:aws:secretsmanager:x",
          EMPTY_PASSWORD: "",
        },
        nested: [{ credentials: { id: "a", value: "inner-secret-7" } }],
        Statement: [{ Action: "sts:AssumeRole", Resource: "*" }],
      },
    }],
    run: () => Promise.resolve(),
  });
  const text = formatPlan(plan);
  for (let i = 1; i <= 7; i++) {
    assert.doesNotMatch(text, new RegExp(`[-_]${i}"`), `secret ${i} shown`);
  }
  for (
    const shown of [
      '"ACCESS_TOKEN_CHECK": "require"',
      '"MAX_TOKEN_LIFETIME_SECONDS": "86400"',
      '"IAM_USER_ACCESS_KEY_ID": "AKIA…WXYZ"',
      '"DB_SECRET_ARN": "arn:aws:secretsmanager:x"',
      '"EMPTY_PASSWORD": ""',
      '"Action": "sts:AssumeRole"',
      `"DB_PASSWORD": "${HIDDEN}"`,
      `"id": "${HIDDEN}"`,
    ]
  ) assert.ok(text.includes(shown), `${shown} in\n${text}`);
  // The plan itself keeps the values (the calls need them).
  const doc = plan.steps[0].documents![0].json as {
    environment: Record<string, string>;
  };
  assert.equal(doc.environment.DB_PASSWORD, "hunter2-3");
});

Deno.test("looksSecret tells secret names from names about secrets", () => {
  for (
    const name of [
      "password",
      "AWS_SESSION_TOKEN",
      "client_secret",
      "clientSecret",
      "PRIVATE_KEY",
      "signingKey",
      "DB_PASSWD",
      "credentials",
    ]
  ) assert.ok(looksSecret(name), name);
  for (
    const name of [
      "ACCESS_TOKEN_CHECK",
      "TOKEN_URL",
      "AWS_WEB_IDENTITY_TOKEN_FILE",
      "SECRET_ARN",
      "KEY",
      "ACCESS_KEY_ID",
      "COGNITO_CLIENT_IDS",
      "DEFAULT_ROLE_ARN",
      "",
    ]
  ) assert.ok(!looksSecret(name), name);
});
