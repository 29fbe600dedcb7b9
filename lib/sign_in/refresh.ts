/**
 * The refresh sign-in method: REFRESH_TOKEN_AUTH with the refresh token of a
 * saved sign-in, so no person is asked for anything. What
 * `credential-process` and `exec` sign in again with.
 *
 * @module
 */
import type { SignInMethod } from "../sign_in.ts";
import { SessionExpiredError } from "../errors.ts";
import { refreshSession, userPoolRegion } from "../user_pool.ts";

/** REFRESH_TOKEN_AUTH with the context's saved refresh token. */
export const refreshMethod: SignInMethod = {
  name: "refresh",
  needs: [],
  how: "with the saved refresh token",
  async signIn(context) {
    const { record, saved } = context;
    if (!saved) {
      throw new SessionExpiredError(
        "There is no saved refresh token to sign in with.",
      );
    }
    return await refreshSession({
      region: userPoolRegion(record.userPoolId),
      clientId: record.clientId,
      clientSecret: context.clientSecret,
      refreshToken: saved.refreshToken,
      username: saved.cognitoUsername,
    });
  },
};
