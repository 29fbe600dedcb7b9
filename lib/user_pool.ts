/**
 * Signing in to a Cognito User Pool: `InitiateAuth` with USER_PASSWORD_AUTH,
 * answering NEW_PASSWORD_REQUIRED, and turning Cognito's errors into plain
 * sentences with distinct exit codes.
 *
 * The AWS SDK client is imported lazily so that commands which never call
 * Cognito do not pay for loading it.
 *
 * @module
 */
import type {
  AuthenticationResultType,
  InitiateAuthCommandOutput,
} from "@aws-sdk/client-cognito-identity-provider";
import {
  ChallengeError,
  ConfigError,
  ExitCode,
  isNetworkFailure,
  NetworkError,
  ResourceNotFoundError,
  SignInError,
} from "./errors.ts";

/** Tokens a successful sign-in returns. Never log any of them. */
export interface UserPoolTokens {
  /** The ID token, exchanged at the Identity Pool. */
  idToken: string;
  /** The access token. */
  accessToken: string;
  /** The refresh token (absent on a refresh sign-in). */
  refreshToken?: string;
  /** Lifetime of the ID and access tokens in seconds. */
  expiresIn: number;
}

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
}

/** The region a user pool lives in, read from its id (`us-east-1_abc`). */
export function userPoolRegion(userPoolId: string): string {
  return userPoolId.split("_")[0];
}

/**
 * Signs in with USER_PASSWORD_AUTH and answers NEW_PASSWORD_REQUIRED.
 * Throws a {@linkcode SignInError}, {@linkcode ChallengeError},
 * {@linkcode ResourceNotFoundError}, {@linkcode ConfigError} or
 * {@linkcode NetworkError} with a message a user can act on.
 */
export async function signInWithPassword(
  options: PasswordSignInOptions,
): Promise<UserPoolTokens> {
  const sdk = await import("@aws-sdk/client-cognito-identity-provider");
  const client = new sdk.CognitoIdentityProviderClient({
    region: options.region,
  });
  try {
    let response: InitiateAuthCommandOutput;
    try {
      response = await client.send(
        new sdk.InitiateAuthCommand({
          AuthFlow: "USER_PASSWORD_AUTH",
          ClientId: options.clientId,
          AuthParameters: {
            USERNAME: options.username,
            PASSWORD: options.password,
          },
        }),
      );
    } catch (error) {
      throw signInFailure(error, options);
    }
    for (let round = 0; round < 3; round++) {
      if (response.AuthenticationResult) {
        return tokensFrom(response.AuthenticationResult);
      }
      const challenge = response.ChallengeName;
      if (challenge !== "NEW_PASSWORD_REQUIRED") {
        throw new ChallengeError(
          `Cognito asked for the ${challenge ?? "unknown"} challenge, which ` +
            `this sign-in flow does not answer. Ask your administrator which ` +
            `sign-in steps the user pool requires.`,
        );
      }
      if (!options.newPassword) {
        throw new ChallengeError(
          `User ${options.username} must choose a new password before ` +
            `signing in. Run login on a terminal to be asked for one, or pass ` +
            `it with --new-password-stdin or COGNITO_NEW_PASSWORD.`,
        );
      }
      const newPassword = await options.newPassword();
      const username = response.ChallengeParameters?.USER_ID_FOR_SRP ??
        response.ChallengeParameters?.USERNAME ?? options.username;
      try {
        response = await client.send(
          new sdk.RespondToAuthChallengeCommand({
            ClientId: options.clientId,
            ChallengeName: "NEW_PASSWORD_REQUIRED",
            Session: response.Session,
            ChallengeResponses: {
              USERNAME: username,
              NEW_PASSWORD: newPassword,
            },
          }),
        );
      } catch (error) {
        throw signInFailure(error, options, "setting the new password");
      }
    }
    throw new ChallengeError(
      "Cognito kept asking for more sign-in steps; giving up after 3 rounds.",
    );
  } finally {
    client.destroy();
  }
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

/** Turns an error from Cognito's InitiateAuth into one a user can act on. */
function signInFailure(
  error: unknown,
  options: PasswordSignInOptions,
  doing = "signing in",
): Error {
  if (isNetworkFailure(error)) {
    return new NetworkError(
      `Could not reach Cognito in ${options.region} while ${doing}. Check ` +
        `the network connection (and AWS_ENDPOINT_URL if you set one).`,
      { cause: error },
    );
  }
  const name = (error as { name?: string }).name ?? "";
  const awsMessage = (error as { message?: string }).message ?? "";
  const user = options.username;
  switch (name) {
    case "NotAuthorizedException":
      if (/disabled/i.test(awsMessage)) {
        return new SignInError(
          `User ${user} is disabled in the user pool. Ask your administrator ` +
            `to enable the account.`,
          ExitCode.notAuthorized,
          { cause: error },
        );
      }
      if (/attempts exceeded/i.test(awsMessage)) {
        return new SignInError(
          `Too many failed sign-in attempts for ${user}. Wait a few minutes ` +
            `and try again.`,
          ExitCode.notAuthorized,
          { cause: error },
        );
      }
      return new SignInError(
        `Incorrect user name or password for ${user}. Check both and try ` +
          `again.`,
        ExitCode.notAuthorized,
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
        `Cognito says the user pool or app client ${options.clientId} does ` +
          `not exist in ${options.region}: check the settings with ` +
          `\`aws-cognito-auth status\`.`,
        { cause: error },
      );
    case "InvalidPasswordException":
      return new ChallengeError(
        `Cognito refused the new password: ${awsMessage}`,
        { cause: error },
      );
    case "InvalidParameterException":
      if (/flow not enabled|not enabled for this client/i.test(awsMessage)) {
        return new ConfigError(
          `The app client ${options.clientId} does not allow password ` +
            `sign-in (USER_PASSWORD_AUTH). Enable ALLOW_USER_PASSWORD_AUTH on ` +
            `the app client.`,
          { cause: error },
        );
      }
      return new SignInError(
        `Cognito rejected the sign-in request: ${awsMessage}`,
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
