/**
 * `aws-cognito-admin role apply-policy`: check a policy file and put it on
 * the role as an inline policy.
 *
 * @module
 */
import { readPolicyFile } from "../../lib/policies.ts";
import { type Prompter, terminalPrompter } from "../terminal.ts";
import { applyRolePolicy, type ChangeFlags, type RoleFlags } from "./_apply.ts";

/** The options of `role apply-policy`. */
export interface ApplyPolicyFlags extends ChangeFlags, RoleFlags {
  /** `--policy-file`. */
  policyFile: string;
  /** `--policy-name`. */
  policyName: string;
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
  await applyRolePolicy(flags, env, prompter, [], () => ({
    policyName: flags.policyName,
    document,
    purpose:
      `apply the policy file ${flags.policyFile} as inline policy ${flags.policyName}`,
  }));
}
