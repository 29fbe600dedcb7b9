/**
 * `aws-cognito-admin role info`: the Identity Pool's authenticated role (or
 * the role named), its trust policy, its managed and inline policies, and
 * each inline policy's document.
 *
 * @module
 */
import {
  chooseAuthRole,
  describeRole,
  type RoleInfo,
} from "../../lib/admin/roles.ts";
import { out } from "../report.ts";
import { type RoleFlags, roleSettings, withAdminContext } from "./_apply.ts";

/** The options of `role info`. */
export interface RoleInfoFlags extends RoleFlags {
  /** `--json`: print one JSON object instead of text. */
  json?: boolean;
}

/** Reads the role and prints it as text or JSON. */
export async function roleInfoCommand(
  flags: RoleInfoFlags,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): Promise<void> {
  await withAdminContext(
    roleSettings(flags),
    env,
    [],
    async ({ role, clients }) => {
      const info = await describeRole(
        clients,
        await chooseAuthRole(clients, role),
      );
      out.data(
        flags.json ? JSON.stringify(info, null, 2) : formatRoleInfo(info),
      );
    },
  );
}

/** The role as text for people. */
export function formatRoleInfo(info: RoleInfo): string {
  const indent = (json: unknown, by: string) =>
    JSON.stringify(json, null, 2).split("\n").map((l) => by + l).join("\n");
  const lines = [
    `Role:                 ${info.roleName} (${info.how})`,
    `ARN:                  ${info.roleArn}`,
  ];
  if (info.created) lines.push(`Created:              ${info.created}`);
  if (info.maxSessionDuration !== undefined) {
    lines.push(
      `Max session duration: ${info.maxSessionDuration} s (${
        info.maxSessionDuration / 3600
      } h)`,
    );
  }
  lines.push("Trust policy:", indent(info.trustPolicy, "  "));
  lines.push(`Managed policies (${info.attachedPolicies.length}):`);
  for (const p of info.attachedPolicies) lines.push(`  - ${p.name}  ${p.arn}`);
  lines.push(`Inline policies (${info.inlinePolicies.length}):`);
  for (const p of info.inlinePolicies) {
    lines.push(`  - ${p.name}:`, indent(p.document, "      "));
  }
  return lines.join("\n");
}
