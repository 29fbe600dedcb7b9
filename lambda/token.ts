/**
 * Verifies Cognito tokens with `aws-jwt-verify`: RS256 signature against the
 * pool's JWKS (fetched over https only, fetched again every hour and on an
 * unknown `kid`, see `jwks_cache.ts`), issuer, and for ID tokens the
 * audience (the configured app client ids) and `token_use` = `id`; for
 * access tokens `client_id` and `token_use` = `access`.
 *
 * On top of what aws-jwt-verify checks, every token must have an `iat`, may
 * not be issued (`iat`) or signed in (`auth_time`) in the future beyond
 * {@linkcode CLOCK_SKEW_SECONDS}, may not live (`exp - iat`) longer than the
 * function's `MAX_TOKEN_LIFETIME_SECONDS`, and may carry no `crit` header
 * (RFC 7515 §4.1.11: this verifier understands no extension). Expiry is also
 * checked against the injected clock.
 *
 * `CognitoJwtVerifier` cannot be pointed at another JWKS URL (it derives the
 * URL from the pool id), so this uses the generic `JwtVerifier` with the
 * pool's issuers and adds the Cognito checks itself.
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
import type { Fetcher } from "aws-jwt-verify/https";
import type { JwksCache } from "aws-jwt-verify/jwk";
import type { ProxyConfig } from "./config.ts";
import { RefreshingJwksCache } from "./jwks_cache.ts";

/** How far in the future `iat` and `auth_time` may be (clocks differ). */
export const CLOCK_SKEW_SECONDS = 60;

/** Who a verified ID token belongs to. */
export interface VerifiedIdentity {
  /** The user's `sub` (stable user id). */
  sub: string;
  /** The user's `cognito:username`. */
  username: string;
}

/** Checks ID and access tokens and tells whose they are, or throws. */
export interface IdTokenVerifier {
  /**
   * Resolves with the ID token's user when the token is valid.
   *
   * @throws {TokenRejectedError} when the token is not acceptable.
   * @throws {JwksUnavailableError} when the signing keys cannot be fetched.
   */
  verify(token: string): Promise<VerifiedIdentity>;
  /**
   * Resolves with the access token's `sub` when the token is a valid access
   * token of the pool for one of the app clients. Whether Cognito still
   * honours it (not signed out, user enabled) is asked separately.
   *
   * @throws {TokenRejectedError} when the token is not acceptable.
   * @throws {JwksUnavailableError} when the signing keys cannot be fetched.
   */
  verifyAccessToken(token: string): Promise<{ sub: string }>;
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
   * Fetches the JWKS (default: aws-jwt-verify's, over https with Node's
   * `https` module, trusting the system CAs plus `NODE_EXTRA_CA_CERTS`).
   */
  fetcher?: Fetcher;
  /** How long fetched keys are trusted (default one hour). */
  jwksMaxAgeMs?: number;
  /**
   * A whole JWKS cache to use instead of the refreshing one built from
   * `fetcher`, `jwksMaxAgeMs` and `now`.
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
  config: Pick<
    ProxyConfig,
    "issuers" | "jwksUris" | "clientIds" | "maxTokenLifetimeSeconds"
  >,
  options: IdTokenVerifierOptions = {},
): IdTokenVerifier {
  const now = options.now ?? (() => new Date());
  const jwksCache = options.jwksCache ?? new RefreshingJwksCache({
    fetcher: options.fetcher,
    maxAgeMs: options.jwksMaxAgeMs,
    now: () => now().getTime(),
  });
  type Decomposed = {
    header: Record<string, unknown>;
    payload: Record<string, unknown>;
  };
  const commonChecks = ({ header, payload }: Decomposed) => {
    if (header.alg !== "RS256") {
      throw new TokenRejectedError("unsupported signing algorithm");
    }
    if ("crit" in header) {
      throw new TokenRejectedError("critical header present");
    }
    const nowSeconds = now().getTime() / 1000;
    const { iat, exp, auth_time: authTime } = payload;
    if (typeof exp !== "number" || !Number.isFinite(exp)) {
      throw new TokenRejectedError("token has no expiry");
    }
    if (typeof iat !== "number" || !Number.isFinite(iat)) {
      throw new TokenRejectedError("token has no issue time");
    }
    if (exp <= nowSeconds) throw new TokenRejectedError("token expired");
    if (iat > nowSeconds + CLOCK_SKEW_SECONDS) {
      throw new TokenRejectedError("token issued in the future");
    }
    if (authTime !== undefined) {
      if (typeof authTime !== "number" || !Number.isFinite(authTime)) {
        throw new TokenRejectedError("malformed auth_time");
      }
      if (authTime > nowSeconds + CLOCK_SKEW_SECONDS) {
        throw new TokenRejectedError("sign-in time in the future");
      }
    }
    if (exp - iat > config.maxTokenLifetimeSeconds) {
      throw new TokenRejectedError("token lifetime too long");
    }
    if (typeof payload.sub !== "string" || !payload.sub) {
      throw new TokenRejectedError("token has no subject");
    }
  };
  const idTokenCheck = (jwt: Decomposed) => {
    const { payload } = jwt;
    if (payload.token_use !== "id") {
      throw new TokenRejectedError("not an ID token");
    }
    const aud = payload.aud;
    if (typeof aud !== "string" || !config.clientIds.includes(aud)) {
      throw new TokenRejectedError("wrong audience");
    }
    commonChecks(jwt);
    if (
      typeof payload["cognito:username"] !== "string" ||
      !payload["cognito:username"]
    ) {
      throw new TokenRejectedError("token has no user name");
    }
  };
  const accessTokenCheck = (jwt: Decomposed) => {
    const { payload } = jwt;
    if (payload.token_use !== "access") {
      throw new TokenRejectedError("access token: not an access token");
    }
    const clientId = payload.client_id;
    if (typeof clientId !== "string" || !config.clientIds.includes(clientId)) {
      throw new TokenRejectedError("access token: wrong client");
    }
    commonChecks(jwt);
  };
  const idVerifier = JwtVerifier.create(
    config.issuers.map((issuer) => ({
      issuer,
      jwksUri: config.jwksUris[issuer],
      audience: config.clientIds,
      customJwtCheck: idTokenCheck,
    })),
    { jwksCache },
  );
  const accessVerifier = JwtVerifier.create(
    config.issuers.map((issuer) => ({
      issuer,
      jwksUri: config.jwksUris[issuer],
      // Cognito's access tokens carry client_id, not aud: checked above.
      audience: null,
      customJwtCheck: accessTokenCheck,
    })),
    { jwksCache },
  );
  const run = async (
    verifier: { verify(token: string): Promise<unknown> },
    token: string,
    prefix: string,
  ) => {
    if (typeof token !== "string" || token.split(".").length !== 3) {
      throw new TokenRejectedError(`${prefix}malformed token`);
    }
    try {
      return await verifier.verify(token) as Record<string, unknown>;
    } catch (error) {
      const classified = classify(error);
      if (
        classified instanceof TokenRejectedError &&
        !classified.reason.startsWith(prefix)
      ) {
        throw new TokenRejectedError(`${prefix}${classified.reason}`);
      }
      throw classified;
    }
  };
  return {
    async verify(token: string): Promise<VerifiedIdentity> {
      const payload = await run(idVerifier, token, "");
      return {
        sub: payload.sub as string,
        username: payload["cognito:username"] as string,
      };
    },
    async verifyAccessToken(token: string): Promise<{ sub: string }> {
      const payload = await run(accessVerifier, token, "access token: ");
      return { sub: payload.sub as string };
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
