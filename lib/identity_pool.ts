/**
 * The Identity Pool exchange: an ID token from the User Pool becomes
 * one-hour AWS credentials through `GetId` and `GetCredentialsForIdentity`.
 * Both calls are unsigned; no AWS credentials of the machine are used.
 *
 * @module
 */
import type { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";
import { identityPoolClient, identityPoolSdk } from "./cognito_sdk.ts";
import type { TemporaryCredentials } from "./credentials.ts";
import {
  errorName,
  ExitCode,
  IdentityPoolError,
  isNetworkFailure,
  isTransientFailure,
  NetworkError,
  redactSecrets,
  ResourceNotFoundError,
  unreachable,
} from "./errors.ts";

/** What {@linkcode exchangeIdToken} needs. */
export interface IdentityExchangeOptions {
  /** The Identity Pool id, e.g. `us-east-1:0000...`. */
  identityPoolId: string;
  /** The User Pool that issued the token. */
  userPoolId: string;
  /** The ID token. Never logged. */
  idToken: string;
  /** An identity id remembered from an earlier sign-in; skips `GetId`. */
  cachedIdentityId?: string;
  /**
   * Hears the identity id as soon as `GetId` gives it, while
   * `GetCredentialsForIdentity` is still to come (to save it meanwhile).
   */
  onIdentityId?: (identityId: string) => void;
}

/** The result of {@linkcode exchangeIdToken}. */
export interface IdentityExchangeResult {
  /** The identity id (store it to skip `GetId` next time). */
  identityId: string;
  /** The one-hour credentials of the Identity Pool's authenticated role. */
  credentials: TemporaryCredentials;
  /** Whether `GetId` was skipped thanks to the cached identity id. */
  usedCachedIdentityId: boolean;
}

/** The region an Identity Pool lives in, read from its id. */
export function identityPoolRegion(identityPoolId: string): string {
  return identityPoolId.split(":")[0];
}

/** The `Logins` key of a User Pool: `cognito-idp.<region>.amazonaws.com/<id>`. */
export function userPoolProviderName(userPoolId: string): string {
  const region = userPoolId.split("_")[0];
  return `cognito-idp.${region}.amazonaws.com/${userPoolId}`;
}

/** The `Logins` map that presents a User Pool's ID token to an Identity Pool. */
export function userPoolLogins(
  userPoolId: string,
  idToken: string,
): Record<string, string> {
  return { [userPoolProviderName(userPoolId)]: idToken };
}

/**
 * `GetId`: the signed-in user's identity id in the pool. Throws
 * {@linkcode IdentityPoolError} when the answer holds none; AWS errors are
 * left for the caller to map.
 */
export async function getIdentityId(
  client: CognitoIdentityClient,
  identityPoolId: string,
  logins: Record<string, string>,
): Promise<string> {
  const { GetIdCommand } = await identityPoolSdk();
  const out = await client.send(
    new GetIdCommand({ IdentityPoolId: identityPoolId, Logins: logins }),
  );
  if (!out.IdentityId) {
    throw new IdentityPoolError(
      "The Identity Pool answered GetId without an identity id.",
      ExitCode.identityPool,
    );
  }
  return out.IdentityId;
}

/**
 * Exchanges an ID token for credentials. With a cached identity id it makes
 * one call (`GetCredentialsForIdentity`); if the cached id is refused it
 * falls back to `GetId` once.
 */
export async function exchangeIdToken(
  options: IdentityExchangeOptions,
): Promise<IdentityExchangeResult> {
  const region = identityPoolRegion(options.identityPoolId);
  const { sdk, client } = await identityPoolClient(region);
  const logins = userPoolLogins(options.userPoolId, options.idToken);
  const getCredentials = async (identityId: string) => {
    const out = await client.send(
      new sdk.GetCredentialsForIdentityCommand({
        IdentityId: identityId,
        Logins: logins,
      }),
    );
    const c = out.Credentials;
    if (
      !c?.AccessKeyId || !c.SecretKey || !c.SessionToken || !c.Expiration
    ) {
      throw new IdentityPoolError(
        "The Identity Pool answered without complete credentials.",
        ExitCode.identityPool,
      );
    }
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretKey,
      sessionToken: c.SessionToken,
      expiration: new Date(c.Expiration),
    };
  };
  try {
    if (options.cachedIdentityId) {
      try {
        return {
          identityId: options.cachedIdentityId,
          credentials: await getCredentials(options.cachedIdentityId),
          usedCachedIdentityId: true,
        };
      } catch (error) {
        if (isNetworkFailure(error)) throw error;
        // The remembered identity may have been deleted or belong to another
        // pool: ask for the current one once.
      }
    }
    const identityId = await getIdentityId(
      client,
      options.identityPoolId,
      logins,
    );
    options.onIdentityId?.(identityId);
    return {
      identityId,
      credentials: await getCredentials(identityId),
      usedCachedIdentityId: false,
    };
  } catch (error) {
    throw identityFailure(error, options);
  } finally {
    client.destroy();
  }
}

function identityFailure(
  error: unknown,
  options: IdentityExchangeOptions,
): Error {
  if (error instanceof IdentityPoolError) return error;
  const region = identityPoolRegion(options.identityPoolId);
  if (isNetworkFailure(error)) {
    return unreachable("the Cognito Identity service", region, error);
  }
  if (isTransientFailure(error)) {
    return new NetworkError(
      `The Cognito Identity service in ${region} is busy or failing (${
        errorName(error)
      }), even after retrying. Try again in a moment; AWS_MAX_ATTEMPTS and ` +
        `AWS_RETRY_MODE tune the retries.`,
      { cause: error },
    );
  }
  const name = (error as { name?: string }).name ?? "";
  // The ID token went in Logins: keep it out of a quoted message.
  const awsMessage = redactSecrets(
    (error as { message?: string }).message ?? "",
    [options.idToken],
  );
  switch (name) {
    case "ResourceNotFoundException":
      return identityPoolNotFound(options.identityPoolId, error);
    case "NotAuthorizedException":
      return new IdentityPoolError(
        `The Identity Pool refused the sign-in token: ${awsMessage} Check ` +
          `that the Identity Pool lists user pool ${options.userPoolId} and ` +
          `its app client as an authentication provider.`,
        ExitCode.identityPool,
        { cause: error },
      );
    case "InvalidIdentityPoolConfigurationException":
      return new IdentityPoolError(
        `Identity Pool configuration error: ${awsMessage} Check the ` +
          `authenticated role and its trust policy.`,
        ExitCode.identityPool,
        { cause: error },
      );
    default:
      return new IdentityPoolError(
        `The Identity Pool exchange failed: ${name || "error"}: ${awsMessage}`,
        ExitCode.identityPool,
        { cause: error },
      );
  }
}

/** The error for an Identity Pool that does not exist (in its region). */
export function identityPoolNotFound(
  identityPoolId: string,
  error: unknown,
): ResourceNotFoundError {
  return new ResourceNotFoundError(
    `The Identity Pool ${identityPoolId} does not exist in ` +
      `${identityPoolRegion(identityPoolId)}: check the settings with ` +
      "`aws-cognito-auth status`.",
    { cause: error },
  );
}
