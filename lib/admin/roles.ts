/**
 * The Identity Pool's authenticated role: finding it, describing it, and
 * planning an inline policy on it (or on any role named directly).
 *
 * @module
 */
import {
  GetIdentityPoolRolesCommand,
  type GetIdentityPoolRolesCommandOutput,
} from "@aws-sdk/client-cognito-identity";
import {
  GetRoleCommand,
  GetRolePolicyCommand,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
  PutRolePolicyCommand,
  type Role,
} from "@aws-sdk/client-iam";
import { ConfigError, ResourceNotFoundError } from "../errors.ts";
import type { Plan } from "../plan.ts";
import {
  decodePolicyDocument,
  IDENTITY_SUB_VARIABLE,
  type PolicyDocument,
  samePolicy,
  trustsCognitoIdentity,
  usesIdentitySub,
} from "../policies.ts";
import { awsCall, type AwsClients, awsFind, awsListAll } from "./aws.ts";

/** A role to act on and how it was chosen. */
export interface ChosenRole {
  /** The role's name. */
  roleName: string;
  /** How it was chosen, e.g. `flag --role-name`. */
  how: string;
}

/** What decides the role when none is named. */
export interface RoleChoice {
  /** A role named by flag, environment or config file. */
  roleName?: string;
  /** Where {@linkcode RoleChoice.roleName} came from. */
  roleNameSource?: string;
  /** The Identity Pool whose authenticated role is meant otherwise. */
  identityPoolId?: string;
}

/** The last part of a role ARN (roles may have paths). */
export function roleNameFromArn(arn: string): string {
  return arn.slice(arn.lastIndexOf("/") + 1);
}

/**
 * Finds the role to act on: the one named (flag, `COGNITO_AUTH_ROLE_NAME`,
 * or `auth_role_name` saved by `setup-identity-pool`), else the Identity
 * Pool's authenticated role (`GetIdentityPoolRoles`).
 */
export async function chooseAuthRole(
  clients: AwsClients,
  choice: RoleChoice,
): Promise<ChosenRole> {
  if (choice.roleName) {
    return {
      roleName: choice.roleName,
      how: choice.roleNameSource ?? "named",
    };
  }
  if (!choice.identityPoolId) {
    throw new ConfigError(
      "Which role? Pass --role-name, or set the identity pool id " +
        "(`aws-cognito-auth configure` or COGNITO_IDENTITY_POOL_ID) so its " +
        "authenticated role is used, or run `aws-cognito-admin " +
        "setup-identity-pool`.",
    );
  }
  const roles = await identityPoolRoles(clients, choice.identityPoolId);
  const arn = roles.Roles?.authenticated;
  if (!arn) {
    throw new ResourceNotFoundError(
      `The Identity Pool ${choice.identityPoolId} has no authenticated role. ` +
        "Run `aws-cognito-admin setup-identity-pool`, or pass --role-name.",
    );
  }
  return {
    roleName: roleNameFromArn(arn),
    how: `authenticated role of Identity Pool ${choice.identityPoolId}`,
  };
}

/** Reads an Identity Pool's roles (in the pool's own region). */
export function identityPoolRoles(
  clients: AwsClients,
  identityPoolId: string,
): Promise<GetIdentityPoolRolesCommandOutput> {
  const client = clients.identityIn(identityPoolId.split(":")[0]);
  return awsCall(
    `reading the roles of Identity Pool ${identityPoolId} (pass --role-name ` +
      "to name the role yourself)",
    "cognito-identity:GetIdentityPoolRoles",
    () =>
      client.send(
        new GetIdentityPoolRolesCommand({ IdentityPoolId: identityPoolId }),
      ),
  );
}

/** Reads a role; a missing role is an error that names it. */
export async function getExistingRole(
  clients: AwsClients,
  roleName: string,
  hint = "Check the name, or pass --role-name.",
): Promise<Role> {
  const out = await awsFind(
    `reading role ${roleName}`,
    "iam:GetRole",
    () => clients.iam.send(new GetRoleCommand({ RoleName: roleName })),
  );
  if (!out?.Role) {
    throw new ResourceNotFoundError(
      `The IAM role ${roleName} does not exist. ${hint}`,
    );
  }
  return out.Role;
}

/** A role, its trust policy and its policies. */
export interface RoleInfo {
  /** The role's name. */
  roleName: string;
  /** How the role was chosen. */
  how: string;
  /** Its ARN. */
  roleArn: string;
  /** When it was created (ISO 8601). */
  created?: string;
  /** Its maximum session duration in seconds. */
  maxSessionDuration?: number;
  /** Its trust policy. */
  trustPolicy: unknown;
  /** Managed policies attached to it. */
  attachedPolicies: { name: string; arn: string }[];
  /** Its inline policies with their documents. */
  inlinePolicies: { name: string; document: unknown }[];
}

/** The managed policies attached to a role (`ListAttachedRolePolicies`). */
export async function attachedRolePolicies(
  clients: AwsClients,
  roleName: string,
): Promise<{ name: string; arn: string }[]> {
  const attached = await awsListAll(
    `listing the managed policies of role ${roleName}`,
    "iam:ListAttachedRolePolicies",
    paginateListAttachedRolePolicies({ client: clients.iam }, {
      RoleName: roleName,
    }),
    (page) => page.AttachedPolicies,
  );
  return attached.map((p) => ({
    name: p.PolicyName ?? "",
    arn: p.PolicyArn ?? "",
  }));
}

/** The names of a role's inline policies (`ListRolePolicies`). */
export function inlineRolePolicyNames(
  clients: AwsClients,
  roleName: string,
): Promise<string[]> {
  return awsListAll(
    `listing the inline policies of role ${roleName}`,
    "iam:ListRolePolicies",
    paginateListRolePolicies({ client: clients.iam }, { RoleName: roleName }),
    (page) => page.PolicyNames,
  );
}

/**
 * Reads a role's details: `GetRole`, `ListAttachedRolePolicies`,
 * `ListRolePolicies` and `GetRolePolicy` for each inline policy.
 */
export async function describeRole(
  clients: AwsClients,
  chosen: ChosenRole,
): Promise<RoleInfo> {
  const { roleName } = chosen;
  const role = await getExistingRole(clients, roleName);
  const attachedPolicies = await attachedRolePolicies(clients, roleName);
  const names = await inlineRolePolicyNames(clients, roleName);
  const inlinePolicies: RoleInfo["inlinePolicies"] = [];
  for (const name of names) {
    const policy = await awsCall(
      `reading inline policy ${name} of role ${roleName}`,
      "iam:GetRolePolicy",
      () =>
        clients.iam.send(
          new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }),
        ),
    );
    inlinePolicies.push({
      name,
      document: decodePolicyDocument(policy.PolicyDocument),
    });
  }
  return {
    roleName,
    how: chosen.how,
    roleArn: role.Arn ?? "",
    created: role.CreateDate?.toISOString(),
    maxSessionDuration: role.MaxSessionDuration,
    trustPolicy: decodePolicyDocument(role.AssumeRolePolicyDocument),
    attachedPolicies,
    inlinePolicies,
  };
}

/**
 * Reads an inline role policy; `undefined` if the role has none by that
 * name.
 */
export async function getRolePolicy(
  clients: AwsClients,
  roleName: string,
  policyName: string,
): Promise<unknown> {
  const out = await awsFind(
    `reading inline policy ${policyName} of role ${roleName}`,
    "iam:GetRolePolicy",
    () =>
      clients.iam.send(
        new GetRolePolicyCommand({
          RoleName: roleName,
          PolicyName: policyName,
        }),
      ),
  );
  return out ? decodePolicyDocument(out.PolicyDocument) : undefined;
}

/**
 * Adds to `plan` a `PutRolePolicy` step, or an "unchanged" line when the
 * role already has this exact inline policy. `roleName` may be a function
 * so a role created by an earlier step can be named; `current` is what the
 * role has now (`undefined` if nothing, or if the role does not exist yet).
 */
export function planInlineRolePolicy(
  plan: Plan,
  clients: AwsClients,
  roleName: string,
  policyName: string,
  document: PolicyDocument,
  current: unknown,
): void {
  const target = `role ${roleName}, inline policy ${policyName}`;
  if (current !== undefined && samePolicy(current, document)) {
    plan.unchanged.push(`${target}: already this document`);
    return;
  }
  plan.steps.push({
    call: "iam:PutRolePolicy",
    target,
    details: [current === undefined ? "(new policy)" : "(replaces the policy)"],
    documents: [{ label: "policy", json: document }],
    run: async () => {
      await awsCall(
        `putting inline policy ${policyName} on role ${roleName}`,
        "iam:PutRolePolicy",
        () =>
          clients.iam.send(
            new PutRolePolicyCommand({
              RoleName: roleName,
              PolicyName: policyName,
              PolicyDocument: JSON.stringify(document),
            }),
          ),
      );
    },
  });
}

/**
 * A warning when a policy isolates users by
 * `${cognito-identity.amazonaws.com:sub}` but the role is not handed out by
 * Cognito Identity, so its sessions never carry that key and the isolated
 * statements match nothing. `undefined` when there is nothing to warn about.
 */
export function identitySubWarning(
  roleName: string,
  trustPolicy: unknown,
  document: unknown,
): string | undefined {
  if (!usesIdentitySub(document) || trustsCognitoIdentity(trustPolicy)) {
    return undefined;
  }
  const byUser = JSON.stringify(trustPolicy).includes(":user/");
  return `The policy isolates users by ${IDENTITY_SUB_VARIABLE}, but role ` +
    `${roleName} is not assumed through Cognito Identity (its trust policy ` +
    "does not trust cognito-identity.amazonaws.com), so its sessions do not " +
    "carry that key and the statements that use it will match nothing." +
    (byUser
      ? " This looks like the credential proxy's long-lived role: its " +
        "sessions carry the session tags CognitoUsername and CognitoSubject " +
        "(the User Pool's sub, not the identity id), usable as " +
        "${aws:PrincipalTag/CognitoSubject} in a policy of your own."
      : "");
}
