/**
 * `aws-cognito-admin policy create-s3-policy`: render the S3 template for a
 * bucket and put it on the Identity Pool's authenticated role (as the
 * original did), or on the role named.
 *
 * @module
 */
import { s3Policy } from "../../lib/admin/role_policy.ts";
import { type Prompter, terminalPrompter } from "../terminal.ts";
import { applyRolePolicy, type ChangeFlags, type RoleFlags } from "./_apply.ts";

/** The options of `policy create-s3-policy`. */
export interface S3PolicyFlags extends ChangeFlags, RoleFlags {
  /** `--bucket-name`. */
  bucketName: string;
  /** `--user-specific`: each identity only under its own prefix. */
  userSpecific?: boolean;
  /** `--policy-name` (default `S3Access-<bucket>`). */
  policyName?: string;
}

/** The inline policy name used when none is given. */
export function defaultS3PolicyName(bucket: string): string {
  return `S3Access-${bucket}`;
}

/** Plans and applies the S3 policy. */
export async function s3PolicyCommand(
  flags: S3PolicyFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  prompter: Prompter | undefined = terminalPrompter(),
): Promise<void> {
  const policyName = flags.policyName ?? defaultS3PolicyName(flags.bucketName);
  const scope = flags.userSpecific
    ? "each identity under its own prefix"
    : "the whole bucket";
  await applyRolePolicy(flags, env, prompter, [], () => ({
    policyName,
    document: (caller) =>
      s3Policy(flags.bucketName, flags.userSpecific ?? false, caller),
    purpose:
      `S3 access to bucket ${flags.bucketName} (${scope}) as inline policy ${policyName}`,
  }));
}
