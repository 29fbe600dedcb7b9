/**
 * What the `aws-cognito-admin` tests share: moto with IAM and Lambda clients
 * on it, bare roles to act on and their inline policies read back, and the
 * names and arguments of a `lambda deploy`.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  CreateRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { decodePolicyDocument } from "../../lib/policies.ts";
import { createZip } from "../../lambda/zip.ts";
import { fileClient } from "./fixtures.ts";
import { type MotoOptions, type MotoServer, startMoto } from "./moto.ts";

/** moto for one test file, and the clients the admin tests read it with. */
export interface AdminMoto {
  /** The server. */
  moto: MotoServer;
  /** An IAM client on it, destroyed when the file ends. */
  iam: IAMClient;
  /** A Lambda client on it, destroyed when the file ends. */
  lambda: LambdaClient;
}

/** Starts moto for one test file with IAM and Lambda clients on it. */
export async function startAdminMoto(
  options?: MotoOptions,
): Promise<AdminMoto> {
  const moto = await startMoto(options);
  return {
    moto,
    iam: fileClient(moto, IAMClient),
    lambda: fileClient(moto, LambdaClient),
  };
}

/** The user pool that `lambda deploy` tests point the proxy at. */
export const DEPLOY_POOL_ID = "us-east-1_AbC123xyz";
/** The app client that `lambda deploy` tests point the proxy at. */
export const DEPLOY_CLIENT_ID = "4tq3example0client";

/** What one `lambda deploy` test names. */
export interface DeployNames {
  /** Random tag in the role names (`LongLived-<tag>`, `Exec-<tag>`). */
  tag: string;
  /** The function. */
  fn: string;
  /** The Identity Pool's authenticated role. */
  auth: string;
  /** The zip to deploy. */
  zip: string;
  /** The flag that names the zip (default `--zip`). */
  zipFlag?: "--zip" | "--zip-file";
  /** The Deno layer's zip. */
  layer: string;
}

/**
 * Arguments of `aws-cognito-admin lambda deploy` for `names`, pointed at
 * {@linkcode DEPLOY_POOL_ID} and {@linkcode DEPLOY_CLIENT_ID}, then `extra`.
 */
export function lambdaDeployArgs(
  names: DeployNames,
  ...extra: string[]
): string[] {
  return [
    "lambda",
    "deploy",
    "--lambda-function-name",
    names.fn,
    "--long-lived-role-name",
    `LongLived-${names.tag}`,
    "--execution-role-name",
    `Exec-${names.tag}`,
    "--role-name",
    names.auth,
    names.zipFlag ?? "--zip",
    names.zip,
    "--layer-zip",
    names.layer,
    "--user-pool-id",
    DEPLOY_POOL_ID,
    "--client-id",
    DEPLOY_CLIENT_ID,
    ...extra,
  ];
}

/** A trust policy that lets any Cognito Identity pool assume the role. */
export const COGNITO_TRUST = {
  Version: "2012-10-17",
  Statement: [{
    Effect: "Allow",
    Principal: { Federated: "cognito-identity.amazonaws.com" },
    Action: "sts:AssumeRoleWithWebIdentity",
  }],
};

/**
 * Creates a role named `<prefix>-<random>` with the trust policy given
 * (default {@linkcode COGNITO_TRUST}); returns its name.
 */
export async function createRole(
  iam: IAMClient,
  prefix: string,
  trust: unknown = COGNITO_TRUST,
): Promise<string> {
  const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify(trust),
    }),
  );
  return name;
}

/** A role's inline policy document, decoded as IAM stores it. */
export async function inlinePolicy(
  iam: IAMClient,
  role: string,
  policyName: string,
): Promise<unknown> {
  const out = await iam.send(
    new GetRolePolicyCommand({ RoleName: role, PolicyName: policyName }),
  );
  return decodePolicyDocument(out.PolicyDocument);
}

/** The names of a role's inline policies. */
export async function inlinePolicyNames(
  iam: IAMClient,
  role: string,
): Promise<string[]> {
  const out = await iam.send(new ListRolePoliciesCommand({ RoleName: role }));
  return out.PolicyNames ?? [];
}

/**
 * A zip Lambda's custom runtime would accept: an executable `bootstrap` at
 * its root, a shell script running `script`.
 */
export function bootstrapZip(script: string): Promise<Uint8Array> {
  return createZip([{
    name: "bootstrap",
    data: new TextEncoder().encode(`#!/bin/sh\n${script}\n`),
    mode: 0o755,
  }]);
}

/** Asserts that a plan's progress lines (stderr) show each of `calls` done. */
export function assertCallsDone(stderr: string, calls: string[]): void {
  for (const call of calls) {
    assert.match(stderr, new RegExp(`\\] done +${call} `), call);
  }
}
