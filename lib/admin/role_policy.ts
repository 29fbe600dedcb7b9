/**
 * Plans for putting one inline policy on a role: a policy file
 * (`role apply-policy`) or a rendered template (`policy create-s3-policy`,
 * `policy create-dynamodb-policy`). Each reads the role and its current
 * policy first, so a second run plans nothing.
 *
 * @module
 */
import { newPlan, type Plan } from "../plan.ts";
import {
  decodePolicyDocument,
  type PolicyDocument,
  renderPolicy,
} from "../policies.ts";
import { type AwsClients, type Caller, getCaller } from "./aws.ts";
import {
  chooseAuthRole,
  getExistingRole,
  getRolePolicy,
  identitySubWarning,
  planInlineRolePolicy,
  type RoleChoice,
} from "./roles.ts";

/** What to put where. */
export interface RolePolicyRequest {
  /** Which role (named, or the Identity Pool's authenticated role). */
  role: RoleChoice;
  /** The inline policy's name. */
  policyName: string;
  /** The document, or a function making it from the caller's account. */
  document: PolicyDocument | ((caller: Caller) => PolicyDocument);
  /** Words for the plan's title, e.g. "apply policy file p.json". */
  purpose: string;
}

/**
 * Works out the plan: `sts:GetCallerIdentity`, the role (named, or
 * `GetIdentityPoolRoles`), `iam:GetRole` (it must exist), `iam:GetRolePolicy`;
 * then one `iam:PutRolePolicy` step unless the role already has the same
 * document under that name. Warns when `${cognito-identity.amazonaws.com:sub}`
 * would have no effect on this role.
 */
export async function planRolePolicy(
  clients: AwsClients,
  request: RolePolicyRequest,
): Promise<Plan> {
  const caller = await getCaller(clients);
  const chosen = await chooseAuthRole(clients, request.role);
  const role = await getExistingRole(clients, chosen.roleName);
  const document = typeof request.document === "function"
    ? request.document(caller)
    : request.document;
  const current = await getRolePolicy(
    clients,
    chosen.roleName,
    request.policyName,
  );
  const plan = newPlan(`Plan: ${request.purpose}`, [
    `account ${caller.account}, as ${caller.arn}`,
    `role ${chosen.roleName} (${chosen.how})`,
  ]);
  planInlineRolePolicy(
    plan,
    clients,
    chosen.roleName,
    request.policyName,
    document,
    current,
  );
  const warning = identitySubWarning(
    chosen.roleName,
    decodePolicyDocument(role.AssumeRolePolicyDocument),
    document,
  );
  if (warning) plan.warnings.push(warning);
  return plan;
}

/**
 * The S3 policy for a bucket: the whole bucket, or with `userSpecific` only
 * the prefix `${cognito-identity.amazonaws.com:sub}/` of each identity.
 */
export function s3Policy(
  bucket: string,
  userSpecific: boolean,
  caller: Pick<Caller, "partition">,
): PolicyDocument {
  return renderPolicy(userSpecific ? "s3UserSpecific" : "s3Bucket", {
    partition: caller.partition,
    bucket,
  });
}

/**
 * The DynamoDB policy for a table: each identity reaches only the items
 * whose partition key is its `${cognito-identity.amazonaws.com:sub}`. The
 * table's ARN uses the caller's partition and account and the given region.
 */
export function dynamodbPolicy(
  table: string,
  region: string,
  caller: Pick<Caller, "partition" | "account">,
): PolicyDocument {
  return renderPolicy("dynamodbUserSpecific", {
    partition: caller.partition,
    region,
    account: caller.account,
    table,
  });
}
