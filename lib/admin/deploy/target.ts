/**
 * The first part of `lambda deploy`: reading what exists (nothing changes).
 * Who the caller is, the function and its environment, whose key the proxy
 * uses, that user, and the two roles, with the ARNs each will have.
 *
 * @module
 */
import { GetRoleCommand, GetUserCommand, type Role } from "@aws-sdk/client-iam";
import {
  type FunctionConfiguration,
  GetFunctionCommand,
} from "@aws-sdk/client-lambda";
import { ResourceNotFoundError } from "../../errors.ts";
import { type AwsClients, awsFind, type Caller, getCaller } from "../aws.ts";
import { type Environment, functionKey } from "./environment.ts";
import { type KeySource, proxyUserName } from "./access_key.ts";

/** The names a deploy acts on. */
export interface TargetNames {
  /** Region of the function and layer. */
  region: string;
  /** The function's name. */
  functionName: string;
  /** Where the user's key comes from. */
  keys: KeySource;
  /** The role the proxy assumes. */
  longLivedRoleName: string;
  /** The function's execution role. */
  executionRoleName: string;
}

/** What AWS holds now, as the steps need it. */
export interface DeployTarget {
  /** Who runs the deploy. */
  caller: Caller;
  /** The function as it is, if it exists. */
  fn?: FunctionConfiguration;
  /** Its environment (empty for a new function). */
  fnEnv: Environment;
  /** The function's ARN (now or once created). */
  functionArn: string;
  /** The IAM user whose key the proxy uses. */
  userName: string;
  /** Whether that user exists. */
  userExists: boolean;
  /** Its ARN. */
  userArn: string;
  /** The long-lived role, if it exists. */
  longLived?: Role;
  /** Its ARN. */
  longLivedArn: string;
  /** The execution role, if it exists. */
  execution?: Role;
  /** Its ARN. */
  executionArn: string;
}

/**
 * Reads the caller, the function, the proxy user and the roles. Throws when
 * the key's user does not exist and may not be created.
 */
export async function readDeployTarget(
  names: TargetNames,
  clients: AwsClients,
): Promise<DeployTarget> {
  const caller = await getCaller(clients);
  const arn = (service: string, resource: string, regional = false) =>
    `arn:${caller.partition}:${service}:${
      regional ? names.region : ""
    }:${caller.account}:${resource}`;
  const fn = (await awsFind(
    `reading function ${names.functionName}`,
    "lambda:GetFunction",
    () =>
      clients.lambda.send(
        new GetFunctionCommand({ FunctionName: names.functionName }),
      ),
  ))?.Configuration;
  const fnEnv = fn?.Environment?.Variables ?? {};
  const userName = await proxyUserName(clients, names.keys, functionKey(fnEnv));
  const user = (await awsFind(
    `reading IAM user ${userName}`,
    "iam:GetUser",
    () => clients.iam.send(new GetUserCommand({ UserName: userName })),
  ))?.User;
  if (!user && names.keys.mode !== "create-user") {
    throw new ResourceNotFoundError(
      `The IAM user ${userName} of the access key does not exist.`,
    );
  }
  const longLived = await findRole(clients, names.longLivedRoleName);
  const execution = await findRole(clients, names.executionRoleName);
  return {
    caller,
    fn,
    fnEnv,
    functionArn: fn?.FunctionArn ??
      arn("lambda", `function:${names.functionName}`, true),
    userName,
    userExists: user !== undefined,
    userArn: user?.Arn ?? arn("iam", `user/${userName}`),
    longLived,
    longLivedArn: longLived?.Arn ??
      arn("iam", `role/${names.longLivedRoleName}`),
    execution,
    executionArn: execution?.Arn ??
      arn("iam", `role/${names.executionRoleName}`),
  };
}

function findRole(
  clients: AwsClients,
  roleName: string,
): Promise<Role | undefined> {
  return awsFind(
    `reading role ${roleName}`,
    "iam:GetRole",
    () => clients.iam.send(new GetRoleCommand({ RoleName: roleName })),
  ).then((out) => out?.Role);
}
