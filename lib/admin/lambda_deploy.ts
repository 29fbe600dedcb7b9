/**
 * `lambda deploy`: everything the credential proxy needs, as one plan.
 *
 * Read first (nothing changes): the caller, the function, the IAM user and
 * its keys, the long-lived role, the execution role, the runtime layer, the
 * Identity Pool role. Then, only where AWS differs from what is wanted, one
 * function per step (in `deploy/`), each given what it needs and returning
 * what later steps use:
 *
 * 1. `iam:CreateUser` and `iam:PutUserPolicy` (sts:AssumeRole and
 *    sts:TagSession on the long-lived role, nothing else);
 * 2. `iam:CreateRole` / `iam:UpdateAssumeRolePolicy` / `iam:UpdateRole` for
 *    the long-lived role (MaxSessionDuration 43200, trusting exactly that
 *    user, with sts:TagSession);
 * 3. `iam:CreateRole` / `iam:UpdateAssumeRolePolicy` and `iam:PutRolePolicy`
 *    (its own log group only) for the execution role;
 * 4. `iam:CreateAccessKey` when the user has no key the function holds
 *    (never silently: an existing key is reused, or the command stops);
 * 5. `lambda:PublishLayerVersion` for the Deno runtime layer;
 * 6. `lambda:CreateFunction`, or `lambda:UpdateFunctionCode` and
 *    `lambda:UpdateFunctionConfiguration`, each waiting until the function
 *    is ready;
 * 7. `iam:PutRolePolicy` on the Identity Pool's authenticated role so it may
 *    invoke the function;
 * 8. a check that the user's key can assume the long-lived role with session
 *    tags (retried while IAM propagates), and with `--rotate-key`
 *    `iam:DeleteAccessKey` of the key the function used before.
 *
 * @module
 */
import { newPlan, type Plan } from "../plan.ts";
import { type AwsClients, type Backoff, maskKeyId } from "./aws.ts";
import type { LayerSource } from "./deno_layer.ts";
import type { RoleChoice } from "./roles.ts";
import {
  type KeySource,
  planAccessKey,
  planAssumeRoleCheck,
  planRetireKey,
} from "./deploy/access_key.ts";
import { functionKey, LEGACY_KEY_NAMES } from "./deploy/environment.ts";
import { planFunction } from "./deploy/function.ts";
import {
  planExecutionRole,
  planInvokePermission,
  planLongLivedRole,
  planProxyUser,
} from "./deploy/iam.ts";
import { planLayer } from "./deploy/layer.ts";
import { readDeployTarget } from "./deploy/target.ts";
import type { FunctionWait } from "./deploy/wait.ts";

export type { KeySource } from "./deploy/access_key.ts";
export type { FunctionWait } from "./deploy/wait.ts";
export { checkBundle } from "./deploy/bundle.ts";
export {
  ACCESS_TOKEN_CHECK,
  ACCESS_TOKEN_CHECK_FOR_NEW,
  LEGACY_KEY_NAMES,
  LONG_LIVED_MAX_SESSION,
} from "./deploy/environment.ts";
export { FUNCTION_SETTINGS } from "./deploy/function.ts";
export {
  AUTH_ROLE_POLICY_NAME,
  LOGS_POLICY_NAME,
  USER_POLICY_NAME,
} from "./deploy/iam.ts";

/** What to deploy. */
export interface LambdaDeployRequest {
  /** Region of the function and layer. */
  region: string;
  /** The User Pool whose ID tokens the proxy accepts. */
  userPoolId: string;
  /** App client ids accepted as audience. */
  clientIds: string[];
  /** The function's name. */
  functionName: string;
  /** The zip to deploy (`dist/lambda.zip`, or one built elsewhere). */
  bundle: Uint8Array;
  /** Where the bundle came from, for the plan. */
  bundlePath: string;
  /** The Deno runtime layer. */
  layer: LayerSource;
  /** The layer's name. */
  layerName: string;
  /** Where the user's key comes from. */
  keys: KeySource;
  /** The role the proxy assumes. */
  longLivedRoleName: string;
  /** The function's execution role. */
  executionRoleName: string;
  /** The Identity Pool role that may invoke the function. */
  authRole: RoleChoice;
}

/** What {@linkcode planLambdaDeploy} needs besides the request. */
export interface DeployDeps {
  /** SDK clients. */
  clients: AwsClients;
  /** Waiting between retries while IAM propagates. */
  backoff: Backoff;
  /** How the SDK waiters poll the function (tests make it quick). */
  wait?: FunctionWait;
}

/**
 * Reads AWS and returns the plan. Throws before any change when the request
 * cannot be carried out (keys that do not work, a user whose key cannot be
 * read back, no role to grant invoke to).
 */
export async function planLambdaDeploy(
  request: LambdaDeployRequest,
  deps: DeployDeps,
): Promise<Plan> {
  const { clients, backoff } = deps;
  const target = await readDeployTarget(request, clients);
  const { userName } = target;
  const plan = newPlan("Plan: deploy the credential proxy", [
    `account ${target.caller.account}, region ${request.region}, as ${target.caller.arn}`,
    `function ${request.functionName} from ${request.bundlePath}`,
    `IAM user ${userName}, long-lived role ${request.longLivedRoleName}, ` +
    `execution role ${request.executionRoleName}`,
  ]);

  await planProxyUser(plan, clients, target);
  await planLongLivedRole(plan, deps, target, request.longLivedRoleName);
  await planExecutionRole(plan, deps, target, {
    roleName: request.executionRoleName,
    region: request.region,
    functionName: request.functionName,
  });
  const fnKey = functionKey(target.fnEnv);
  const { key, retire } = await planAccessKey(plan, clients, {
    keys: request.keys,
    userName,
    userExists: target.userExists,
    fnKey,
  });
  const layerArn = await planLayer(
    plan,
    clients,
    request.layerName,
    request.layer,
  );
  await planFunction(plan, deps, {
    functionName: request.functionName,
    bundle: request.bundle,
    settings: {
      userPoolId: request.userPoolId,
      clientIds: request.clientIds,
      longLivedRoleArn: target.longLivedArn,
    },
    target,
    key,
    layerArn,
    layerName: request.layerName,
  });
  await planInvokePermission(
    plan,
    clients,
    request.authRole,
    target.functionArn,
  );
  if (plan.steps.length > 0) {
    planAssumeRoleCheck(plan, {
      clients,
      backoff,
      key,
      roleName: request.longLivedRoleName,
      roleArn: target.longLivedArn,
      userName,
      caller: target.caller,
    });
  }
  if (retire) planRetireKey(plan, clients, userName, retire);
  warnOfLegacyKey(plan, target.fnEnv, key.known?.accessKeyId);
  return plan;
}

/**
 * The original tool's key leaves the function; when the function will hold
 * another key, that one still exists in IAM, and the reader should know.
 */
function warnOfLegacyKey(
  plan: Plan,
  fnEnv: Record<string, string>,
  keptKeyId: string | undefined,
): void {
  const legacyId = fnEnv[LEGACY_KEY_NAMES.accessKeyId];
  if (!legacyId || legacyId === keptKeyId) return;
  plan.warnings.push(
    `The function held the original tool's access key ${
      maskKeyId(legacyId)
    } (${LEGACY_KEY_NAMES.accessKeyId}); it is removed from the function, but ` +
      "the key itself still exists in IAM. Delete it with `aws iam " +
      "delete-access-key` once nothing else uses it.",
  );
}
