/**
 * `aws-cognito-admin role apply-policy`: check a policy file and put it on
 * the role as an inline policy.
 *
 * @module
 */
import { validateSettings } from "../../lib/config.ts";
import { readPolicyFile } from "../../lib/policies.ts";
import { planRolePolicy } from "../../lib/admin/role_policy.ts";
import { type Prompter, terminalPrompter } from "../../lib/terminal.ts";
import { type ChangeFlags, loadAdminContext, showAndApply } from "./_apply.ts";

/** The options of `role apply-policy`. */
export interface ApplyPolicyFlags extends ChangeFlags {
  /** `--policy-file`. */
  policyFile: string;
  /** `--policy-name`. */
  policyName: string;
  /** `--role-name`. */
  roleName?: string;
  /** `--identity-pool-id`. */
  identityPoolId?: string;
  /** `--region`. */
  region?: string;
}

/**
 * Validates the file before any AWS call, then plans `PutRolePolicy` (or
 * nothing, when the role already has that document) and applies it.
 */
export async function applyPolicyCommand(
  flags: ApplyPolicyFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
  prompter: Prompter | undefined = terminalPrompter(),
): Promise<void> {
  const document = await readPolicyFile(flags.policyFile);
  const context = await loadAdminContext({
    authRoleName: flags.roleName,
    identityPoolId: flags.identityPoolId,
    region: flags.region,
  }, env);
  try {
    validateSettings(context.settings, []);
    const plan = await planRolePolicy(context.clients, {
      role: {
        roleName: context.admin.values.authRoleName,
        roleNameSource: context.admin.sources.authRoleName,
        identityPoolId: context.settings.values.identityPoolId,
      },
      policyName: flags.policyName,
      document,
      purpose:
        `apply the policy file ${flags.policyFile} as inline policy ${flags.policyName}`,
    });
    await showAndApply(plan, flags, prompter);
  } finally {
    context.clients.destroy();
  }
}
