/**
 * The printers over one set of credentials, one per output format: the
 * `credential_process` JSON, shell `export` lines and a JSON object. Each
 * returns text; the command prints it on stdout. This module loads nothing
 * heavy: `credential-process` uses it on its fast path.
 *
 * @module
 */
import { isoSeconds, type TemporaryCredentials } from "./credentials.ts";
import { shellQuote } from "./shell.ts";

/**
 * The JSON the AWS CLI and SDKs expect from a `credential_process`:
 * `Version` 1, the three keys and `Expiration` in ISO 8601.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { credentialProcessJson } from "./credential_output.ts";
 * const text = credentialProcessJson({
 *   accessKeyId: "ASIAEXAMPLE",
 *   secretAccessKey: "secret",
 *   sessionToken: "token",
 *   expiration: new Date("2030-01-01T00:00:00Z"),
 * });
 * assert.deepEqual(JSON.parse(text), {
 *   Version: 1,
 *   AccessKeyId: "ASIAEXAMPLE",
 *   SecretAccessKey: "secret",
 *   SessionToken: "token",
 *   Expiration: "2030-01-01T00:00:00Z",
 * });
 * ```
 */
export function credentialProcessJson(
  credentials: TemporaryCredentials,
): string {
  return JSON.stringify({
    Version: 1,
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: isoSeconds(credentials.expiration),
  });
}

/**
 * The environment variables that hand credentials to the AWS CLI and SDKs,
 * with the expiry (`AWS_CREDENTIAL_EXPIRATION`, as aws-vault sets it) and
 * the region in both spellings.
 */
export function credentialsEnv(
  credentials: TemporaryCredentials,
  region: string,
): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_CREDENTIAL_EXPIRATION: isoSeconds(credentials.expiration),
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
  };
}

/**
 * `export NAME=value` lines for a POSIX shell (`eval "$(...)"`), values
 * quoted so they read back exactly.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { envExports } from "./credential_output.ts";
 * const text = envExports({
 *   accessKeyId: "ASIAEXAMPLE",
 *   secretAccessKey: "se/cr+et",
 *   sessionToken: "to'ken",
 *   expiration: new Date("2030-01-01T00:00:00Z"),
 * }, "eu-west-1");
 * assert.match(text, /^export AWS_ACCESS_KEY_ID=ASIAEXAMPLE$/m);
 * assert.match(text, /^export AWS_SESSION_TOKEN='to'\\''ken'$/m);
 * ```
 */
export function envExports(
  credentials: TemporaryCredentials,
  region: string,
): string {
  return Object.entries(credentialsEnv(credentials, region))
    .map(([name, value]) => `export ${name}=${shellQuote(value)}`)
    .join("\n");
}

/**
 * One JSON object: the `credential_process` shape (so it can be used as
 * one) plus `Region`.
 */
export function credentialsJson(
  credentials: TemporaryCredentials,
  region: string,
): string {
  const object = JSON.parse(credentialProcessJson(credentials));
  return JSON.stringify({ ...object, Region: region }, null, 2);
}
