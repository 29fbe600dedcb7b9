/**
 * Checks of the names the admin commands take (bucket, table, policy, role,
 * user, Identity Pool), as the AWS API references define them. No SDK here:
 * the argument parser uses these before anything else loads.
 *
 * @module
 */

/**
 * Whether a name is a valid S3 bucket name (general purpose buckets: 3 to 63
 * lowercase letters, digits, dots and hyphens, starting and ending with a
 * letter or digit, no "..", not shaped like an IP address).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isBucketName } from "./names.ts";
 * assert.ok(isBucketName("my-bucket.logs"));
 * assert.ok(!isBucketName("My_Bucket"));
 * ```
 */
export function isBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") && !/^\d+\.\d+\.\d+\.\d+$/.test(name);
}

/** Whether a name is a valid DynamoDB table name (3 to 255 of `[A-Za-z0-9_.-]`). */
export function isTableName(name: string): boolean {
  return /^[A-Za-z0-9_.-]{3,255}$/.test(name);
}

/** Whether a name is a valid IAM inline policy name (1 to 128 of `[\w+=,.@-]`). */
export function isPolicyName(name: string): boolean {
  return /^[\w+=,.@-]{1,128}$/.test(name);
}

/** Whether a name is a valid IAM role name (1 to 64 of `[\w+=,.@-]`). */
export function isRoleName(name: string): boolean {
  return /^[\w+=,.@-]{1,64}$/.test(name);
}

/** Whether a name is a valid IAM user name (1 to 64 of `[\w+=,.@-]`). */
export function isUserName(name: string): boolean {
  return /^[\w+=,.@-]{1,64}$/.test(name);
}

/** Whether a name is a valid Identity Pool name (1 to 128 of `[\w\s+=,.@-]`). */
export function isIdentityPoolName(name: string): boolean {
  return /^[\w\s+=,.@-]{1,128}$/.test(name);
}

/** Whether a name is a valid Lambda function name (1 to 64 of `[\w-]`). */
export function isFunctionName(name: string): boolean {
  return /^[\w-]{1,64}$/.test(name);
}
