/**
 * `setup-identity-pool`: an Identity Pool for the User Pool and app client,
 * with no unauthenticated identities, its authenticated role (trusting this
 * pool only) with the seed's minimum policy, and the pool id and role name
 * saved to the config file.
 *
 * The pool is found by name, so a second run adopts the pool the first one
 * made: it changes only what differs and otherwise plans nothing.
 *
 * @module
 */
import {
  type CognitoIdentityClient,
  CreateIdentityPoolCommand,
  DescribeIdentityPoolCommand,
  type DescribeIdentityPoolCommandOutput,
  type IdentityPoolShortDescription,
  paginateListIdentityPools,
  SetIdentityPoolRolesCommand,
  UpdateIdentityPoolCommand,
} from "@aws-sdk/client-cognito-identity";
import {
  CreateRoleCommand,
  GetRoleCommand,
  UpdateAssumeRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { loadConfigFile, saveConfigFile } from "../config.ts";
import { AwsRefusedError } from "../errors.ts";
import { userPoolProviderName } from "../identity_pool.ts";
import { newPlan, type Plan } from "../plan.ts";
import { decodePolicyDocument, renderPolicy, samePolicy } from "../policies.ts";
import {
  awsCall,
  type AwsClients,
  awsFind,
  awsListAll,
  getCaller,
} from "./aws.ts";
import { AUTH_ROLE_POLICY_NAME } from "./lambda_deploy.ts";
import {
  getRolePolicy,
  identityPoolRoles,
  planInlineRolePolicy,
} from "./roles.ts";

/** What to set up. */
export interface SetupRequest {
  /** Region of the Identity Pool. */
  region: string;
  /** The Identity Pool's name (how a later run finds it again). */
  identityPoolName: string;
  /** The authenticated role's name. */
  roleName: string;
  /** The User Pool. */
  userPoolId: string;
  /** The app client. */
  clientId: string;
  /** The credential proxy function's name (the role may invoke it). */
  functionName: string;
  /** The config file to save the pool id and role name to. */
  configPath: string;
}

const NEW_POOL_ID = "(id of the new Identity Pool)";

/**
 * Reads AWS (ListIdentityPools, DescribeIdentityPool, GetIdentityPoolRoles,
 * GetRole, GetRolePolicy) and the config file, and returns the plan.
 */
export async function planSetupIdentityPool(
  clients: AwsClients,
  request: SetupRequest,
): Promise<Plan> {
  const caller = await getCaller(clients);
  const identity = clients.identityIn(request.region);
  const provider = {
    ProviderName: userPoolProviderName(request.userPoolId),
    ClientId: request.clientId,
    ServerSideTokenCheck: false,
  };
  const state: { poolId?: string } = {};
  const plan = newPlan(
    `Plan: set up Identity Pool ${request.identityPoolName}`,
    [
      `account ${caller.account}, region ${request.region}, as ${caller.arn}`,
      `User Pool ${request.userPoolId}, app client ${request.clientId}`,
    ],
  );

  // --- the pool -------------------------------------------------------------
  const found = await findPoolByName(identity, request.identityPoolName);
  let pool: DescribeIdentityPoolCommandOutput | undefined;
  if (found) {
    state.poolId = found.IdentityPoolId;
    pool = await awsCall(
      `reading Identity Pool ${found.IdentityPoolId}`,
      "cognito-identity:DescribeIdentityPool",
      () =>
        identity.send(
          new DescribeIdentityPoolCommand({
            IdentityPoolId: found.IdentityPoolId,
          }),
        ),
    );
    plan.context.push(`Identity Pool ${found.IdentityPoolId} exists (adopted)`);
    const providers = pool.CognitoIdentityProviders ?? [];
    const hasProvider = providers.some((p) =>
      p.ProviderName === provider.ProviderName &&
      p.ClientId === provider.ClientId
    );
    if (hasProvider && pool.AllowUnauthenticatedIdentities === false) {
      plan.unchanged.push(
        `Identity Pool ${found.IdentityPoolId}: accepts this User Pool and ` +
          "client, no unauthenticated identities",
      );
    } else {
      const update = {
        IdentityPoolId: pool.IdentityPoolId!,
        IdentityPoolName: pool.IdentityPoolName!,
        AllowUnauthenticatedIdentities: false,
        CognitoIdentityProviders: hasProvider
          ? providers
          : [...providers, provider],
        SupportedLoginProviders: pool.SupportedLoginProviders,
        DeveloperProviderName: pool.DeveloperProviderName,
        OpenIdConnectProviderARNs: pool.OpenIdConnectProviderARNs,
        SamlProviderARNs: pool.SamlProviderARNs,
      };
      plan.steps.push({
        call: "cognito-identity:UpdateIdentityPool",
        target: `Identity Pool ${found.IdentityPoolId}`,
        documents: [{ label: "pool", json: update }],
        run: () =>
          awsCall(
            `updating Identity Pool ${found.IdentityPoolId}`,
            "cognito-identity:UpdateIdentityPool",
            () => identity.send(new UpdateIdentityPoolCommand(update)),
          ).then(() => {}),
      });
    }
  } else {
    const create = {
      IdentityPoolName: request.identityPoolName,
      AllowUnauthenticatedIdentities: false,
      CognitoIdentityProviders: [provider],
    };
    plan.steps.push({
      call: "cognito-identity:CreateIdentityPool",
      target: `Identity Pool ${request.identityPoolName}`,
      documents: [{ label: "pool", json: create }],
      run: async () => {
        const out = await awsCall(
          `creating Identity Pool ${request.identityPoolName}`,
          "cognito-identity:CreateIdentityPool",
          () => identity.send(new CreateIdentityPoolCommand(create)),
        );
        state.poolId = out.IdentityPoolId;
      },
    });
  }

  // --- the authenticated role ---------------------------------------------
  const role = (await awsFind(
    `reading role ${request.roleName}`,
    "iam:GetRole",
    () => clients.iam.send(new GetRoleCommand({ RoleName: request.roleName })),
  ))?.Role;
  const roleArn = role?.Arn ??
    `arn:${caller.partition}:iam::${caller.account}:role/${request.roleName}`;
  const trust = () =>
    renderPolicy("identityPoolTrust", {
      identityPoolId: state.poolId ?? NEW_POOL_ID,
    });
  if (!role) {
    plan.steps.push({
      call: "iam:CreateRole",
      target: `role ${request.roleName}`,
      documents: [{ label: "trust policy", json: trust() }],
      run: () =>
        awsCall(
          `creating role ${request.roleName}`,
          "iam:CreateRole",
          () =>
            clients.iam.send(
              new CreateRoleCommand({
                RoleName: request.roleName,
                AssumeRolePolicyDocument: JSON.stringify(trust()),
                Description:
                  `Authenticated role of Identity Pool ${request.identityPoolName}`,
              }),
            ),
        ).then(() => {}),
    });
  } else if (
    state.poolId &&
    samePolicy(decodePolicyDocument(role.AssumeRolePolicyDocument), trust())
  ) {
    plan.unchanged.push(`role ${request.roleName} trust policy`);
  } else {
    plan.steps.push({
      call: "iam:UpdateAssumeRolePolicy",
      target: `role ${request.roleName}`,
      documents: [{ label: "trust policy", json: trust() }],
      run: () =>
        awsCall(
          `updating the trust policy of role ${request.roleName}`,
          "iam:UpdateAssumeRolePolicy",
          () =>
            clients.iam.send(
              new UpdateAssumeRolePolicyCommand({
                RoleName: request.roleName,
                PolicyDocument: JSON.stringify(trust()),
              }),
            ),
        ).then(() => {}),
    });
  }
  const functionArn =
    `arn:${caller.partition}:lambda:${request.region}:${caller.account}:function:${request.functionName}`;
  planInlineRolePolicy(
    plan,
    clients,
    request.roleName,
    AUTH_ROLE_POLICY_NAME,
    renderPolicy("identityPoolRole", { functionArn }),
    role
      ? await getRolePolicy(clients, request.roleName, AUTH_ROLE_POLICY_NAME)
      : undefined,
  );

  // --- the pool's roles -----------------------------------------------------
  const current = found
    ? await identityPoolRoles(clients, found.IdentityPoolId!)
    : undefined;
  if (current?.Roles?.authenticated === roleArn) {
    plan.unchanged.push(
      `Identity Pool ${found!.IdentityPoolId}: authenticated role ${roleArn}`,
    );
  } else {
    plan.steps.push({
      call: "cognito-identity:SetIdentityPoolRoles",
      target: `Identity Pool ${state.poolId ?? request.identityPoolName}`,
      details: [`authenticated role ${roleArn}`],
      run: () =>
        awsCall(
          `setting the roles of Identity Pool ${state.poolId}`,
          "cognito-identity:SetIdentityPoolRoles",
          () =>
            identity.send(
              new SetIdentityPoolRolesCommand({
                IdentityPoolId: state.poolId!,
                Roles: { ...current?.Roles, authenticated: roleArn },
                RoleMappings: current?.RoleMappings,
              }),
            ),
        ).then(() => {}),
    });
  }

  // --- the config file ------------------------------------------------------
  const file = await loadConfigFile(request.configPath);
  if (
    state.poolId && file?.settings.identityPoolId === state.poolId &&
    file.settings.authRoleName === request.roleName
  ) {
    plan.unchanged.push(`config file ${request.configPath}`);
  } else {
    plan.steps.push({
      call: "write config file",
      target: request.configPath,
      details: [
        `identity_pool_id = ${state.poolId ?? NEW_POOL_ID}`,
        `auth_role_name = ${request.roleName}`,
      ],
      run: async () => {
        const latest = await loadConfigFile(request.configPath);
        await saveConfigFile(request.configPath, {
          ...latest?.settings,
          identityPoolId: state.poolId,
          authRoleName: request.roleName,
        }, latest?.raw);
      },
    });
  }
  return plan;
}

/** The pool with this name, if there is exactly one. */
async function findPoolByName(
  identity: CognitoIdentityClient,
  name: string,
): Promise<IdentityPoolShortDescription | undefined> {
  const pools = await awsListAll(
    "listing the Identity Pools",
    "cognito-identity:ListIdentityPools",
    paginateListIdentityPools({ client: identity }, { MaxResults: 60 }),
    (page) => page.IdentityPools,
  );
  const matches = pools.filter((p) => p.IdentityPoolName === name);
  if (matches.length > 1) {
    throw new AwsRefusedError(
      `There are ${matches.length} Identity Pools named ${name} (${
        matches.map((p) => p.IdentityPoolId).join(", ")
      }); this command cannot tell which one to use. Pass another ` +
        "--identity-pool-name, or delete the extra pools.",
    );
  }
  return matches[0];
}
