/**
 * The two Cognito clients of the AWS SDK (User Pool and Identity Pool), each
 * loaded once per process, and started as early as a caller knows a sign-in
 * is coming.
 *
 * Loading them is most of a sign-in's own cost (about 50 to 70 ms of the
 * CPU, against a few milliseconds per request to a nearby endpoint). Started
 * early, the loading overlaps with whatever the process waits for anyway:
 * the password prompt, the reads and locks of the AWS files, the first
 * request in flight. Nothing here imports the SDK at the top, so commands
 * that make no AWS call never load it.
 *
 * @module
 */

/** The `@aws-sdk/client-cognito-identity-provider` module. */
export type UserPoolSdk =
  typeof import("@aws-sdk/client-cognito-identity-provider");
/** The `@aws-sdk/client-cognito-identity` module. */
export type IdentityPoolSdk = typeof import("@aws-sdk/client-cognito-identity");

let userPool: Promise<UserPoolSdk> | undefined;
let identityPool: Promise<IdentityPoolSdk> | undefined;

/** The User Pool client's module, loading it on the first call. */
export function userPoolSdk(): Promise<UserPoolSdk> {
  return userPool ??= import("@aws-sdk/client-cognito-identity-provider");
}

/** The Identity Pool client's module, loading it on the first call. */
export function identityPoolSdk(): Promise<IdentityPoolSdk> {
  return identityPool ??= import("@aws-sdk/client-cognito-identity");
}

/**
 * Starts loading both clients without waiting for them. A failure to load
 * is reported where the module is used, so it is ignored here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { preloadCognitoSdk, userPoolSdk } from "./cognito_sdk.ts";
 * preloadCognitoSdk(); // returns at once
 * const sdk = await userPoolSdk(); // the same load, already under way
 * assert.equal(typeof sdk.InitiateAuthCommand, "function");
 * ```
 */
export function preloadCognitoSdk(): void {
  userPoolSdk().catch(() => {});
  identityPoolSdk().catch(() => {});
}
