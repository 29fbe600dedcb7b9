/**
 * Signing in to a Cognito User Pool: `InitiateAuth` with USER_PASSWORD_AUTH
 * or USER_SRP_AUTH (the password never leaves the machine), answering the
 * challenges that follow (PASSWORD_VERIFIER, NEW_PASSWORD_REQUIRED,
 * SOFTWARE_TOKEN_MFA, SMS_MFA), signing in again with a refresh token
 * (REFRESH_TOKEN_AUTH), adding SECRET_HASH for app clients with a secret, and
 * turning Cognito's errors into plain sentences with distinct exit codes.
 *
 * The AWS SDK client is imported lazily so that commands which never call
 * Cognito do not pay for loading it.
 *
 * @module
 */
import type {
  AuthenticationResultType,
  ChallengeNameType,
  InitiateAuthCommandOutput,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  ChallengeError,
  ConfigError,
  errorName,
  ExitCode,
  isNetworkFailure,
  isTransientFailure,
  NetworkError,
  redactSecrets,
  ResourceNotFoundError,
  SignInError,
} from "./errors.ts";
import { createSrpKeyPair, passwordVerifierResponses } from "./srp.ts";

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

/** The kind of MFA code Cognito asks for. */
export type MfaKind = "totp" | "sms";

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
   * an authenticator app) or SMS_MFA (`"sms"`). Without it those challenges
   * are an error that says how to give a code.
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

/** What the error mapping needs to know about the request that failed. */
interface FailureContext {
  region: string;
  clientId: string;
  /** The name the user gave (for messages; never the internal id). */
  username: string;
  flow: AuthFlow | "refresh";
  /** What was being done, for "while ..." in messages. */
  doing: string;
  /**
   * Every secret sent so far (password, client secret, SECRET_HASH, refresh
   * token, session, answers): redacted from Cognito's messages before they
   * are quoted, since services may echo a request's parameters.
   */
  secrets: string[];
}

/** Names each AuthFlow as Cognito and the app client settings do. */
const FLOW_NAMES: Record<FailureContext["flow"], [string, string]> = {
  password: [
    "password sign-in (USER_PASSWORD_AUTH)",
    "ALLOW_USER_PASSWORD_AUTH",
  ],
  srp: ["SRP sign-in (USER_SRP_AUTH)", "ALLOW_USER_SRP_AUTH"],
  refresh: [
    "refresh-token sign-in (REFRESH_TOKEN_AUTH)",
    "ALLOW_REFRESH_TOKEN_AUTH",
  ],
};

/** Hints for challenges we do not answer, keyed by challenge name. */
const UNSUPPORTED_HINTS: Record<string, string> = {
  MFA_SETUP: "the user must set up MFA before signing in: set it up once " +
    "in the app (or hosted UI) that uses this user pool, then sign in again",
  SELECT_MFA_TYPE: "the user has several MFA methods and none is " +
    "preferred: choose a preferred one in the app that uses this user pool",
  CUSTOM_CHALLENGE: "the user pool uses custom authentication (Lambda " +
    "triggers), which this tool does not answer",
  DEVICE_SRP_AUTH: "the user pool asks for remembered-device " +
    "authentication, which this tool does not answer",
};

/**
 * Signs in with USER_PASSWORD_AUTH (default) or USER_SRP_AUTH and answers
 * the challenges that follow: PASSWORD_VERIFIER (SRP), NEW_PASSWORD_REQUIRED
 * (through `newPassword`), SOFTWARE_TOKEN_MFA and SMS_MFA (through
 * `mfaCode`). Adds SECRET_HASH everywhere when a client secret is given:
 * first for the name the user typed, then for the user name Cognito
 * returns (USER_ID_FOR_SRP / USERNAME), which is what it checks from then
 * on. Throws a {@linkcode SignInError}, {@linkcode ChallengeError},
 * {@linkcode ResourceNotFoundError}, {@linkcode ConfigError} or
 * {@linkcode NetworkError} with a message a user can act on.
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
  const sdk = await import("@aws-sdk/client-cognito-identity-provider");
  const client = new sdk.CognitoIdentityProviderClient({
    region: options.region,
  });
  try {
    const srpKeys = flow === "srp" ? createSrpKeyPair() : undefined;
    const authParameters: Record<string, string> = srpKeys
      ? { USERNAME: options.username, SRP_A: srpKeys.srpA }
      : { USERNAME: options.username, PASSWORD: options.password };
    if (options.clientSecret !== undefined) {
      authParameters.SECRET_HASH = await secretHash(
        options.clientSecret,
        options.username,
        options.clientId,
      );
    }
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

/** The ChallengeResponses for one challenge, and what they do. */
interface ChallengeAnswer {
  responses: Record<string, string>;
  doing: string;
}

async function answerChallenge(
  challenge: string,
  parameters: Record<string, string>,
  username: string,
  options: PasswordSignInOptions,
  srpKeys: ReturnType<typeof createSrpKeyPair> | undefined,
): Promise<ChallengeAnswer> {
  const user = options.username;
  switch (challenge) {
    case "PASSWORD_VERIFIER": {
      if (!srpKeys || !options.userPoolId) break;
      let responses: Record<string, string>;
      try {
        responses = await passwordVerifierResponses({
          keys: srpKeys,
          userPoolId: options.userPoolId,
          password: options.password,
          challenge: parameters,
          now: (options.now ?? (() => new Date()))(),
        });
      } catch (error) {
        throw new SignInError(
          `Cognito's SRP challenge could not be answered: ${
            (error as Error).message
          }.`,
          ExitCode.unexpected,
          { cause: error },
        );
      }
      return { responses, doing: "proving the password (SRP)" };
    }
    case "NEW_PASSWORD_REQUIRED": {
      if (!options.newPassword) {
        throw new ChallengeError(
          `User ${user} must choose a new password before signing in. Run ` +
            `login on a terminal to be asked for one, or pass it with ` +
            `--new-password-stdin or COGNITO_NEW_PASSWORD.`,
        );
      }
      return {
        responses: {
          USERNAME: username,
          NEW_PASSWORD: await options.newPassword(),
        },
        doing: "setting the new password",
      };
    }
    case "SOFTWARE_TOKEN_MFA":
    case "SMS_MFA": {
      const kind: MfaKind = challenge === "SMS_MFA" ? "sms" : "totp";
      const what = kind === "sms"
        ? "the code Cognito sent by SMS"
        : "a code from the authenticator app";
      if (!options.mfaCode) {
        throw new ChallengeError(
          `User ${user} must give ${what} (${challenge}). Run login on a ` +
            `terminal to be asked for it, or pass it with --mfa-code.`,
        );
      }
      const code = (await options.mfaCode(kind)).replace(/\s+/g, "");
      return {
        responses: { USERNAME: username, [`${challenge}_CODE`]: code },
        doing: `checking ${what}`,
      };
    }
  }
  const hint = UNSUPPORTED_HINTS[challenge] ??
    "ask your administrator which sign-in steps the user pool requires";
  throw new ChallengeError(
    `Cognito asked for the ${challenge} challenge, which this sign-in does ` +
      `not answer: ${hint}.`,
  );
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
  const authParameters: Record<string, string> = {
    REFRESH_TOKEN: options.refreshToken,
  };
  if (options.clientSecret !== undefined) {
    authParameters.SECRET_HASH = await secretHash(
      options.clientSecret,
      options.username,
      options.clientId,
    );
  }
  context.secrets.push(...sentSecrets(authParameters));
  const sdk = await import("@aws-sdk/client-cognito-identity-provider");
  const client = new sdk.CognitoIdentityProviderClient({
    region: options.region,
  });
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

/**
 * Turns an error from Cognito's InitiateAuth or RespondToAuthChallenge into
 * one a user can act on. The only place that reads Cognito's error names.
 */
function signInFailure(error: unknown, context: FailureContext): Error {
  const { region, clientId, doing, flow } = context;
  if (isNetworkFailure(error)) {
    return new NetworkError(
      `Could not reach Cognito in ${region} while ${doing}. Check the ` +
        `network connection (and AWS_ENDPOINT_URL if you set one).`,
      { cause: error },
    );
  }
  if (isTransientFailure(error)) {
    return new NetworkError(
      `Cognito in ${region} is busy or failing (${
        errorName(error)
      }) while ${doing}, even after retrying. Try again in a moment; ` +
        `AWS_MAX_ATTEMPTS and AWS_RETRY_MODE tune the retries.`,
      { cause: error },
    );
  }
  const name = (error as { name?: string }).name ?? "";
  const rawMessage = (error as { message?: string }).message ?? "";
  // Tested as Cognito wrote it; quoted only without what we sent.
  const awsMessage = redactSecrets(rawMessage, context.secrets);
  const user = context.username;
  if (
    /secret (was|is) not received|configured (for|with) secret/i.test(
      rawMessage,
    )
  ) {
    return new ConfigError(
      `The app client ${clientId} has a client secret: give it in the ` +
        `settings so that requests carry a SECRET_HASH.`,
      { cause: error },
    );
  }
  if (/verify secret hash/i.test(rawMessage)) {
    return new ConfigError(
      `Cognito did not accept the SECRET_HASH for app client ${clientId}: ` +
        `check that the client secret in the settings belongs to this app ` +
        `client.`,
      { cause: error },
    );
  }
  switch (name) {
    case "NotAuthorizedException":
      if (flow === "refresh") {
        return new SignInError(
          `The saved sign-in of ${user} has expired or was revoked. Sign in ` +
            `again with your password.`,
          ExitCode.sessionExpired,
          { cause: error },
        );
      }
      if (/disabled/i.test(rawMessage)) {
        return new SignInError(
          `User ${user} is disabled in the user pool. Ask your administrator ` +
            `to enable the account.`,
          ExitCode.notAuthorized,
          { cause: error },
        );
      }
      if (/attempts exceeded/i.test(rawMessage)) {
        return new SignInError(
          `Too many failed sign-in attempts for ${user}. Wait a few minutes ` +
            `and try again.`,
          ExitCode.notAuthorized,
          { cause: error },
        );
      }
      if (/session is expired|invalid session/i.test(rawMessage)) {
        return new ChallengeError(
          `The sign-in session ran out while ${doing} (Cognito allows a few ` +
            `minutes per step). Sign in again.`,
          { cause: error },
        );
      }
      return new SignInError(
        `Incorrect user name or password for ${user}. Check both and try ` +
          `again.`,
        ExitCode.notAuthorized,
        { cause: error },
      );
    case "CodeMismatchException":
    case "ExpiredCodeException":
      return new ChallengeError(
        `Cognito did not accept the MFA code for ${user} (wrong or expired). ` +
          `Sign in again with a fresh code.`,
        { cause: error },
      );
    case "UserNotConfirmedException":
      return new SignInError(
        `User ${user} has not confirmed the account yet. Confirm it with the ` +
          `code Cognito sent, or ask your administrator to confirm it.`,
        ExitCode.userNotConfirmed,
        { cause: error },
      );
    case "UserNotFoundException":
      return new SignInError(
        `There is no user ${user} in the user pool. Check the user name.`,
        ExitCode.userNotFound,
        { cause: error },
      );
    case "PasswordResetRequiredException":
      return new SignInError(
        `User ${user} must reset the password before signing in. Reset it ` +
          `through the app's "forgot password" flow or ask your administrator.`,
        ExitCode.passwordResetRequired,
        { cause: error },
      );
    case "ResourceNotFoundException":
      return new ResourceNotFoundError(
        `Cognito says the user pool or app client ${clientId} does not ` +
          `exist in ${region}: check the settings with ` +
          `\`aws-cognito-auth status\`.`,
        { cause: error },
      );
    case "InvalidPasswordException":
      return new ChallengeError(
        `Cognito refused the new password: ${awsMessage}`,
        { cause: error },
      );
    case "InvalidParameterException":
      if (/flow not enabled|not enabled for this client/i.test(rawMessage)) {
        const [what, setting] = FLOW_NAMES[flow];
        return new ConfigError(
          `The app client ${clientId} does not allow ${what}. Enable ` +
            `${setting} on the app client.`,
          { cause: error },
        );
      }
      return new SignInError(
        `Cognito rejected the request while ${doing}: ${awsMessage}`,
        ExitCode.unexpected,
        { cause: error },
      );
    default:
      return new SignInError(
        `Cognito failed while ${doing}: ${name || "error"}: ${awsMessage}`,
        ExitCode.unexpected,
        { cause: error },
      );
  }
}
