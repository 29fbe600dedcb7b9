/**
 * The password sign-in method: USER_PASSWORD_AUTH, the password sent to
 * Cognito over TLS, with its challenges (new password, MFA) answered
 * through the context's inputs.
 *
 * @module
 */
import type { SignInContext, SignInMethod } from "../sign_in.ts";
import { InputRequiredError, UnsupportedChallengeError } from "../errors.ts";
import {
  type AuthFlow,
  signInWithPassword,
  userPoolRegion,
  type UserPoolTokens,
} from "../user_pool.ts";

/**
 * Signs in with the user name and a password from the context's inputs,
 * proved as `flow` says. Shared by the `password` and `srp` methods.
 */
export async function signInWithUserPassword(
  context: SignInContext,
  flow: AuthFlow,
): Promise<UserPoolTokens> {
  const { record, inputs } = context;
  if (!record.username || !inputs.password) {
    throw new InputRequiredError(
      "This sign-in needs a user name and a password.",
    );
  }
  const how = flow === "srp" ? " (SRP)" : "";
  context.reporter.step(
    `Signing in to the user pool as ${record.username}${how}...`,
  );
  try {
    return await signInWithPassword({
      region: userPoolRegion(record.userPoolId),
      clientId: record.clientId,
      username: record.username,
      password: await inputs.password(),
      newPassword: inputs.newPassword,
      userAttributes: inputs.userAttributes,
      authFlow: flow,
      userPoolId: record.userPoolId,
      clientSecret: context.clientSecret,
      mfaCode: inputs.mfaCode,
      now: context.now,
    });
  } catch (error) {
    throw await withBrowserHint(error, context);
  }
}

/**
 * A challenge only the hosted pages answer, with the way there when the
 * settings name a Managed Login domain: `login --browser`.
 */
async function withBrowserHint(
  error: unknown,
  context: SignInContext,
): Promise<unknown> {
  if (!(error instanceof UnsupportedChallengeError)) return error;
  let domain: string | undefined;
  try {
    domain = (await context.settings()).managedLoginDomain;
  } catch {
    domain = undefined;
  }
  if (domain === undefined) return error;
  return new UnsupportedChallengeError(
    error.challenge,
    `${error.message} This user pool's Managed Login pages (${domain}) ` +
      `can: sign in there with \`aws-cognito-auth login --browser\`.`,
    { cause: error.cause },
  );
}

/** USER_PASSWORD_AUTH (the default of `login`). */
export const passwordMethod: SignInMethod = {
  name: "password",
  needs: ["username", "password"],
  how: "with the password",
  signIn: (context) => signInWithUserPassword(context, "password"),
};
