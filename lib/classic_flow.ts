/**
 * The Identity Pool's classic (basic) flow: `GetId`, `GetOpenIdToken`, then
 * `sts:AssumeRoleWithWebIdentity` on a role you choose, for up to 12 hours
 * (the role's maximum session duration). No Lambda and no IAM user keys:
 * all three calls are unsigned, so no AWS credentials of the machine are
 * used. The Identity Pool must allow the classic flow (`AllowClassicFlow`)
 * and the role must trust `cognito-identity.amazonaws.com` for this pool
 * (see the README).
 *
 * The AWS SDK clients are imported lazily.
 *
 * @module
 */
import { identityPoolClient } from "./cognito_sdk.ts";
import { fetchRequestHandler } from "./fetch_handler.ts";
import { ROLE_ARN_PATTERN } from "./config.ts";
import type { TemporaryCredentials } from "./credentials.ts";
import {
  ConfigError,
  ExitCode,
  IdentityPoolError,
  isNetworkFailure,
  redactSecrets,
  unreachable,
} from "./errors.ts";
import {
  getIdentityId,
  identityPoolNotFound,
  identityPoolRegion,
  userPoolLogins,
} from "./identity_pool.ts";

/** What {@linkcode classicFlowCredentials} needs. */
export interface ClassicFlowOptions {
  /** The Identity Pool id. */
  identityPoolId: string;
  /** The User Pool that issued the ID token. */
  userPoolId: string;
  /** The ID token. Never logged. */
  idToken: string;
  /** The role to assume. */
  roleArn: string;
  /** How long the credentials should last, 900 to 43200 seconds. */
  durationSeconds: number;
  /** The role session name (see {@linkcode roleSessionName}). */
  sessionName: string;
  /** An identity id remembered from an earlier sign-in; skips `GetId`. */
  cachedIdentityId?: string;
}

/** The result of {@linkcode classicFlowCredentials}. */
export interface ClassicFlowResult {
  /** The identity id (store it to skip `GetId` next time). */
  identityId: string;
  /** The role's credentials. */
  credentials: TemporaryCredentials;
}

/** The role session name of a user (see lib/role_session_name.ts). */
export { roleSessionName } from "./role_session_name.ts";

/**
 * Signs in to AWS through the classic flow and returns the role's
 * credentials. A cached identity id that the pool refuses is replaced by
 * one fresh `GetId`.
 *
 * @example
 * ```ts ignore
 * const { credentials } = await classicFlowCredentials({
 *   identityPoolId, userPoolId, idToken,
 *   roleArn: "arn:aws:iam::123456789012:role/CognitoClassicRole",
 *   durationSeconds: 8 * 3600,
 *   sessionName: await roleSessionName("alice"),
 * });
 * ```
 */
export async function classicFlowCredentials(
  options: ClassicFlowOptions,
): Promise<ClassicFlowResult> {
  if (!ROLE_ARN_PATTERN.test(options.roleArn)) {
    throw new ConfigError(
      `The classic flow's role ARN ${
        JSON.stringify(options.roleArn.slice(0, 100))
      } is malformed: expected arn:aws:iam::<account>:role/<name>.`,
    );
  }
  const region = identityPoolRegion(options.identityPoolId);
  const [{ sdk: identitySdk, client: identity }, stsSdk, requestHandler] =
    await Promise.all([
      identityPoolClient(region),
      import("@aws-sdk/client-sts"),
      fetchRequestHandler(),
    ]);
  const sts = new stsSdk.STSClient({ region, requestHandler });
  const logins = userPoolLogins(options.userPoolId, options.idToken);
  const openIdToken = async (identityId: string) => {
    const out = await identity.send(
      new identitySdk.GetOpenIdTokenCommand({
        IdentityId: identityId,
        Logins: logins,
      }),
    );
    if (!out.Token) {
      throw new IdentityPoolError(
        "The Identity Pool answered GetOpenIdToken without a token.",
        ExitCode.identityPool,
      );
    }
    return out.Token;
  };
  let doing = "getting an identity";
  // The tokens sent, to keep out of quoted AWS messages.
  const sent = [options.idToken];
  try {
    let identityId = options.cachedIdentityId;
    let token: string | undefined;
    if (identityId) {
      try {
        doing = "getting an OpenID token";
        token = await openIdToken(identityId);
      } catch (error) {
        if (isNetworkFailure(error)) throw error;
        identityId = undefined; // refused: ask for the current id once
      }
    }
    if (!identityId || !token) {
      doing = "getting an identity";
      identityId = await getIdentityId(
        identity,
        options.identityPoolId,
        logins,
      );
      doing = "getting an OpenID token";
      token = await openIdToken(identityId);
    }
    sent.push(token);
    doing = "assuming the role";
    const assumed = await sts.send(
      new stsSdk.AssumeRoleWithWebIdentityCommand({
        RoleArn: options.roleArn,
        RoleSessionName: options.sessionName,
        WebIdentityToken: token,
        DurationSeconds: options.durationSeconds,
      }),
    );
    const c = assumed.Credentials;
    if (
      !c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration
    ) {
      throw new IdentityPoolError(
        "STS answered AssumeRoleWithWebIdentity without complete credentials.",
        ExitCode.identityPool,
      );
    }
    return {
      identityId,
      credentials: {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: new Date(c.Expiration),
      },
    };
  } catch (error) {
    throw classicFailure(error, options, doing, sent);
  } finally {
    identity.destroy();
    sts.destroy();
  }
}

function classicFailure(
  error: unknown,
  options: ClassicFlowOptions,
  doing: string,
  sent: string[],
): Error {
  if (error instanceof IdentityPoolError) return error;
  const region = identityPoolRegion(options.identityPoolId);
  if (isNetworkFailure(error)) {
    const service = doing === "assuming the role"
      ? "AWS STS"
      : "the Cognito Identity service";
    return unreachable(service, region, error, doing);
  }
  const name = (error as { name?: string }).name ?? "";
  const awsMessage = redactSecrets(
    (error as { message?: string }).message ?? "",
    sent,
  );
  if (name === "ResourceNotFoundException") {
    return identityPoolNotFound(options.identityPoolId, error);
  }
  if (doing === "assuming the role") {
    const hint = name === "AccessDenied" || name === "AccessDeniedException"
      ? ` The role ${options.roleArn} must trust cognito-identity.amazonaws.com ` +
        `for this Identity Pool (see the README), and --duration must not ` +
        `exceed its maximum session duration.`
      : name === "InvalidIdentityToken"
      ? " The Identity Pool's OpenID token was refused."
      : "";
    return new IdentityPoolError(
      `STS refused to assume ${options.roleArn} with the Identity Pool's ` +
        `token: ${name || "error"}: ${awsMessage}${hint}`,
      ExitCode.identityPool,
      { cause: error },
    );
  }
  if (/classic flow|basic.*(flow|auth)/i.test(awsMessage)) {
    return new IdentityPoolError(
      `The Identity Pool ${options.identityPoolId} does not allow the ` +
        `classic flow: turn on AllowClassicFlow (Basic authentication in the ` +
        `console), or sign in without --flow classic.`,
      ExitCode.identityPool,
      { cause: error },
    );
  }
  return new IdentityPoolError(
    `The Identity Pool refused while ${doing}: ${name || "error"}: ` +
      awsMessage,
    ExitCode.identityPool,
    { cause: error },
  );
}
