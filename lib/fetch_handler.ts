/**
 * The request handler of every AWS client that takes part in a sign-in
 * (Cognito User Pool and Identity Pool, STS for the classic flow, Lambda for
 * the credential proxy, and STS inside the proxy): `@smithy/fetch-http-handler`,
 * which sends with the runtime's own `fetch`, with network failures marked
 * for the SDK's retries.
 *
 * Why `fetch` rather than the SDK's `node:https` handler: Deno's `fetch` is
 * part of the runtime and already compiled (the first request through
 * `node:http` compiles Deno's compatibility layer, ~6 ms of every first
 * request), it follows `HTTPS_PROXY`/`NO_PROXY`, which `node:https` ignores,
 * and it trusts `DENO_CERT` as well as `NODE_EXTRA_CA_CERTS`. The module is
 * loaded on the first call, so a command that makes no AWS call never loads
 * it.
 *
 * @module
 */
import type {
  FetchHttpHandler,
  FetchHttpHandlerOptions,
} from "@smithy/fetch-http-handler";

import { blockedPort, isUntrustedCertificate } from "./errors.ts";

type FetchHandlerModule = typeof import("@smithy/fetch-http-handler");

let loaded: Promise<FetchHandlerModule> | undefined;

/** Starts loading `@smithy/fetch-http-handler` (once per process). */
export function loadFetchHandler(): Promise<FetchHandlerModule> {
  return loaded ??= import("@smithy/fetch-http-handler");
}

/**
 * A `FetchHttpHandler` (with `options`) whose network failures the SDK's
 * retries see as transient. The SDK retries a dropped or refused connection
 * by its Node.js error code (`ECONNRESET`, `ECONNREFUSED`, ...), which
 * Deno's `fetch` does not give: it throws `TypeError: fetch failed`, which
 * the SDK would not retry (it knows only browsers' messages). Marked
 * `$retryable`, such a failure is tried again with backoff, as the README
 * promises; an abort, a certificate the runtime does not trust and a port
 * `fetch` refuses are not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fetchRequestHandler } from "./fetch_handler.ts";
 * const handler = await fetchRequestHandler();
 * assert.equal(handler.constructor.name, "FetchHttpHandler");
 * ```
 */
export async function fetchRequestHandler(
  options?: FetchHttpHandlerOptions,
): Promise<FetchHttpHandler> {
  const { FetchHttpHandler } = await loadFetchHandler();
  const handler = new FetchHttpHandler(options);
  const handle = handler.handle.bind(handler);
  handler.handle = (request, handlerOptions) =>
    handle(request, handlerOptions).catch((error: unknown) => {
      if (error instanceof TypeError && !untrustedOrBlockedPort(error)) {
        (error as { $retryable?: object }).$retryable ??= {};
      }
      throw error;
    });
  return handler;
}

/** A certificate that is not trusted, or a port `fetch` will not use. */
function untrustedOrBlockedPort(error: unknown): boolean {
  return isUntrustedCertificate(error) || blockedPort(error) !== undefined;
}
