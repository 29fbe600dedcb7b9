/**
 * `aws-cognito-admin policy create-dynamodb-policy`: render the DynamoDB
 * template (each identity reaches only the items whose partition key is its
 * identity id) and put it on the Identity Pool's authenticated role, or on
 * the role named.
 *
 * @module
 */
import { dynamodbPolicy } from "../../lib/admin/role_policy.ts";
import { type Prompter, terminalPrompter } from "../terminal.ts";
import { applyRolePolicy, type ChangeFlags, type RoleFlags } from "./_apply.ts";

/** The options of `policy create-dynamodb-policy` (`--region`: the table's). */
export interface DynamodbPolicyFlags extends ChangeFlags, RoleFlags {
  /** `--table-name`. */
  tableName: string;
  /** `--policy-name` (default `DynamoDBAccess-<table>`). */
  policyName?: string;
}

/** The inline policy name used when none is given. */
export function defaultDynamodbPolicyName(table: string): string {
  return `DynamoDBAccess-${table}`;
}

/** Plans and applies the DynamoDB policy. */
export async function dynamodbPolicyCommand(
  flags: DynamodbPolicyFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  prompter: Prompter | undefined = terminalPrompter(),
): Promise<void> {
  const policyName = flags.policyName ??
    defaultDynamodbPolicyName(flags.tableName);
  await applyRolePolicy(flags, env, prompter, ["region"], ({ region }) => ({
    policyName,
    document: (caller) => dynamodbPolicy(flags.tableName, region, caller),
    purpose:
      `DynamoDB access to table ${flags.tableName} in ${region} (each identity its own items) as inline policy ${policyName}`,
  }));
}
