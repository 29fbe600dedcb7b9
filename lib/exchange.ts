/**
 * The exchange: a User Pool ID token becomes AWS credentials, through the
 * Identity Pool (optionally upgraded by the credential proxy) or the
 * classic flow. Every sign-in method ends here.
 *
 * @module
 */
import {
  cacheDir,
  readCachedIdentityId,
  writeCachedIdentityId,
} from "./cache.ts";
import {
  type CredentialsSource,
  describeExpiry,
  type TemporaryCredentials,
} from "./credentials.ts";
import { ConfigError, ProxyError } from "./errors.ts";
import { exchangeIdToken } from "./identity_pool.ts";
import { type Reporter, type SignInRecord, silentReporter } from "./sign_in.ts";
import { usernameFromIdToken } from "./user_pool.ts";

/** Credentials turned from an ID token, before they go anywhere. */
export interface ExchangedCredentials {
  /** The credentials. */
  credentials: TemporaryCredentials;
  /** Identity Pool, proxy or classic flow. */
  source: CredentialsSource;
  /** Why the proxy was not used, when it was tried and failed. */
  proxyFailure?: string;
  /** The identity id. */
  identityId: string;
}

/** What {@linkcode credentialsFromIdToken} needs. */
export interface ExchangeOptions {
  /** Who signed in where, and how the token becomes credentials. */
  record: SignInRecord;
  /** A fresh ID token from the User Pool. Never logged. */
  idToken: string;
  /** The access token of the same sign-in, for the proxy. Never logged. */
  accessToken?: string;
  /** Fail instead of falling back when the proxy fails. */
  requireProxy?: boolean;
  /** An identity id known already (e.g. from the session); skips GetId. */
  identityId?: string;
  /** Environment (cache folder); default `Deno.env`. */
  env?: Record<string, string | undefined>;
  /** Clock, for expiry messages. */
  now?: () => Date;
  /** Progress output. */
  reporter?: Reporter;
}

/** Checks `--duration` and turns it into seconds. */
export function durationSeconds(hours: number): number {
  if (!Number.isInteger(hours) || hours < 1 || hours > 12) {
    throw new ConfigError(
      `--duration must be a whole number of hours from 1 to 12, not ${hours}.`,
    );
  }
  return hours * 3600;
}

/**
 * Turns a User Pool ID token into AWS credentials: the enhanced flow
 * (`GetId`, cached per user and pool, then `GetCredentialsForIdentity`, then
 * the credential proxy the record names, falling back to the Identity
 * Pool's credentials unless `requireProxy`), or the classic flow (`GetId`,
 * `GetOpenIdToken`, `sts:AssumeRoleWithWebIdentity`). Used by `login` and
 * by the renewal of a saved session.
 */
export async function credentialsFromIdToken(
  options: ExchangeOptions,
): Promise<ExchangedCredentials> {
  const { record } = options;
  const env = options.env ?? Deno.env.toObject();
  const now = options.now ?? (() => new Date());
  const report = options.reporter ?? silentReporter;
  const duration = durationSeconds(record.durationHours);
  const cache = cacheDir(env);
  const username = record.username ?? usernameFromIdToken(options.idToken);
  const identityKey = {
    identityPoolId: record.identityPoolId,
    userPoolId: record.userPoolId,
    username,
  };
  const cachedIdentityId = options.identityId ??
    await readCachedIdentityId(cache, identityKey);

  if (record.flow === "classic") {
    if (!record.classicRoleArn) {
      throw new ConfigError(
        "The classic flow needs the role to assume: give it with --role-arn, " +
          "COGNITO_CLASSIC_ROLE_ARN or classic_role_arn in the config file.",
      );
    }
    report.step(
      "Getting credentials through the Identity Pool's classic flow " +
        "(GetOpenIdToken, then sts:AssumeRoleWithWebIdentity)...",
    );
    const { classicFlowCredentials, roleSessionName } = await import(
      "./classic_flow.ts"
    );
    const classic = await classicFlowCredentials({
      identityPoolId: record.identityPoolId,
      userPoolId: record.userPoolId,
      idToken: options.idToken,
      roleArn: record.classicRoleArn,
      durationSeconds: duration,
      sessionName: await roleSessionName(username),
      cachedIdentityId,
    });
    await writeCachedIdentityId(cache, identityKey, classic.identityId);
    report.step(
      `Obtained role credentials (expires ${
        describeExpiry(classic.credentials.expiration, now())
      }).`,
    );
    return {
      credentials: classic.credentials,
      source: "classic",
      identityId: classic.identityId,
    };
  }

  report.step(
    "Getting temporary credentials from the Cognito Identity Pool...",
  );
  // A new identity id is saved while GetCredentialsForIdentity is in
  // flight (the write never throws: a cache that cannot be written only
  // costs a GetId next time).
  let remembered: Promise<boolean> | undefined;
  const exchanged = await exchangeIdToken({
    identityPoolId: record.identityPoolId,
    userPoolId: record.userPoolId,
    idToken: options.idToken,
    cachedIdentityId,
    onIdentityId: (identityId) => {
      remembered = writeCachedIdentityId(cache, identityKey, identityId);
    },
  });
  await (remembered ??
    writeCachedIdentityId(cache, identityKey, exchanged.identityId));
  report.step(
    `Obtained Identity Pool credentials (expires ${
      describeExpiry(exchanged.credentials.expiration, now())
    }).`,
  );

  const result = {
    credentials: exchanged.credentials,
    source: "identity-pool" as CredentialsSource,
    identityId: exchanged.identityId,
  };
  if (!record.proxy) return result;
  report.step(
    "Upgrading to longer-lived credentials through the credential proxy...",
  );
  const { invokeCredentialProxy, proxyTimeoutFromEnv } = await import(
    "./proxy.ts"
  );
  // A malformed COGNITO_PROXY_TIMEOUT_MS is a settings error, not a proxy
  // failure to fall back from.
  const timeoutMs = proxyTimeoutFromEnv(env);
  try {
    const upgraded = await invokeCredentialProxy({
      region: record.region,
      functionName: record.proxy.functionName,
      credentials: exchanged.credentials,
      idToken: options.idToken,
      accessToken: options.accessToken,
      durationSeconds: duration,
      timeoutMs,
    });
    report.step(
      `Upgraded to proxy credentials (expires ${
        describeExpiry(upgraded.expiration, now())
      }).`,
    );
    return { ...result, credentials: upgraded, source: "proxy" };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (options.requireProxy) {
      throw error instanceof ProxyError
        ? error
        : new ProxyError(`The credential proxy failed: ${reason}`, {
          cause: error,
        });
    }
    report.warn(
      `The credential proxy could not upgrade the credentials (${reason}); ` +
        `keeping the 1-hour Identity Pool credentials.`,
    );
    return { ...result, proxyFailure: reason };
  }
}
