/**
 * Builds the Cognito resources one test needs in moto, through the real AWS
 * SDK: a user pool, an app client, a confirmed user, an identity pool and its
 * authenticated role. Every call gets fresh names, so tests never share state.
 * Options add an app client secret, SRP, e-mail user names and MFA.
 *
 * @module
 */
import {
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminInitiateAuthCommand,
  AdminSetUserMFAPreferenceCommand,
  AdminSetUserPasswordCommand,
  AdminUserGlobalSignOutCommand,
  AssociateSoftwareTokenCommand,
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  type ExplicitAuthFlowsType,
  SetUserMFAPreferenceCommand,
  SetUserPoolMfaConfigCommand,
  VerifySoftwareTokenCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  CognitoIdentityClient,
  CreateIdentityPoolCommand,
} from "@aws-sdk/client-cognito-identity";
import { CreateRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { createHmac } from "node:crypto";
import { Agent } from "node:https";
import { type MotoServer, REGION } from "./moto.ts";

/** The resources {@linkcode createCognitoStack} made. */
export interface CognitoStack {
  userPoolId: string;
  clientId: string;
  identityPoolId: string;
  roleArn: string;
  /** The name the user signs in with (an e-mail address with `emailUsername`). */
  username: string;
  password: string;
  /**
   * The name Cognito keeps for the user: `username`, or with
   * `emailUsername` the generated id that is also the `sub`.
   */
  internalUsername: string;
  /** The app client's secret (only with `clientSecret: true`). */
  clientSecret?: string;
  /** The user's TOTP secret, base32 (only with `mfa: "totp"`). */
  totpSecret?: string;
  /** `COGNITO_*` variables pointing the tool at this stack. */
  env: Record<string, string>;
}

/** Options of {@linkcode createCognitoStack}. */
export interface StackOptions {
  /** Leave the user with a temporary password (NEW_PASSWORD_REQUIRED). */
  temporaryPassword?: boolean;
  /** Allow USER_PASSWORD_AUTH on the client (default true). */
  passwordAuth?: boolean;
  /** Also allow USER_SRP_AUTH on the client (default false). */
  srpAuth?: boolean;
  /** Give the app client a secret (default false). */
  clientSecret?: boolean;
  /**
   * Make the pool sign users in by e-mail address (`UsernameAttributes`),
   * so the user name is an alias and Cognito's own name is the `sub`.
   */
  emailUsername?: boolean;
  /**
   * Set the pool's MFA configuration, with software tokens enabled
   * (`ON` makes moto ask users without MFA for MFA_SETUP).
   */
  poolMfa?: "ON" | "OPTIONAL";
  /**
   * Enrol the user in MFA and make it preferred: `totp` through
   * AssociateSoftwareToken, VerifySoftwareToken and SetUserMFAPreference
   * (so moto must run with MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true for
   * codes to be checked), `sms` through AdminSetUserMFAPreference.
   */
  mfa?: "totp" | "sms";
}

/**
 * The RFC 6238 TOTP code (SHA-1, 6 digits, 30-second steps) of a base32
 * secret at a time, as authenticator apps and moto compute it.
 */
export function totpCode(secret: string, at: Date = new Date()): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const bytes: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of secret.toUpperCase().replace(/=+$/, "")) {
    const index = alphabet.indexOf(char);
    if (index < 0) throw new Error(`not base32: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  const counter = new Uint8Array(8);
  let step = Math.floor(at.getTime() / 1000 / 30);
  for (let i = 7; i >= 0; i--) {
    counter[i] = step & 0xff;
    step = Math.floor(step / 256);
  }
  const mac = createHmac("sha1", new Uint8Array(bytes)).update(counter)
    .digest();
  const offset = mac[19] & 0x0f;
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) |
    (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 1_000_000).padStart(6, "0");
}

/**
 * A TOTP code that stays valid for at least `validForMs` more (default two
 * seconds): waits out the end of the current 30-second step first when less
 * is left, because moto accepts only the code of the current step.
 */
export async function freshTotpCode(
  secret: string,
  validForMs = 2_000,
): Promise<string> {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < validForMs) await new Promise((r) => setTimeout(r, left + 100));
  return totpCode(secret);
}

/**
 * Writes the stack's settings into `~/.cognito-cli-config.json` under
 * `home`, as `configure` would (the original tool's keys, mode 0600).
 */
export async function writeStackConfig(
  home: { dir: string },
  stack: CognitoStack,
): Promise<void> {
  await Deno.writeTextFile(
    `${home.dir}/.cognito-cli-config.json`,
    JSON.stringify({
      user_pool_id: stack.userPoolId,
      client_id: stack.clientId,
      identity_pool_id: stack.identityPoolId,
      region: REGION,
    }),
    { mode: 0o600 },
  );
}

/** SDK client settings for talking to moto as an administrator. */
export function clientConfig(moto: MotoServer) {
  return {
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    // Over TLS, trust the test CA (only this client; nothing global).
    ...(moto.ca
      ? { requestHandler: { httpsAgent: new Agent({ ca: moto.ca.pem }) } }
      : {}),
  };
}

/**
 * An SDK client for moto that a whole test file shares (`new Client(
 * clientConfig(moto))`), destroyed when the file ends.
 */
export function fileClient<C extends { destroy(): void }>(
  moto: MotoServer,
  Client: new (config: ReturnType<typeof clientConfig>) => C,
): C {
  const client = new Client(clientConfig(moto));
  globalThis.addEventListener("unload", () => client.destroy());
  return client;
}

/** What {@linkcode actOnUser} does to a user. */
export type UserAction = "disable" | "delete" | "sign out everywhere";

/**
 * Disables or deletes a user (its name in its pool: a stack's `username`),
 * or signs it out everywhere (which revokes its refresh tokens), as an
 * administrator.
 */
export async function actOnUser(
  idp: CognitoIdentityProviderClient,
  { userPoolId, username }: { userPoolId: string; username: string },
  action: UserAction,
): Promise<void> {
  const user = { UserPoolId: userPoolId, Username: username };
  switch (action) {
    case "disable":
      await idp.send(new AdminDisableUserCommand(user));
      return;
    case "delete":
      await idp.send(new AdminDeleteUserCommand(user));
      return;
    case "sign out everywhere":
      await idp.send(new AdminUserGlobalSignOutCommand(user));
      return;
  }
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
      new CreateUserPoolCommand({
        PoolName: `pool-${tag}`,
        UsernameAttributes: options.emailUsername ? ["email"] : undefined,
      }),
    );
    const userPoolId = pool.UserPool!.Id!;
    if (options.poolMfa) {
      await idp.send(
        new SetUserPoolMfaConfigCommand({
          UserPoolId: userPoolId,
          MfaConfiguration: options.poolMfa,
          SoftwareTokenMfaConfiguration: { Enabled: true },
        }),
      );
    }
    const flows: ExplicitAuthFlowsType[] = options.passwordAuth === false
      ? ["ALLOW_REFRESH_TOKEN_AUTH"]
      : ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"];
    if (options.srpAuth) flows.push("ALLOW_USER_SRP_AUTH");
    const client = await idp.send(
      new CreateUserPoolClientCommand({
        UserPoolId: userPoolId,
        ClientName: `client-${tag}`,
        ExplicitAuthFlows: flows,
        GenerateSecret: options.clientSecret ? true : undefined,
      }),
    );
    const clientId = client.UserPoolClient!.ClientId!;
    const clientSecret = client.UserPoolClient!.ClientSecret;
    const username = options.emailUsername
      ? `user-${tag}@example.com`
      : `user-${tag}`;
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
    const internalUsername = options.emailUsername
      ? (await idp.send(
        new AdminGetUserCommand({ UserPoolId: userPoolId, Username: username }),
      )).Username!
      : username;
    let totpSecret: string | undefined;
    if (options.mfa === "totp") {
      const signIn = await idp.send(
        new AdminInitiateAuthCommand({
          UserPoolId: userPoolId,
          ClientId: clientId,
          AuthFlow: "ADMIN_USER_PASSWORD_AUTH",
          AuthParameters: { USERNAME: username, PASSWORD: password },
        }),
      );
      const accessToken = signIn.AuthenticationResult!.AccessToken!;
      const associated = await idp.send(
        new AssociateSoftwareTokenCommand({ AccessToken: accessToken }),
      );
      totpSecret = associated.SecretCode!;
      await idp.send(
        new VerifySoftwareTokenCommand({
          AccessToken: accessToken,
          UserCode: await freshTotpCode(totpSecret),
          FriendlyDeviceName: "test authenticator",
        }),
      );
      await idp.send(
        new SetUserMFAPreferenceCommand({
          AccessToken: accessToken,
          SoftwareTokenMfaSettings: { Enabled: true, PreferredMfa: true },
        }),
      );
    } else if (options.mfa === "sms") {
      await idp.send(
        new AdminSetUserMFAPreferenceCommand({
          UserPoolId: userPoolId,
          Username: username,
          SMSMfaSettings: { Enabled: true, PreferredMfa: true },
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
      internalUsername,
      clientSecret,
      totpSecret,
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
