/**
 * Builds the Cognito resources one test needs in moto, through the real AWS
 * SDK: a user pool, an app client, a confirmed user, an identity pool and its
 * authenticated role. Every call gets fresh names, so tests never share state.
 *
 * @module
 */
import {
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
} from "@aws-sdk/client-cognito-identity";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { type MotoServer, REGION } from "./moto.ts";

/** The resources {@linkcode createCognitoStack} made. */
export interface CognitoStack {
  userPoolId: string;
  clientId: string;
  identityPoolId: string;
  roleArn: string;
  username: string;
  password: string;
  /** `COGNITO_*` variables pointing the tool at this stack. */
  env: Record<string, string>;
}

/** Options of {@linkcode createCognitoStack}. */
export interface StackOptions {
  /** Leave the user with a temporary password (NEW_PASSWORD_REQUIRED). */
  temporaryPassword?: boolean;
  /** Allow USER_PASSWORD_AUTH on the client (default true). */
  passwordAuth?: boolean;
}

function clientConfig(moto: MotoServer) {
  return {
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
  };
}

/** Creates a fresh user pool, client, user, identity pool and role in moto. */
export async function createCognitoStack(
  moto: MotoServer,
  options: StackOptions = {},
): Promise<CognitoStack> {
  const tag = crypto.randomUUID().slice(0, 8);
  const idp = new CognitoIdentityProviderClient(clientConfig(moto));
  const identity = new CognitoIdentityClient(clientConfig(moto));
  const iam = new IAMClient(clientConfig(moto));
  try {
    const pool = await idp.send(
      new CreateUserPoolCommand({ PoolName: `pool-${tag}` }),
    );
    const userPoolId = pool.UserPool!.Id!;
    const client = await idp.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: `client-${tag}`,
        ExplicitAuthFlows: options.passwordAuth === false
          ? ["ALLOW_REFRESH_TOKEN_AUTH"]
          : ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
      }),
    );
    const clientId = client.UserPoolClient!.ClientId!;
    const username = `user-${tag}`;
    const password = `Pw-${crypto.randomUUID()}!a1`;
    await idp.send(
      new AdminCreateUserCommand({
        UserPoolId: userPoolId,
        Username: username,
        TemporaryPassword: password,
        MessageAction: "SUPPRESS",
      }),
    );
    if (!options.temporaryPassword) {
      await idp.send(
        new AdminSetUserPasswordCommand({
          UserPoolId: userPoolId,
          Username: username,
          Password: password,
          Permanent: true,
        }),
      );
    }
    const ip = await identity.send(
      new CreateIdentityPoolCommand({
        IdentityPoolName: `identities_${tag}`,
        AllowUnauthenticatedIdentities: false,
        CognitoIdentityProviders: [{
          ProviderName: `cognito-idp.${REGION}.amazonaws.com/${userPoolId}`,
          ClientId: clientId,
        }],
      }),
    );
    const identityPoolId = ip.IdentityPoolId!;
    const role = await iam.send(
      new CreateRoleCommand({
        RoleName: `cognito-auth-${tag}`,
        AssumeRolePolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{
            Effect: "Allow",
            Principal: { Federated: "cognito-identity.amazonaws.com" },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: {
                "cognito-identity.amazonaws.com:aud": identityPoolId,
              },
              "ForAnyValue:StringLike": {
                "cognito-identity.amazonaws.com:amr": "authenticated",
              },
            },
          }],
        }),
      }),
    );
    return {
      userPoolId,
      clientId,
      identityPoolId,
      roleArn: role.Role!.Arn!,
      username,
      password,
      env: {
        COGNITO_USER_POOL_ID: userPoolId,
        COGNITO_CLIENT_ID: clientId,
        COGNITO_IDENTITY_POOL_ID: identityPoolId,
      },
    };
  } finally {
    idp.destroy();
    identity.destroy();
    iam.destroy();
  }
}
