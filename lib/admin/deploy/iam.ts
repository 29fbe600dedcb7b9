/**
 * The IAM steps of `lambda deploy`: the proxy user and its policy, the
 * long-lived role, the execution role and its log policy, and the Identity
 * Pool role's permission to invoke the function.
 *
 * @module
 */
import {
  CreateRoleCommand,
  CreateUserCommand,
  GetUserPolicyCommand,
  PutUserPolicyCommand,
  type Role,
  UpdateAssumeRolePolicyCommand,
  UpdateRoleCommand,
} from "@aws-sdk/client-iam";
import type { Plan } from "../../plan.ts";
import {
  decodePolicyDocument,
  type PolicyDocument,
  renderPolicy,
  samePolicy,
} from "../../policies.ts";
import {
  awsCall,
  type AwsClients,
  awsErrorCode,
  awsFind,
  type Backoff,
  describeAwsError,
  retryWhilePending,
} from "../aws.ts";
import {
  attachedRolePolicies,
  chooseAuthRole,
  getExistingRole,
  getRolePolicy,
  inlineRolePolicyNames,
  planInlineRolePolicy,
  type RoleChoice,
} from "../roles.ts";
import { LONG_LIVED_MAX_SESSION } from "./environment.ts";
import type { DeployTarget } from "./target.ts";

/** Inline policy of the proxy's IAM user. */
export const USER_POLICY_NAME = "CognitoProxyAssumeLongLivedRole";
/** Inline policy of the execution role. */
export const LOGS_POLICY_NAME = "CognitoProxyLogs";
/**
 * Inline policy of the Identity Pool's authenticated role (the seed's
 * minimum policy; `setup-identity-pool` writes the same one).
 */
export const AUTH_ROLE_POLICY_NAME = "CognitoAuthoriserMinimum";

/** What the IAM steps need besides the plan. */
export interface IamDeps {
  /** SDK clients. */
  clients: AwsClients;
  /** Waiting between retries while IAM propagates. */
  backoff: Backoff;
}

/**
 * Step 1: the IAM user (`iam:CreateUser`) and its inline policy, which
 * allows `sts:AssumeRole` and `sts:TagSession` on the long-lived role only.
 */
export async function planProxyUser(
  plan: Plan,
  clients: AwsClients,
  target: DeployTarget,
): Promise<void> {
  const { userName } = target;
  if (!target.userExists) {
    plan.steps.push({
      call: "iam:CreateUser",
      target: `user ${userName}`,
      run: () =>
        awsCall(
          `creating IAM user ${userName}`,
          "iam:CreateUser",
          () => clients.iam.send(new CreateUserCommand({ UserName: userName })),
        ).then(() => {}),
    });
  } else plan.unchanged.push(`IAM user ${userName} exists`);

  const policy = renderPolicy("proxyUser", {
    longLivedRoleArn: target.longLivedArn,
  });
  const current = target.userExists
    ? await awsFind(
      `reading inline policy ${USER_POLICY_NAME} of user ${userName}`,
      "iam:GetUserPolicy",
      () =>
        clients.iam.send(
          new GetUserPolicyCommand({
            UserName: userName,
            PolicyName: USER_POLICY_NAME,
          }),
        ),
    )
    : undefined;
  if (
    current && samePolicy(decodePolicyDocument(current.PolicyDocument), policy)
  ) {
    plan.unchanged.push(`user ${userName}, inline policy ${USER_POLICY_NAME}`);
    return;
  }
  plan.steps.push({
    call: "iam:PutUserPolicy",
    target: `user ${userName}, inline policy ${USER_POLICY_NAME}`,
    documents: [{ label: "policy", json: policy }],
    run: () =>
      awsCall(
        `putting policy ${USER_POLICY_NAME} on user ${userName}`,
        "iam:PutUserPolicy",
        () =>
          clients.iam.send(
            new PutUserPolicyCommand({
              UserName: userName,
              PolicyName: USER_POLICY_NAME,
              PolicyDocument: JSON.stringify(policy),
            }),
          ),
      ).then(() => {}),
  });
}

/**
 * Step 2: the long-lived role, trusting exactly the proxy user (with
 * `sts:TagSession`), MaxSessionDuration 12 hours; a warning when it has no
 * permissions policies yet.
 */
export async function planLongLivedRole(
  plan: Plan,
  deps: IamDeps,
  target: DeployTarget,
  roleName: string,
): Promise<void> {
  planRole(plan, deps, {
    roleName,
    existing: target.longLived,
    trust: renderPolicy("longLivedTrust", { proxyUserArn: target.userArn }),
    maxSessionDuration: LONG_LIVED_MAX_SESSION,
    description:
      "Assumed by the Cognito credential proxy for sessions of up to 12 hours",
  });
  if (
    !target.longLived || !(await roleHasPolicies(deps.clients, roleName))
  ) {
    plan.warnings.push(
      `The long-lived role ${roleName} has no permissions policies, so the ` +
        "12-hour credentials can do nothing yet. Give it some with " +
        `\`aws-cognito-admin role apply-policy --role-name ${roleName} ` +
        "--policy-file ... --policy-name ...`.",
    );
  }
}

/**
 * Step 3: the execution role, trusted by Lambda, with a policy for its own
 * log group only.
 */
export async function planExecutionRole(
  plan: Plan,
  deps: IamDeps,
  target: DeployTarget,
  input: { roleName: string; region: string; functionName: string },
): Promise<void> {
  const { roleName } = input;
  planRole(plan, deps, {
    roleName,
    existing: target.execution,
    trust: renderPolicy("lambdaTrust", {}),
    description: "Execution role of the Cognito credential proxy function",
  });
  planInlineRolePolicy(
    plan,
    deps.clients,
    roleName,
    LOGS_POLICY_NAME,
    renderPolicy("lambdaLogs", {
      partition: target.caller.partition,
      region: input.region,
      account: target.caller.account,
      functionName: input.functionName,
    }),
    target.execution
      ? await getRolePolicy(deps.clients, roleName, LOGS_POLICY_NAME)
      : undefined,
  );
}

/**
 * Step 7: the Identity Pool's authenticated role (or the one named) may
 * invoke the function. Throws when that role does not exist.
 */
export async function planInvokePermission(
  plan: Plan,
  clients: AwsClients,
  authRole: RoleChoice,
  functionArn: string,
): Promise<void> {
  const role = await chooseAuthRole(clients, authRole);
  await getExistingRole(
    clients,
    role.roleName,
    "Run `aws-cognito-admin setup-identity-pool`, or pass --role-name.",
  );
  planInlineRolePolicy(
    plan,
    clients,
    role.roleName,
    AUTH_ROLE_POLICY_NAME,
    renderPolicy("identityPoolRole", { functionArn }),
    await getRolePolicy(clients, role.roleName, AUTH_ROLE_POLICY_NAME),
  );
  plan.context.push(`Identity Pool role ${role.roleName} (${role.how})`);
}

/** Whether a role has any inline or attached policy. */
async function roleHasPolicies(
  clients: AwsClients,
  roleName: string,
): Promise<boolean> {
  return (await inlineRolePolicyNames(clients, roleName)).length > 0 ||
    (await attachedRolePolicies(clients, roleName)).length > 0;
}

/** Adds the steps that make a role exist with this trust and duration. */
function planRole(
  plan: Plan,
  deps: IamDeps,
  wanted: {
    roleName: string;
    existing: Role | undefined;
    trust: PolicyDocument;
    maxSessionDuration?: number;
    description: string;
  },
): void {
  const { clients } = deps;
  const { roleName, existing, trust } = wanted;
  /** Retries while IAM does not yet know the principal the trust names. */
  const propagated = (
    doing: string,
    permission: string,
    call: () => Promise<unknown>,
  ) =>
    retryWhilePending(call, isPrincipalNotYetKnown, deps.backoff).then(
      () => {},
      (error) => {
        throw describeAwsError(error, doing, permission);
      },
    );
  if (!existing) {
    plan.steps.push({
      call: "iam:CreateRole",
      target: `role ${roleName}` +
        (wanted.maxSessionDuration
          ? ` (MaxSessionDuration ${wanted.maxSessionDuration})`
          : ""),
      documents: [{ label: "trust policy", json: trust }],
      run: () =>
        propagated(
          `creating role ${roleName}`,
          "iam:CreateRole",
          () =>
            clients.iam.send(
              new CreateRoleCommand({
                RoleName: roleName,
                AssumeRolePolicyDocument: JSON.stringify(trust),
                MaxSessionDuration: wanted.maxSessionDuration,
                Description: wanted.description,
              }),
            ),
        ),
    });
    return;
  }
  if (
    samePolicy(decodePolicyDocument(existing.AssumeRolePolicyDocument), trust)
  ) {
    plan.unchanged.push(`role ${roleName} trust policy`);
  } else {
    plan.steps.push({
      call: "iam:UpdateAssumeRolePolicy",
      target: `role ${roleName}`,
      documents: [{ label: "trust policy", json: trust }],
      run: () =>
        propagated(
          `updating the trust policy of role ${roleName}`,
          "iam:UpdateAssumeRolePolicy",
          () =>
            clients.iam.send(
              new UpdateAssumeRolePolicyCommand({
                RoleName: roleName,
                PolicyDocument: JSON.stringify(trust),
              }),
            ),
        ),
    });
  }
  const max = wanted.maxSessionDuration;
  if (max === undefined) return;
  if (existing.MaxSessionDuration === max) {
    plan.unchanged.push(`role ${roleName} MaxSessionDuration ${max}`);
    return;
  }
  plan.steps.push({
    call: "iam:UpdateRole",
    target: `role ${roleName} (MaxSessionDuration ${
      existing.MaxSessionDuration ?? 3600
    } -> ${max})`,
    run: () =>
      awsCall(
        `updating role ${roleName}`,
        "iam:UpdateRole",
        () =>
          clients.iam.send(
            new UpdateRoleCommand({
              RoleName: roleName,
              MaxSessionDuration: max,
            }),
          ),
      ).then(() => {}),
  });
}

/** IAM has not yet seen a principal created a moment ago. */
function isPrincipalNotYetKnown(error: unknown): boolean {
  return awsErrorCode(error) === "MalformedPolicyDocument" &&
    /invalid principal/i.test((error as Error)?.message ?? "");
}
