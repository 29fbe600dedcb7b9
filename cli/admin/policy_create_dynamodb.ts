/**
 * `aws-cognito-admin policy create-dynamodb-policy`: render the DynamoDB
 * template (each identity reaches only the items whose partition key is its
 * identity id) and put it on the Identity Pool's authenticated role, or on
 * the role named.
 *
 * @module
 */
import { validateSettings } from "../../lib/config.ts";
import { dynamodbPolicy, planRolePolicy } from "../../lib/admin/role_policy.ts";
import { type Prompter, terminalPrompter } from "../../lib/terminal.ts";
import { type ChangeFlags, loadAdminContext, showAndApply } from "./_apply.ts";

/** The options of `policy create-dynamodb-policy`. */
export interface DynamodbPolicyFlags extends ChangeFlags {
  /** `--table-name`. */
  tableName: string;
  /** `--policy-name` (default `DynamoDBAccess-<table>`). */
  policyName?: string;
  /** `--role-name`. */
  roleName?: string;
  /** `--identity-pool-id`. */
  identityPoolId?: string;
  /** `--region`: the table's region. */
  region?: string;
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
  const context = await loadAdminContext({
    authRoleName: flags.roleName,
    identityPoolId: flags.identityPoolId,
    region: flags.region,
  }, env);
  try {
    const { region } = validateSettings(context.settings, ["region"]);
    const policyName = flags.policyName ??
      defaultDynamodbPolicyName(flags.tableName);
    const plan = await planRolePolicy(context.clients, {
      role: {
        roleName: context.admin.values.authRoleName,
        roleNameSource: context.admin.sources.authRoleName,
        identityPoolId: context.settings.values.identityPoolId,
      },
      policyName,
      document: (caller) => dynamodbPolicy(flags.tableName, region, caller),
      purpose:
        `DynamoDB access to table ${flags.tableName} in ${region} (each identity its own items) as inline policy ${policyName}`,
    });
    await showAndApply(plan, flags, prompter);
  } finally {
    context.clients.destroy();
  }
}
