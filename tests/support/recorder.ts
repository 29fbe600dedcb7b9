/**
 * A recording relay in front of a local AWS stand-in (moto or the runtime
 * emulator): it forwards every request unchanged and remembers which
 * service and operation each one was, so tests and the benchmark can count
 * requests at the server side of the wire.
 *
 * @module
 */

/** One request that went through the relay. */
export interface RecordedRequest {
  /** Service, e.g. `cognito-idp`, `cognito-identity`, `lambda`, `sts`. */
  service: string;
  /** Operation, e.g. `InitiateAuth`, `GetId`, `Invoke`. */
  action: string;
  /** The raw request body, to search for secrets. */
  raw: string;
}

/** A running relay. */
export interface Recorder {
  /** Base URL to point the SDK at. */
  endpoint: string;
  /** Every request so far, in order. */
  requests: RecordedRequest[];
  /** How many requests each `service:action` received. */
  counts(): Record<string, number>;
  /** Stops the relay. */
  close(): Promise<void>;
}

const TARGET_SERVICES: Record<string, string> = {
  AWSCognitoIdentityProviderService: "cognito-idp",
  AWSCognitoIdentityService: "cognito-identity",
};

/** Works out service and operation from the request, as AWS would. */
function classify(
  url: URL,
  headers: Headers,
  raw: string,
): { service: string; action: string } {
  const target = headers.get("x-amz-target");
  if (target) {
    const [prefix, action] = target.split(".");
    return { service: TARGET_SERVICES[prefix] ?? prefix, action };
  }
  if (/^\/2015-03-31\/functions\/[^/]+\/invocations$/.test(url.pathname)) {
    return { service: "lambda", action: "Invoke" };
  }
  const signed = /Credential=[^/]+\/[^/]+\/[^/]+\/([^/]+)\//.exec(
    headers.get("authorization") ?? "",
  )?.[1];
  const action = new URLSearchParams(raw).get("Action") ??
    url.searchParams.get("Action") ??
    `${headers.get("x-http-method") ?? ""}${url.pathname}`;
  return { service: signed ?? "unsigned", action };
}

/** Options of {@linkcode startRecorder}. */
export interface RecorderOptions {
  /**
   * CA certificates (PEM) to trust when `target` is https (e.g. moto over
   * TLS with the test CA). Without them the system's CAs are trusted.
   */
  caCerts?: string[];
}

/**
 * Starts a relay on a free loopback port that forwards to `target`
 * (e.g. moto's endpoint). Callers talk plain HTTP to the relay; the relay
 * talks to `target` over whatever its scheme says.
 */
export function startRecorder(
  target: string,
  options: RecorderOptions = {},
): Recorder {
  const requests: RecordedRequest[] = [];
  const client = options.caCerts
    ? Deno.createHttpClient({ caCerts: options.caCerts })
    : undefined;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const url = new URL(request.url);
      const raw = await request.text();
      requests.push({ ...classify(url, request.headers, raw), raw });
      const headers = new Headers(request.headers);
      headers.delete("host");
      headers.delete("content-length");
      const response = await fetch(`${target}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        body: raw || undefined,
        client,
      });
      return new Response(await response.arrayBuffer(), {
        status: response.status,
        headers: response.headers,
      });
    },
  );
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    requests,
    counts() {
      const counts: Record<string, number> = {};
      for (const r of requests) {
        const key = `${r.service}:${r.action}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      return counts;
    },
    async close() {
      await server.shutdown();
      client?.close();
    },
  };
}
