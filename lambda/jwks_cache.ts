/**
 * A JWKS cache for `aws-jwt-verify` that also forgets the keys on a schedule.
 *
 * `aws-jwt-verify`'s `SimpleJwksCache` fetches a JWKS again only when a token
 * names a `kid` it does not hold, so a key the pool removed would stay
 * trusted for the life of the process. This cache fetches the JWKS again
 * once it is older than `maxAgeMs` (checked on use, against an injected
 * clock: a frozen Lambda needs no timer), and fails closed: when that fetch
 * fails, the old keys are not used, and the fetch error goes to the caller
 * (the proxy answers 500) until a fetch succeeds.
 *
 * @module
 */
import type { Fetcher } from "aws-jwt-verify/https";
import {
  FetchError,
  JwksNotAvailableInCacheError,
  NonRetryableFetchError,
} from "aws-jwt-verify/error";
import { type JwksCache, SimpleJwksCache } from "aws-jwt-verify/jwk";

/** How long one JWKS request may take, as `aws-jwt-verify`'s own fetcher. */
const JWKS_TIMEOUT_MS = 3000;

/**
 * Fetches a JWKS with the runtime's `fetch` (https only, status 200, one
 * immediate retry after a network failure, 3 s per attempt), throwing
 * `aws-jwt-verify`'s fetch errors as its own fetcher does.
 *
 * Used instead of that fetcher, which goes through `node:https`: on Deno its
 * first request sets up Node's networking layer and a TLS client with the
 * whole root store, tens of milliseconds of a cold start, and its connection
 * is not kept. `fetch` keeps the connection to the pool's domain open for the
 * GetUser check and for the next refresh of the keys.
 */
export const fetchJwks: Fetcher = {
  async fetch(uri: string): Promise<ArrayBuffer> {
    if (!uri.startsWith("https://")) {
      throw new NonRetryableFetchError(uri, "only https URLs are fetched");
    }
    for (let attempt = 1;; attempt++) {
      let response: Response;
      try {
        response = await fetch(uri, {
          signal: AbortSignal.timeout(JWKS_TIMEOUT_MS),
        });
      } catch (error) {
        if (attempt < 2) continue;
        throw new FetchError(uri, (error as Error)?.message ?? "failed");
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new NonRetryableFetchError(
          uri,
          `Status code is ${response.status}, expected 200`,
        );
      }
      try {
        return await response.arrayBuffer();
      } catch (error) {
        if (attempt < 2) continue;
        throw new FetchError(uri, (error as Error)?.message ?? "failed");
      }
    }
  },
};

type DecomposedJwt = Parameters<JwksCache["getJwk"]>[1];
type Jwks = Parameters<JwksCache["addJwks"]>[1];
type JwkWithKid = Awaited<ReturnType<JwksCache["getJwk"]>>;

/** How long fetched keys are trusted before they are fetched again. */
export const JWKS_MAX_AGE_MS = 60 * 60 * 1000;

/** Options of {@linkcode RefreshingJwksCache}. */
export interface RefreshingJwksCacheOptions {
  /** Fetches a JWKS (default: {@linkcode fetchJwks}). */
  fetcher?: Fetcher;
  /** Age after which the keys are fetched again (default one hour). */
  maxAgeMs?: number;
  /** The clock, epoch milliseconds (default `Date.now`). */
  now?: () => number;
}

/**
 * `aws-jwt-verify`'s cache with an age limit: see the module doc.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RefreshingJwksCache } from "./jwks_cache.ts";
 * let fetches = 0;
 * const cache = new RefreshingJwksCache({
 *   fetcher: {
 *     fetch: () => {
 *       fetches++;
 *       return Promise.resolve(
 *         new TextEncoder().encode('{"keys":[]}').buffer as ArrayBuffer,
 *       );
 *     },
 *   },
 *   maxAgeMs: 1000,
 *   now: () => 0,
 * });
 * await cache.getJwks("https://example.com/jwks.json");
 * assert.equal(fetches, 1);
 * ```
 */
export class RefreshingJwksCache implements JwksCache {
  readonly #inner: SimpleJwksCache;
  readonly #fetchedAt = new Map<string, number>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  /** Creates an empty cache. */
  constructor(options: RefreshingJwksCacheOptions = {}) {
    const fetcher = options.fetcher ?? fetchJwks;
    this.#maxAgeMs = options.maxAgeMs ?? JWKS_MAX_AGE_MS;
    this.#now = options.now ?? Date.now;
    // Every successful fetch (scheduled, first, or for an unknown kid)
    // restarts the clock of that URL.
    this.#inner = new SimpleJwksCache({
      fetcher: {
        fetch: async (uri, requestOptions, data) => {
          const startedAt = this.#now();
          const body = await fetcher.fetch(uri, requestOptions, data);
          this.#fetchedAt.set(uri, startedAt);
          return body;
        },
      },
    });
  }

  #stale(jwksUri: string): boolean {
    const fetchedAt = this.#fetchedAt.get(jwksUri);
    return fetchedAt !== undefined && this.#now() - fetchedAt >= this.#maxAgeMs;
  }

  /** The key for the token: fetched again first when the keys are too old. */
  async getJwk(
    jwksUri: string,
    decomposedJwt: DecomposedJwt,
  ): Promise<JwkWithKid> {
    if (this.#stale(jwksUri)) {
      // Just fetched: a kid that is not there is unknown, no second fetch.
      await this.#inner.getJwks(jwksUri);
      return this.#inner.getCachedJwk(jwksUri, decomposedJwt);
    }
    return this.#inner.getJwk(jwksUri, decomposedJwt);
  }

  /** The cached key for the token; throws when the keys are too old. */
  getCachedJwk(jwksUri: string, decomposedJwt: DecomposedJwt): JwkWithKid {
    if (this.#stale(jwksUri)) {
      throw new JwksNotAvailableInCacheError(
        `JWKS for uri ${jwksUri} is older than its maximum age`,
      );
    }
    return this.#inner.getCachedJwk(jwksUri, decomposedJwt);
  }

  /** Adds keys fetched elsewhere; they count as fetched now. */
  addJwks(jwksUri: string, jwks: Jwks): void {
    this.#inner.addJwks(jwksUri, jwks);
    this.#fetchedAt.set(jwksUri, this.#now());
  }

  /** Fetches the keys now. */
  getJwks(jwksUri: string): Promise<Jwks> {
    return this.#inner.getJwks(jwksUri);
  }
}
