/**
 * A small HTTP relay on a free loopback port, put in front of moto (or of
 * nothing) through the SDK's endpoint settings. It records every request and
 * the answer it gave, and a test decides per request what happens:
 * forward it to the upstream (optionally rewriting the answer), answer
 * itself (an AWS-style error, throttling, a 5xx), or accept it and never
 * answer (a hung service).
 *
 * Requests are told apart by their `X-Amz-Target` header
 * (`AWSCognitoIdentityProviderService.InitiateAuth`,
 * `AWSCognitoIdentityService.GetId`, ...) or, for REST services such as
 * Lambda, by their path.
 *
 * @module
 */

/** One request the relay received, and what it answered. */
export interface RelayExchange {
  /** `X-Amz-Target` (e.g. `AWSCognitoIdentityService.GetId`), else the path. */
  target: string;
  /** The request method and path. */
  method: string;
  path: string;
  /** The request body as text. */
  requestBody: string;
  /** The status answered (0 while hanging). */
  status: number;
  /** The answer's body as text ("" while hanging). */
  responseBody: string;
}

/** What the relay does with one request. */
export type RelayAction =
  | {
    kind: "forward";
    /** Rewrites the upstream's JSON answer before it goes back. */
    rewrite?: (body: unknown) => unknown;
  }
  | { kind: "respond"; status: number; body: unknown }
  | { kind: "hang" };

/** Decides what to do with the `index`-th request (0-based). */
export type RelayPolicy = (
  exchange: RelayExchange,
  index: number,
) => RelayAction;

/** A running relay. */
export interface Relay {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL*`. */
  endpoint: string;
  /** Every request so far, in arrival order. */
  exchanges: RelayExchange[];
  /** The targets of the requests so far. */
  targets(): string[];
  /** Replaces the policy (e.g. between two runs of a test). */
  setPolicy(policy: RelayPolicy): void;
  /** Answers hanging requests with 503 and stops listening. */
  stop(): Promise<void>;
}

/** Forwards everything unchanged. */
export const forwardAll: RelayPolicy = () => ({ kind: "forward" });

/**
 * The body AWS JSON-protocol services send with an error: the SDK reads the
 * error's name from `__type`.
 */
export function awsError(type: string, message: string) {
  return { __type: type, message };
}

/**
 * Starts a relay to `upstream` (a base URL such as moto's endpoint; it may be
 * unused when the policy never forwards).
 */
export function startRelay(
  upstream: string,
  policy: RelayPolicy = forwardAll,
): Relay {
  const exchanges: RelayExchange[] = [];
  let current = policy;
  const release = Promise.withResolvers<void>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const url = new URL(request.url);
      const exchange: RelayExchange = {
        target: request.headers.get("x-amz-target") ?? url.pathname,
        method: request.method,
        path: url.pathname,
        requestBody: await request.text(),
        status: 0,
        responseBody: "",
      };
      const index = exchanges.length;
      exchanges.push(exchange);
      const action = current(exchange, index);
      if (action.kind === "hang") {
        // Never answer while the relay runs; stopping it answers 503, so that
        // shutting down does not wait for ever.
        await release.promise;
        return new Response("relay stopped", { status: 503 });
      }
      if (action.kind === "respond") {
        exchange.status = action.status;
        exchange.responseBody = JSON.stringify(action.body);
        return new Response(exchange.responseBody, {
          status: action.status,
          headers: { "content-type": "application/x-amz-json-1.1" },
        });
      }
      const headers = new Headers(request.headers);
      headers.delete("host");
      const answer = await fetch(upstream + url.pathname + url.search, {
        method: request.method,
        headers,
        body: request.method === "GET" || request.method === "HEAD"
          ? undefined
          : exchange.requestBody,
      });
      let text = await answer.text();
      if (action.rewrite && answer.ok) {
        text = JSON.stringify(action.rewrite(JSON.parse(text)));
      }
      exchange.status = answer.status;
      exchange.responseBody = text;
      const out = new Headers(answer.headers);
      out.delete("content-length");
      out.delete("content-encoding");
      return new Response(text, { status: answer.status, headers: out });
    },
  );
  let stopped = false;
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    exchanges,
    targets: () => exchanges.map((e) => e.target),
    setPolicy(next) {
      current = next;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      release.resolve();
      await server.shutdown();
    },
  };
}
