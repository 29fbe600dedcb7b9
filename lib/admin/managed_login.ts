/**
 * `managed-login enable`: turn browser sign-in (Managed Login, the
 * authorization code flow with PKCE to a loopback callback) on for an app
 * client. Reads the pool and the client, and plans only what is missing:
 *
 * - a Managed Login domain (`CreateUserPoolDomain`, a Cognito prefix domain)
 *   when the pool has none;
 * - `UpdateUserPoolClient` adding the callback URL for the port, the `code`
 *   flow, the scopes and the identity providers. UpdateUserPoolClient resets
 *   every field it is not sent, so the request carries every setting the
 *   client has (read with DescribeUserPoolClient), changed only where needed;
 *   nothing is removed.
 *
 * A second run plans nothing.
 *
 * @module
 */
import {
  type CognitoIdentityProviderClient,
  CreateUserPoolDomainCommand,
  DescribeIdentityProviderCommand,
  DescribeUserPoolClientCommand,
  DescribeUserPoolCommand,
  UpdateUserPoolClientCommand,
  type UpdateUserPoolClientCommandInput,
  type UserPoolClientType,
} from "@aws-sdk/client-cognito-identity-provider";
import { callbackUrl } from "../browser_sign_in.ts";
import { ConfigError, ResourceNotFoundError } from "../errors.ts";
import { newPlan, type Plan } from "../plan.ts";
import { awsCall, awsFind } from "./aws.ts";

/** What to turn on. */
export interface ManagedLoginRequest {
  /** The pool's region. */
  region: string;
  /** The User Pool. */
  userPoolId: string;
  /** The app client. */
  clientId: string;
  /** The loopback port whose callback URL the client must allow. */
  callbackPort: number;
  /** OAuth scopes the client must allow. */
  scopes: readonly string[];
  /** Identity providers the client must support (`COGNITO`, `Google`, ...). */
  identityProviders: readonly string[];
  /** Prefix of the domain to create when the pool has none. */
  domainPrefix?: string;
}

/** The settings UpdateUserPoolClient takes, as DescribeUserPoolClient names them. */
const CLIENT_FIELDS = [
  "ClientName",
  "RefreshTokenValidity",
  "AccessTokenValidity",
  "IdTokenValidity",
  "TokenValidityUnits",
  "ReadAttributes",
  "WriteAttributes",
  "ExplicitAuthFlows",
  "SupportedIdentityProviders",
  "CallbackURLs",
  "LogoutURLs",
  "DefaultRedirectURI",
  "AllowedOAuthFlows",
  "AllowedOAuthScopes",
  "AllowedOAuthFlowsUserPoolClient",
  "AnalyticsConfiguration",
  "PreventUserExistenceErrors",
  "EnableTokenRevocation",
  "EnablePropagateAdditionalUserContextData",
  "AuthSessionValidity",
  "RefreshTokenRotation",
] as const satisfies readonly (keyof UpdateUserPoolClientCommandInput)[];

/**
 * The default domain prefix for a pool: `login-` and the pool id's part after
 * the underscore, in lower case (prefixes take a-z, 0-9 and `-`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { defaultDomainPrefix } from "./managed_login.ts";
 * assert.equal(defaultDomainPrefix("us-east-1_AbC123xyz"), "login-abc123xyz");
 * ```
 */
export function defaultDomainPrefix(userPoolId: string): string {
  const id = userPoolId.slice(userPoolId.indexOf("_") + 1).toLowerCase()
    .replace(/[^a-z0-9]/g, "");
  return `login-${id}`.slice(0, 63);
}

/** Whether `prefix` can be a Cognito prefix domain. */
export function isDomainPrefix(prefix: string): boolean {
  return /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(prefix) &&
    !/aws|amazon|cognito/.test(prefix);
}

/** The https origin of a pool's prefix domain. */
export function prefixDomainOrigin(prefix: string, region: string): string {
  return `https://${prefix}.auth.${region}.amazoncognito.com`;
}

/**
 * Reads the pool (DescribeUserPool), the client (DescribeUserPoolClient) and
 * the identity providers named (DescribeIdentityProvider), and returns the
 * plan.
 */
export async function planManagedLogin(
  idp: CognitoIdentityProviderClient,
  request: ManagedLoginRequest,
): Promise<Plan> {
  const { userPoolId, clientId, region } = request;
  const pool = await awsFind(
    `reading User Pool ${userPoolId}`,
    "cognito-idp:DescribeUserPool",
    () => idp.send(new DescribeUserPoolCommand({ UserPoolId: userPoolId })),
  );
  if (!pool?.UserPool) {
    throw new ResourceNotFoundError(
      `User Pool ${userPoolId} was not found in ${region}. Check ` +
        "user_pool_id and the region.",
    );
  }
  const found = await awsFind(
    `reading app client ${clientId}`,
    "cognito-idp:DescribeUserPoolClient",
    () =>
      idp.send(
        new DescribeUserPoolClientCommand({
          UserPoolId: userPoolId,
          ClientId: clientId,
        }),
      ),
  );
  const client = found?.UserPoolClient;
  if (!client) {
    throw new ResourceNotFoundError(
      `App client ${clientId} was not found in User Pool ${userPoolId}. ` +
        "Check client_id.",
    );
  }
  for (const name of request.identityProviders) {
    if (name === "COGNITO") continue;
    const provider = await awsFind(
      `reading identity provider ${name}`,
      "cognito-idp:DescribeIdentityProvider",
      () =>
        idp.send(
          new DescribeIdentityProviderCommand({
            UserPoolId: userPoolId,
            ProviderName: name,
          }),
        ),
    );
    if (!provider?.IdentityProvider) {
      throw new ConfigError(
        `User Pool ${userPoolId} has no identity provider named ${name}. ` +
          "Add it first (Cognito console, or aws cognito-idp " +
          "create-identity-provider), or leave it out of --identity-provider.",
      );
    }
  }

  const plan = newPlan(
    `Plan: turn on browser sign-in (Managed Login) for app client ${clientId}`,
    [`User Pool ${userPoolId}, region ${region}`],
  );

  // --- the domain -------------------------------------------------------------
  const pooled = pool.UserPool;
  if (pooled.CustomDomain) {
    const origin = `https://${pooled.CustomDomain}`;
    plan.unchanged.push(`Managed Login domain ${origin} (custom domain)`);
    plan.context.push(`managed_login_domain: ${origin}`);
  } else if (pooled.Domain) {
    const origin = prefixDomainOrigin(pooled.Domain, region);
    plan.unchanged.push(`Managed Login domain ${origin}`);
    plan.context.push(`managed_login_domain: ${origin}`);
  } else {
    const prefix = request.domainPrefix ?? defaultDomainPrefix(userPoolId);
    if (!isDomainPrefix(prefix)) {
      throw new ConfigError(
        `${
          JSON.stringify(prefix)
        } cannot be a domain prefix: use 1 to 63 of a-z, 0-9 and - (not at ` +
          "either end), without aws, amazon or cognito.",
      );
    }
    const origin = prefixDomainOrigin(prefix, region);
    plan.context.push(`managed_login_domain: ${origin} (to be created)`);
    plan.steps.push({
      call: "cognito-idp:CreateUserPoolDomain",
      target: `domain ${prefix} for User Pool ${userPoolId}`,
      details: [`serves ${origin}`],
      run: async () => {
        await awsCall(
          `creating the domain ${prefix}`,
          "cognito-idp:CreateUserPoolDomain",
          () =>
            idp.send(
              new CreateUserPoolDomainCommand({
                UserPoolId: userPoolId,
                Domain: prefix,
              }),
            ),
        );
      },
    });
  }

  // --- the app client ------------------------------------------------------------
  const wanted = {
    CallbackURLs: [callbackUrl(request.callbackPort)],
    AllowedOAuthFlows: ["code"],
    AllowedOAuthScopes: [...request.scopes],
    SupportedIdentityProviders: [...request.identityProviders],
  };
  const details: string[] = [];
  const update: UpdateUserPoolClientCommandInput = {
    UserPoolId: userPoolId,
    ClientId: clientId,
  };
  const fields = update as unknown as Record<string, unknown>;
  for (const field of CLIENT_FIELDS) {
    const value = client[field as keyof UserPoolClientType];
    if (value !== undefined) {
      fields[field] = value;
    }
  }
  for (const [field, values] of Object.entries(wanted)) {
    const have = (client[field as keyof UserPoolClientType] ?? []) as string[];
    const missing = values.filter((value) => !have.includes(value));
    if (missing.length > 0) {
      fields[field] = [...have, ...missing];
      details.push(`${field}: add ${missing.join(", ")}`);
    }
  }
  if (client.AllowedOAuthFlowsUserPoolClient !== true) {
    update.AllowedOAuthFlowsUserPoolClient = true;
    details.push("AllowedOAuthFlowsUserPoolClient: true");
  }
  if (details.length === 0) {
    plan.unchanged.push(
      `app client ${clientId}: callback ${
        callbackUrl(request.callbackPort)
      }, code flow, scopes ${request.scopes.join(" ")}, identity providers ` +
        request.identityProviders.join(", "),
    );
  } else {
    plan.steps.push({
      call: "cognito-idp:UpdateUserPoolClient",
      target: `app client ${clientId}`,
      details: [
        ...details,
        "every other setting of the client is sent as it is (the call " +
        "resets what it is not sent)",
      ],
      run: async () => {
        await awsCall(
          `updating app client ${clientId}`,
          "cognito-idp:UpdateUserPoolClient",
          () => idp.send(new UpdateUserPoolClientCommand(update)),
        );
      },
    });
  }
  if (client.ClientSecret) {
    plan.context.push(
      "the client has a secret: aws-cognito-auth needs it as " +
        "COGNITO_CLIENT_SECRET or client_secret",
    );
  }
  return plan;
}
