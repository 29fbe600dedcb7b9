/**
 * Verifies Cognito ID tokens with `aws-jwt-verify`: RS256 signature against
 * the pool's JWKS (fetched over https only, cached for the life of the
 * process), issuer, audience (the configured app client ids), `token_use` =
 * `id` and expiry.
 *
 * `CognitoJwtVerifier` cannot be pointed at another JWKS URL (it derives the
 * URL from the pool id), so this uses the generic `JwtVerifier` with the
 * pool's issuers and adds the Cognito checks (`token_use`, algorithm, expiry
 * against the injected clock, the claims the proxy needs) itself.
 *
 * @module
 */
import { JwtVerifier } from "aws-jwt-verify";
import {
  CognitoJwtInvalidClientIdError,
  CognitoJwtInvalidTokenUseError,
  FetchError,
  JwksValidationError,
  JwkValidationError,
  JwtExpiredError,
  JwtInvalidAudienceError,
  JwtInvalidIssuerError,
  JwtInvalidSignatureAlgorithmError,
  JwtInvalidSignatureError,
  JwtNotBeforeError,
  JwtParseError,
  JwtWithoutValidKidError,
  KidNotFoundInJwksError,
  ParameterValidationError,
  WaitPeriodNotYetEndedJwkError,
} from "aws-jwt-verify/error";
import type { JwksCache } from "aws-jwt-verify/jwk";
import type { ProxyConfig } from "./config.ts";

/** Who a verified ID token belongs to. */
export interface VerifiedIdentity {
  /** The user's `sub` (stable user id). */
  sub: string;
  /** The user's `cognito:username`. */
  username: string;
}

/** Checks an ID token and tells whose it is, or throws. */
export interface IdTokenVerifier {
  /**
   * Resolves with the token's user when the token is valid.
   *
   * @throws {TokenRejectedError} when the token is not acceptable.
   * @throws {JwksUnavailableError} when the signing keys cannot be fetched.
   */
  verify(token: string): Promise<VerifiedIdentity>;
}

/** The token is not acceptable; `reason` is a fixed, non-secret phrase. */
export class TokenRejectedError extends Error {
  /** Short reason, e.g. `token expired`; never contains token content. */
  readonly reason: string;

  /** Creates a rejection with a fixed reason phrase. */
  constructor(reason: string) {
    super(`ID token rejected: ${reason}`);
    this.name = "TokenRejectedError";
    this.reason = reason;
  }
}

/** The pool's signing keys could not be fetched (the proxy's problem). */
export class JwksUnavailableError extends Error {
  /** Creates the error. */
  constructor() {
    super("Could not fetch the User Pool's signing keys");
    this.name = "JwksUnavailableError";
  }
}

/** Optional parts of {@linkcode createIdTokenVerifier}. */
export interface IdTokenVerifierOptions {
  /** The clock (expiry is checked against it as well as the real time). */
  now?: () => Date;
  /**
   * JWKS cache/fetcher to use instead of aws-jwt-verify's default one (which
   * fetches over https with Node's `https` module and trusts the system CAs
   * plus `NODE_EXTRA_CA_CERTS`).
   */
  jwksCache?: JwksCache;
}

/**
 * Creates the verifier for the configured pool. Keep one per process: it
 * caches the JWKS across invocations.
 *
 * @example
 * ```ts ignore
 * const verifier = createIdTokenVerifier(config);
 * const { username } = await verifier.verify(idToken);
 * ```
 */
export function createIdTokenVerifier(
  config: Pick<ProxyConfig, "issuers" | "jwksUris" | "clientIds">,
  options: IdTokenVerifierOptions = {},
): IdTokenVerifier {
  const now = options.now ?? (() => new Date());
  const customJwtCheck = (
    { header, payload }: {
      header: { alg?: unknown };
      payload: Record<string, unknown>;
    },
  ) => {
    if (header.alg !== "RS256") {
      throw new TokenRejectedError("unsupported signing algorithm");
    }
    if (payload.token_use !== "id") {
      throw new TokenRejectedError("not an ID token");
    }
    const aud = payload.aud;
    if (typeof aud !== "string" || !config.clientIds.includes(aud)) {
      throw new TokenRejectedError("wrong audience");
    }
    if (typeof payload.exp !== "number") {
      throw new TokenRejectedError("token has no expiry");
    }
    if (payload.exp * 1000 <= now().getTime()) {
      throw new TokenRejectedError("token expired");
    }
    if (typeof payload.sub !== "string" || !payload.sub) {
      throw new TokenRejectedError("token has no subject");
    }
    if (
      typeof payload["cognito:username"] !== "string" ||
      !payload["cognito:username"]
    ) {
      throw new TokenRejectedError("token has no user name");
    }
  };
  const verifier = JwtVerifier.create(
    config.issuers.map((issuer) => ({
      issuer,
      jwksUri: config.jwksUris[issuer],
      audience: config.clientIds,
      customJwtCheck,
    })),
    options.jwksCache ? { jwksCache: options.jwksCache } : undefined,
  );
  return {
    async verify(token: string): Promise<VerifiedIdentity> {
      if (typeof token !== "string" || token.split(".").length !== 3) {
        throw new TokenRejectedError("malformed token");
      }
      let payload: Record<string, unknown>;
      try {
        payload = await verifier.verify(token) as Record<string, unknown>;
      } catch (error) {
        throw classify(error);
      }
      return {
        sub: payload.sub as string,
        username: payload["cognito:username"] as string,
      };
    },
  };
}

function classify(error: unknown): Error {
  if (error instanceof TokenRejectedError) return error;
  if (
    error instanceof FetchError || error instanceof JwksValidationError ||
    error instanceof JwkValidationError ||
    // Node's https refuses a non-https JWKS URL before any request is made.
    (error as { code?: unknown })?.code === "ERR_INVALID_PROTOCOL"
  ) return new JwksUnavailableError();
  const reasons: [new (...args: never[]) => Error, string][] = [
    [JwtExpiredError, "token expired"],
    [JwtNotBeforeError, "token not yet valid"],
    [JwtInvalidIssuerError, "wrong issuer"],
    // A multi-issuer verifier throws this for an `iss` it was not given.
    [ParameterValidationError, "wrong issuer"],
    [JwtInvalidAudienceError, "wrong audience"],
    [CognitoJwtInvalidClientIdError, "wrong audience"],
    [CognitoJwtInvalidTokenUseError, "not an ID token"],
    [JwtInvalidSignatureError, "bad signature"],
    [JwtInvalidSignatureAlgorithmError, "unsupported signing algorithm"],
    [KidNotFoundInJwksError, "unknown signing key"],
    [WaitPeriodNotYetEndedJwkError, "unknown signing key"],
    [JwtWithoutValidKidError, "unknown signing key"],
    [JwtParseError, "malformed token"],
  ];
  for (const [type, reason] of reasons) {
    if (error instanceof type) return new TokenRejectedError(reason);
  }
  return new TokenRejectedError("token could not be verified");
}
