/**
 * Signing in to a Cognito User Pool: `InitiateAuth` with USER_PASSWORD_AUTH
 * or USER_SRP_AUTH (the password never leaves the machine), answering the
 * challenges that follow (`challenges.ts`), signing in again with a refresh
 * token (REFRESH_TOKEN_AUTH), and adding SECRET_HASH for app clients with a
 * secret. Cognito's errors become plain sentences with distinct exit codes
 * in `user_pool_errors.ts`.
 *
 * The AWS SDK client is imported lazily (`cognito_sdk.ts`) so that commands
 * which never call Cognito do not pay for loading it.
 *
 * @module
 */
import type {
  AuthenticationResultType,
  ChallengeNameType,
  InitiateAuthCommandOutput,
} from "@aws-sdk/client-cognito-identity-provider";
import { answerChallenge, type MfaKind } from "./challenges.ts";
import { preloadCognitoSdk, userPoolClient } from "./cognito_sdk.ts";
import {
  ChallengeError,
  ConfigError,
  ExitCode,
  SignInError,
} from "./errors.ts";
import { createSrpKeyPair } from "./srp.ts";
import { type FailureContext, signInFailure } from "./user_pool_errors.ts";

export type { MfaKind };

/** Tokens a successful sign-in returns. Never log any of them. */
export interface UserPoolTokens {
  /** The ID token, exchanged at the Identity Pool. */
  idToken: string;
  /** The access token. */
  accessToken: string;
  /**
   * The refresh token. Absent after {@linkcode refreshSession} unless the
   * pool rotates refresh tokens: keep using the one you have.
   */
  refreshToken?: string;
  /** Lifetime of the ID and access tokens in seconds. */
  expiresIn: number;
}

/** How {@linkcode signInWithPassword} proves the password. */
export type AuthFlow = "password" | "srp";

/** What {@linkcode signInWithPassword} needs. */
export interface PasswordSignInOptions {
  /** Region of the user pool (the prefix of its id). */
  region: string;
  /** The app client id. */
  clientId: string;
  /** The user name (or alias the pool accepts). */
  username: string;
  /** The user's password. */
  password: string;
  /**
   * Asked for a new password when Cognito answers NEW_PASSWORD_REQUIRED.
   * Without it that challenge is an error that says how to give one.
   */
  newPassword?: () => Promise<string>;
  /**
   * Asked for the user attributes a NEW_PASSWORD_REQUIRED challenge requires
   * (`requiredAttributes`, names without `userAttributes.`, e.g. `name`),
   * before the new password; returns a value for each it can. Without it,
   * or when a value is missing, the challenge is an error that lists every
   * missing attribute (exit `attributesRequired`).
   */
  userAttributes?: (names: string[]) => Promise<Record<string, string>>;
  /**
   * `"password"` (USER_PASSWORD_AUTH, the default) sends the password to
   * Cognito over TLS; `"srp"` (USER_SRP_AUTH) sends only a proof of it and
   * needs {@linkcode PasswordSignInOptions.userPoolId}.
   */
  authFlow?: AuthFlow;
  /** The user pool id (`us-east-1_abc`); required for the SRP flow. */
  userPoolId?: string;
  /** The app client's secret, when it has one: adds SECRET_HASH. */
  clientSecret?: string;
  /**
   * Asked for a code when Cognito answers SOFTWARE_TOKEN_MFA (`"totp"`, from
   * an authenticator app), SMS_MFA (`"sms"`) or EMAIL_OTP (`"email"`).
   * Without it those challenges are an error that says how to give a code.
   */
  mfaCode?: (kind: MfaKind) => Promise<string>;
  /** Clock for the SRP `TIMESTAMP` (default: the system clock). */
  now?: () => Date;
}

/** What {@linkcode refreshSession} needs. */
export interface RefreshOptions {
  /** Region of the user pool. */
  region: string;
  /** The app client id the refresh token was issued to. */
  clientId: string;
  /** The app client's secret, when it has one. */
  clientSecret?: string;
  /** The refresh token of an earlier sign-in. */
  refreshToken: string;
  /**
   * The user's real user name, the `cognito:username` claim of the earlier
   * ID token (see {@linkcode usernameFromIdToken}), never an alias such as
   * the e-mail address: with a client secret, Cognito checks SECRET_HASH
   * against it.
   */
  username: string;
}

/** The region a user pool lives in, read from its id (`us-east-1_abc`). */
export function userPoolRegion(userPoolId: string): string {
  return userPoolId.split("_")[0];
}

/**
 * The SECRET_HASH Cognito wants from app clients with a secret:
 * Base64(HMAC-SHA256(key = client secret, message = username + clientId)).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { secretHash } from "./user_pool.ts";
 * assert.equal(
 *   await secretHash("client-secret", "alice", "client-id"),
 *   "qROqM+PMKX09MK8ulDVm8LCWdCRqQQEUG9HcF+N7/S4=",
 * );
 * ```
 */
export async function secretHash(
  clientSecret: string,
  username: string,
  clientId: string,
): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(clientSecret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, encoder.encode(username + clientId)),
  );
  let binary = "";
  for (const b of mac) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** `parameters`, plus SECRET_HASH when the app client has a secret. */
async function withSecretHash(
  parameters: Record<string, string>,
  client: { clientId: string; clientSecret?: string },
  username: string,
): Promise<Record<string, string>> {
  if (client.clientSecret === undefined) return parameters;
  return {
    ...parameters,
    SECRET_HASH: await secretHash(
      client.clientSecret,
      username,
      client.clientId,
    ),
  };
}

/**
 * Reads the user's real user name (`cognito:username`) from an ID token.
 * It decodes the payload without verifying the signature: use it only on a
 * token this tool received from Cognito itself. Throws a
 * {@linkcode SignInError} (exit code `sessionExpired`) when the token cannot
 * be read, so the caller falls back to a password sign-in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usernameFromIdToken } from "./user_pool.ts";
 * const payload = btoa(JSON.stringify({ "cognito:username": "alice" }));
 * assert.equal(usernameFromIdToken(`e30.${payload}.sig`), "alice");
 * ```
 */
export function usernameFromIdToken(idToken: string): string {
  let claims: unknown;
  try {
    const part = idToken.split(".")[1] ?? "";
    const base64 = part.replaceAll("-", "+").replaceAll("_", "/");
    const binary = atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "="));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    claims = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    claims = undefined;
  }
  const username = (claims as Record<string, unknown> | undefined)?.[
    "cognito:username"
  ];
  if (typeof username !== "string" || username === "") {
    throw new SignInError(
      "The saved ID token has no readable cognito:username claim. Sign in " +
        "again with your password.",
      ExitCode.sessionExpired,
    );
  }
  return username;
}

/**
 * Signs in with USER_PASSWORD_AUTH (default) or USER_SRP_AUTH and answers
 * the challenges that follow: PASSWORD_VERIFIER (SRP), NEW_PASSWORD_REQUIRED
 * (through `userAttributes` and `newPassword`), SOFTWARE_TOKEN_MFA, SMS_MFA,
 * EMAIL_OTP and SELECT_MFA_TYPE (through `mfaCode`). Adds SECRET_HASH
 * everywhere when a client secret is given: first for the name the user
 * typed, then for the user name Cognito returns (USER_ID_FOR_SRP /
 * USERNAME), which is what it checks from then on. Throws a
 * {@linkcode SignInError}, `ChallengeError` (`UnsupportedChallengeError` for
 * a challenge only the hosted pages can answer), `AttributesRequiredError`,
 * `ResourceNotFoundError`, {@linkcode ConfigError} or `NetworkError` with a
 * message a user can act on.
 */
export async function signInWithPassword(
  options: PasswordSignInOptions,
): Promise<UserPoolTokens> {
  const flow = options.authFlow ?? "password";
  if (flow === "srp" && !options.userPoolId?.includes("_")) {
    throw new ConfigError(
      "The SRP sign-in needs the user pool id (like us-east-1_AbC123): " +
        "its name part is part of the password proof.",
    );
  }
  const context: FailureContext = {
    region: options.region,
    clientId: options.clientId,
    username: options.username,
    flow,
    doing: "signing in",
    secrets: [options.password, options.clientSecret ?? ""],
  };
  // The Identity Pool client loads along (it shares most of its code), so
  // it is ready when the tokens are.
  preloadCognitoSdk();
  const { sdk, client } = await userPoolClient(options.region);
  try {
    const srpKeys = flow === "srp" ? createSrpKeyPair() : undefined;
    const authParameters = await withSecretHash(
      srpKeys
        ? { USERNAME: options.username, SRP_A: srpKeys.srpA }
        : { USERNAME: options.username, PASSWORD: options.password },
      options,
      options.username,
    );
    context.secrets.push(...sentSecrets(authParameters));
    let response: InitiateAuthCommandOutput;
    try {
      response = await client.send(
        new sdk.InitiateAuthCommand({
          AuthFlow: srpKeys ? "USER_SRP_AUTH" : "USER_PASSWORD_AUTH",
          ClientId: options.clientId,
          AuthParameters: authParameters,
        }),
      );
    } catch (error) {
      throw signInFailure(error, context);
    }
    // The name Cognito knows the user by; it checks SECRET_HASH and the
    // challenge USERNAME against it once it has told us.
    let username = options.username;
    for (let round = 0; round < 5; round++) {
      if (response.AuthenticationResult) {
        return tokensFrom(response.AuthenticationResult);
      }
      const challenge = response.ChallengeName ?? "unknown";
      const parameters = response.ChallengeParameters ?? {};
      username = parameters.USER_ID_FOR_SRP ?? parameters.USERNAME ?? username;
      const answer = await answerChallenge(
        challenge,
        parameters,
        username,
        options,
        srpKeys,
      );
      if (options.clientSecret !== undefined) {
        answer.responses.SECRET_HASH = await secretHash(
          options.clientSecret,
          answer.responses.USERNAME,
          options.clientId,
        );
      }
      context.secrets.push(
        ...sentSecrets(answer.responses),
        response.Session ?? "",
      );
      try {
        response = await client.send(
          new sdk.RespondToAuthChallengeCommand({
            ClientId: options.clientId,
            ChallengeName: challenge as ChallengeNameType,
            Session: response.Session,
            ChallengeResponses: answer.responses,
          }),
        );
      } catch (error) {
        throw signInFailure(error, { ...context, doing: answer.doing });
      }
    }
    throw new ChallengeError(
      "Cognito kept asking for more sign-in steps; giving up after 5 rounds.",
    );
  } finally {
    client.destroy();
  }
}

/**
 * Signs in again without the password: REFRESH_TOKEN_AUTH with the refresh
 * token of an earlier sign-in (plus SECRET_HASH over the user's real user
 * name when the client has a secret). The result has new ID and access
 * tokens; `refreshToken` is set only when the pool rotates it. An expired
 * or revoked refresh token is a {@linkcode SignInError} with exit code
 * `sessionExpired` that says to sign in with the password.
 */
export async function refreshSession(
  options: RefreshOptions,
): Promise<UserPoolTokens> {
  const context: FailureContext = {
    region: options.region,
    clientId: options.clientId,
    username: options.username,
    flow: "refresh",
    doing: "refreshing the sign-in",
    secrets: [options.refreshToken, options.clientSecret ?? ""],
  };
  const authParameters = await withSecretHash(
    { REFRESH_TOKEN: options.refreshToken },
    options,
    options.username,
  );
  context.secrets.push(...sentSecrets(authParameters));
  preloadCognitoSdk();
  const { sdk, client } = await userPoolClient(options.region);
  try {
    let response: InitiateAuthCommandOutput;
    try {
      response = await client.send(
        new sdk.InitiateAuthCommand({
          AuthFlow: "REFRESH_TOKEN_AUTH",
          ClientId: options.clientId,
          AuthParameters: authParameters,
        }),
      );
    } catch (error) {
      throw signInFailure(error, context);
    }
    if (!response.AuthenticationResult) {
      throw new ChallengeError(
        `Cognito asked for the ${
          response.ChallengeName ?? "unknown"
        } challenge on a refresh. Sign in again with your password.`,
      );
    }
    return tokensFrom(response.AuthenticationResult);
  } finally {
    client.destroy();
  }
}

/** The values of AuthParameters or ChallengeResponses, but the user name. */
function sentSecrets(parameters: Record<string, string>): string[] {
  return Object.entries(parameters)
    .filter(([key]) => key !== "USERNAME")
    .map(([, value]) => value);
}

function tokensFrom(result: AuthenticationResultType): UserPoolTokens {
  if (!result.IdToken || !result.AccessToken) {
    throw new SignInError(
      "Cognito signed the user in but returned no ID token.",
      ExitCode.unexpected,
    );
  }
  return {
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: result.RefreshToken,
    expiresIn: result.ExpiresIn ?? 3600,
  };
}
