/**
 * `logout`: end a profile's sign-in. First it revokes the saved refresh
 * token at Cognito (RevokeToken, which also ends the access tokens issued
 * from it); with `everywhere` it first signs the user out of every device
 * (GlobalSignOut, with an access token from a refresh). Then, whether or not
 * Cognito could be reached, it removes the four keys `login` writes
 * from the profile's section of the shared credentials file (and the
 * section when nothing is left in it), and the profile's cached session.
 * Every other byte of the file stays as it was; the config file is not
 * touched. Keys this tool did not write (no `x_security_token_expires`,
 * and not the cached session's) are left alone.
 *
 * @module
 */
import {
  credentialsFilePath,
  readProfile,
  sectionName,
  updateProfileFile,
} from "./aws_files.ts";
import { userPoolClient } from "./cognito_sdk.ts";
import { CREDENTIALS_FILE_KEYS } from "./credentials.ts";
import { CliError, errorName, isNetworkFailure } from "./errors.ts";
import { readSession, removeSession, type Session } from "./session_cache.ts";
import { refreshSession, userPoolRegion } from "./user_pool.ts";

/** What {@linkcode logout} did. */
export interface LogoutResult {
  /** The credentials file looked at. */
  credentialsFile: string;
  /** Whether keys were removed from it. */
  removedKeys: boolean;
  /** Whether the profile holds keys this tool did not write (kept). */
  keptForeignKeys: boolean;
  /** Whether a cached session was removed. */
  removedSession: boolean;
  /** Whether Cognito revoked the saved refresh token. */
  revoked: boolean;
  /** Whether the user was signed out of every device (GlobalSignOut). */
  signedOutEverywhere: boolean;
  /**
   * Why the sign-in could not be revoked (or signed out everywhere), when
   * that was attempted and failed; local state was removed all the same.
   */
  revocationFailure?: string;
}

/** Options of {@linkcode logout}. */
export interface LogoutOptions {
  /** Also sign the user out of every device (GlobalSignOut). */
  everywhere?: boolean;
  /** Reads the app client's secret (for clients that have one). */
  clientSecret?: () => Promise<string | undefined>;
}

/**
 * Whether a profile's section holds credentials this tool wrote: it has
 * the `x_security_token_expires` key `login` writes, or the cached
 * session's access key.
 */
function writtenByUs(
  values: Record<string, string>,
  session: Session | undefined,
): boolean {
  return values.x_security_token_expires !== undefined ||
    (session !== undefined &&
      values.aws_access_key_id === session.credentials.accessKeyId);
}

/**
 * Removes this tool's credentials for `profile` from the shared credentials
 * file when they are there (see the module doc). Returns whether keys were
 * removed and whether keys not written by this tool were kept.
 */
export async function removeProfileCredentials(
  profile: string,
  env: Record<string, string | undefined>,
  session?: Session,
): Promise<{ removed: boolean; keptForeign: boolean }> {
  const section = sectionName("credentials", profile);
  const values = await readProfile("credentials", profile, env);
  const present = CREDENTIALS_FILE_KEYS.filter((key) =>
    values?.[key] !== undefined
  );
  if (!values || present.length === 0) {
    return { removed: false, keptForeign: false };
  }
  if (!writtenByUs(values, session)) {
    return { removed: false, keptForeign: true };
  }
  await updateProfileFile(
    credentialsFilePath(env),
    section,
    {},
    [...CREDENTIALS_FILE_KEYS],
    { dropEmptySection: true },
  );
  return { removed: true, keptForeign: false };
}

/**
 * Ends `profile`'s sign-in, as the module describes. Never throws for a
 * revocation failure: it is in `revocationFailure`, and the local state is
 * gone either way.
 *
 * @example
 * ```ts ignore
 * const result = await logout("dev", Deno.env.toObject(), { everywhere: true });
 * if (result.revocationFailure) console.error(result.revocationFailure);
 * ```
 */
export async function logout(
  profile: string,
  env: Record<string, string | undefined>,
  options: LogoutOptions = {},
): Promise<LogoutResult> {
  const session = await readSession(env, profile);
  const revocation = await revoke(profile, session, options);
  const { removed, keptForeign } = await removeProfileCredentials(
    profile,
    env,
    session,
  );
  return {
    credentialsFile: credentialsFilePath(env),
    removedKeys: removed,
    keptForeignKeys: keptForeign,
    removedSession: await removeSession(env, profile),
    ...revocation,
  };
}

async function revoke(
  profile: string,
  session: Session | undefined,
  options: LogoutOptions,
): Promise<
  Pick<LogoutResult, "revoked" | "signedOutEverywhere" | "revocationFailure">
> {
  const none = { revoked: false, signedOutEverywhere: false };
  if (!session?.refreshToken) {
    return options.everywhere
      ? {
        ...none,
        revocationFailure: `Profile ${profile} has no saved sign-in to sign ` +
          `out with, so other devices were not signed out. Sign in with ` +
          `login and run logout --everywhere again.`,
      }
      : none;
  }
  const refreshToken = session.refreshToken;
  let clientSecret: string | undefined;
  if (session.clientSecret) {
    clientSecret = await options.clientSecret?.();
    if (!clientSecret) {
      return {
        ...none,
        revocationFailure: `The app client ${session.clientId} has a client ` +
          `secret: set COGNITO_CLIENT_SECRET or client_secret in the config ` +
          `file so that the sign-in can be revoked.`,
      };
    }
  }
  const region = userPoolRegion(session.userPoolId);
  const { sdk, client } = await userPoolClient(region, { maxAttempts: 2 });
  let signedOutEverywhere = false;
  try {
    if (options.everywhere) {
      try {
        const tokens = await refreshSession({
          region,
          clientId: session.clientId,
          clientSecret,
          refreshToken,
          username: session.cognitoUsername,
        });
        await client.send(
          new sdk.GlobalSignOutCommand({ AccessToken: tokens.accessToken }),
        );
        signedOutEverywhere = true;
      } catch (error) {
        return {
          ...none,
          revocationFailure: `Could not sign ${session.username} out of ` +
            `every device (${describe(error, region)}).`,
        };
      }
    }
    try {
      await client.send(
        new sdk.RevokeTokenCommand({
          Token: refreshToken,
          ClientId: session.clientId,
          ClientSecret: clientSecret,
        }),
      );
    } catch (error) {
      // GlobalSignOut already ended every refresh token of the user.
      if (signedOutEverywhere) {
        return { revoked: true, signedOutEverywhere };
      }
      return {
        ...none,
        revocationFailure: `Could not revoke the saved sign-in of ` +
          `${session.username} at Cognito (${describe(error, region)}).`,
      };
    }
    return { revoked: true, signedOutEverywhere };
  } finally {
    client.destroy();
  }
}

/** A failure in a few words, never with the request's tokens. */
function describe(error: unknown, region: string): string {
  if (isNetworkFailure(error)) {
    return `Cognito in ${region} could not be reached`;
  }
  const name = errorName(error);
  if (name === "UnsupportedOperationException") {
    return "the app client does not allow token revocation";
  }
  if (error instanceof CliError) {
    // Our own sign-in errors (an expired refresh token) say it well.
    return error.message.replace(/\.$/, "");
  }
  return name;
}
