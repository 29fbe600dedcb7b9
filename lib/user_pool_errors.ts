/**
 * Cognito's sign-in errors (from `InitiateAuth` and
 * `RespondToAuthChallenge`) turned into plain sentences with distinct exit
 * codes: the one place that reads Cognito's error names and messages.
 * Cognito's own message is quoted only with every secret that was sent
 * redacted from it.
 *
 * @module
 */
import {
  AttributesRequiredError,
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
  unreachable,
} from "./errors.ts";
import type { AuthFlow } from "./user_pool.ts";

/** What the error mapping needs to know about the request that failed. */
export interface FailureContext {
  /** The user pool's region. */
  region: string;
  /** The app client id. */
  clientId: string;
  /** The name the user gave (for messages; never the internal id). */
  username: string;
  /** How the sign-in started. */
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

/**
 * Turns an error from Cognito's InitiateAuth or RespondToAuthChallenge into
 * one a user can act on. The only place that reads Cognito's error names.
 */
export function signInFailure(error: unknown, context: FailureContext): Error {
  const { region, clientId, doing, flow } = context;
  if (isNetworkFailure(error)) {
    return unreachable("Cognito", region, error, doing);
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
      if (/invalid attributes given/i.test(rawMessage)) {
        return new AttributesRequiredError(
          `Cognito refused the user attributes of ${user} while ${doing}: ` +
            `${awsMessage}. Give each one it needs with --attribute ` +
            `NAME=VALUE (or run login on a terminal to be asked).`,
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
