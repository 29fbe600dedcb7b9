/**
 * The protocol floor of a sign-in: the unsigned Cognito calls a login has to
 * make, and nothing else, with `fetch` and no dependency (run with
 * `--no-config`). The benchmark compares our `login` and our refresh with
 * it, run for run (issue 17).
 *
 * - `first`: InitiateAuth (USER_PASSWORD_AUTH), GetId,
 *   GetCredentialsForIdentity: a first login's three requests.
 * - `refresh`: InitiateAuth (REFRESH_TOKEN_AUTH) and GetCredentialsForIdentity
 *   with a known identity id: a refresh's two requests.
 *
 * ```sh
 * deno run --no-config --allow-net --allow-env [--cert ca.pem] bench/floor.ts first
 * ```
 *
 * It reads `AWS_ENDPOINT_URL`, `AWS_REGION`, `COGNITO_USER_POOL_ID`,
 * `COGNITO_CLIENT_ID`, `COGNITO_IDENTITY_POOL_ID`, and for `first`
 * `COGNITO_USERNAME` and `COGNITO_PASSWORD`, for `refresh`
 * `COGNITO_REFRESH_TOKEN` and `COGNITO_IDENTITY_ID`. It prints nothing and
 * exits 0 when it got credentials; else it prints the failing call and the
 * error's type (never a token) and exits 1.
 *
 * @module
 */

/** Where and as whom the calls go. */
export interface FloorTarget {
  /** Base URL of the endpoint (moto, or a relay in front of it). */
  endpoint: string;
  /** The region of the pools. */
  region: string;
  /** The User Pool. */
  userPoolId: string;
  /** Its app client (without a secret). */
  clientId: string;
  /** The Identity Pool. */
  identityPoolId: string;
}

const TARGET_PREFIX = {
  idp: "AWSCognitoIdentityProviderService",
  identity: "AWSCognitoIdentityService",
};

/** One unsigned call of the AWS JSON 1.1 protocol; throws on an error. */
async function call(
  endpoint: string,
  service: keyof typeof TARGET_PREFIX,
  action: string,
  body: unknown,
): Promise<Record<string, unknown>> {
  const response = await fetch(`${endpoint}/`, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": `${TARGET_PREFIX[service]}.${action}`,
    },
    body: JSON.stringify(body),
  });
  const answer = await response.json() as Record<string, unknown>;
  if (!response.ok) {
    const type = String(answer.__type ?? response.status).split("#").at(-1);
    throw new Error(`${action} failed: ${type}`);
  }
  return answer;
}

/** The tokens InitiateAuth answers with. */
export interface FloorTokens {
  /** The ID token, presented to the Identity Pool. */
  idToken: string;
  /** The refresh token (only from a password sign-in). */
  refreshToken?: string;
}

/** InitiateAuth with USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH. */
export async function initiateAuth(
  target: FloorTarget,
  parameters:
    | { username: string; password: string }
    | { refreshToken: string },
): Promise<FloorTokens> {
  const password = "password" in parameters;
  const answer = await call(target.endpoint, "idp", "InitiateAuth", {
    ClientId: target.clientId,
    AuthFlow: password ? "USER_PASSWORD_AUTH" : "REFRESH_TOKEN_AUTH",
    AuthParameters: password
      ? { USERNAME: parameters.username, PASSWORD: parameters.password }
      : { REFRESH_TOKEN: parameters.refreshToken },
  });
  const result = answer.AuthenticationResult as
    | { IdToken?: string; RefreshToken?: string }
    | undefined;
  if (!result?.IdToken) throw new Error("InitiateAuth gave no ID token");
  return { idToken: result.IdToken, refreshToken: result.RefreshToken };
}

function logins(target: FloorTarget, idToken: string) {
  return {
    [`cognito-idp.${target.region}.amazonaws.com/${target.userPoolId}`]:
      idToken,
  };
}

/** GetId: the user's identity id in the Identity Pool. */
export async function getId(
  target: FloorTarget,
  idToken: string,
): Promise<string> {
  const answer = await call(target.endpoint, "identity", "GetId", {
    IdentityPoolId: target.identityPoolId,
    Logins: logins(target, idToken),
  });
  if (typeof answer.IdentityId !== "string") {
    throw new Error("GetId gave no identity id");
  }
  return answer.IdentityId;
}

/** GetCredentialsForIdentity; returns the access key id it got. */
export async function getCredentials(
  target: FloorTarget,
  identityId: string,
  idToken: string,
): Promise<string> {
  const answer = await call(
    target.endpoint,
    "identity",
    "GetCredentialsForIdentity",
    { IdentityId: identityId, Logins: logins(target, idToken) },
  );
  const credentials = answer.Credentials as
    | { AccessKeyId?: string; SecretKey?: string }
    | undefined;
  if (!credentials?.AccessKeyId || !credentials.SecretKey) {
    throw new Error("GetCredentialsForIdentity gave no credentials");
  }
  return credentials.AccessKeyId;
}

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

if (import.meta.main) {
  try {
    const target: FloorTarget = {
      endpoint: required("AWS_ENDPOINT_URL").replace(/\/$/, ""),
      region: required("AWS_REGION"),
      userPoolId: required("COGNITO_USER_POOL_ID"),
      clientId: required("COGNITO_CLIENT_ID"),
      identityPoolId: required("COGNITO_IDENTITY_POOL_ID"),
    };
    if (Deno.args[0] === "first") {
      const tokens = await initiateAuth(target, {
        username: required("COGNITO_USERNAME"),
        password: required("COGNITO_PASSWORD"),
      });
      const identityId = await getId(target, tokens.idToken);
      await getCredentials(target, identityId, tokens.idToken);
    } else if (Deno.args[0] === "refresh") {
      const tokens = await initiateAuth(target, {
        refreshToken: required("COGNITO_REFRESH_TOKEN"),
      });
      await getCredentials(
        target,
        required("COGNITO_IDENTITY_ID"),
        tokens.idToken,
      );
    } else {
      throw new Error("usage: floor.ts first|refresh");
    }
  } catch (error) {
    console.error(`floor: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
