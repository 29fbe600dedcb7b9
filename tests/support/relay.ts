/**
 * A small recording HTTP relay on a free loopback port, put in front of a
 * local AWS stand-in (moto, the Lambda runtime emulator, or nothing) through
 * the SDK's endpoint settings, so tests and the benchmark see what really
 * went over the wire. It records every request (its service, operation and
 * body) and the answer it gave, and a policy decides per request what
 * happens: forward it to the upstream (optionally rewriting the answer),
 * answer itself (an AWS-style error, throttling, a 5xx), or accept it and
 * never answer (a hung service).
 *
 * Requests are told apart as AWS tells them apart: by their `X-Amz-Target`
 * header (`AWSCognitoIdentityProviderService.InitiateAuth`,
 * `AWSCognitoIdentityService.GetId`, ...), the Lambda invoke path, or the
 * signed service and the `Action` parameter (STS, IAM).
 *
 * {@linkcode startRelayedMoto} starts moto with a forwarding relay in front,
 * as the end-to-end tests that count requests use it.
 *
 * @module
 */
import { DENO_DIR, type TempHome } from "./cli.ts";
import type { CognitoStack } from "./fixtures.ts";
import { type MotoOptions, type MotoServer, startMoto } from "./moto.ts";

/** One request the relay received, and what it answered. */
export interface RelayExchange {
  /** Service, e.g. `cognito-idp`, `cognito-identity`, `lambda`, `sts`. */
  service: string;
  /** Operation, e.g. `InitiateAuth`, `GetId`, `Invoke`. */
  action: string;
  /** `X-Amz-Target` (e.g. `AWSCognitoIdentityService.GetId`), else the path. */
  target: string;
  /** The request method and path. */
  method: string;
  path: string;
  /** The request body as text (to read, or to search for secrets). */
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

/** Options of {@linkcode startRelay}. */
export interface RelayOptions {
  /**
   * CA certificates (PEM) to trust when the upstream is https (e.g. moto over
   * TLS with the test CA). Without them the system's CAs are trusted.
   */
  caCerts?: string[];
  /**
   * Milliseconds to hold each request before handling it, as a network
   * round trip would (the benchmark's real-world latency); default none.
   */
  delayMs?: number;
}

/** A running relay; stopped when disposed (`await using`). */
export interface Relay extends AsyncDisposable {
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

/** The relay's answer that AWS refused the request (400) with `type`. */
export function awsRefusal(type: string, message: string): RelayAction {
  return { kind: "respond", status: 400, body: awsError(type, message) };
}

const TARGET_SERVICES: Record<string, string> = {
  AWSCognitoIdentityProviderService: "cognito-idp",
  AWSCognitoIdentityService: "cognito-identity",
};

/** Works out service and operation from the request, as AWS would. */
function classify(
  url: URL,
  headers: Headers,
  body: string,
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
  const action = new URLSearchParams(body).get("Action") ??
    url.searchParams.get("Action") ??
    `${headers.get("x-http-method") ?? ""}${url.pathname}`;
  return { service: signed ?? "unsigned", action };
}

/**
 * Starts a relay to `upstream` (a base URL such as moto's endpoint; it may be
 * unused when the policy never forwards). Callers talk plain HTTP to the
 * relay; the relay talks to the upstream over whatever its scheme says.
 */
export function startRelay(
  upstream: string,
  policy: RelayPolicy = forwardAll,
  options: RelayOptions = {},
): Relay {
  const exchanges: RelayExchange[] = [];
  let current = policy;
  const release = Promise.withResolvers<void>();
  const client = options.caCerts
    ? Deno.createHttpClient({ caCerts: options.caCerts })
    : undefined;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const url = new URL(request.url);
      const requestBody = await request.text();
      if (options.delayMs) {
        await new Promise((done) => setTimeout(done, options.delayMs));
      }
      const exchange: RelayExchange = {
        ...classify(url, request.headers, requestBody),
        target: request.headers.get("x-amz-target") ?? url.pathname,
        method: request.method,
        path: url.pathname,
        requestBody,
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
      headers.delete("content-length");
      const answer = await fetch(upstream + url.pathname + url.search, {
        method: request.method,
        headers,
        body: request.method === "GET" || request.method === "HEAD"
          ? undefined
          : requestBody,
        client,
      });
      const bytes = new Uint8Array(await answer.arrayBuffer());
      let text = new TextDecoder().decode(bytes);
      let body: BodyInit = bytes;
      if (action.rewrite && answer.ok) {
        text = JSON.stringify(action.rewrite(JSON.parse(text)));
        body = text;
      }
      exchange.status = answer.status;
      exchange.responseBody = text;
      const out = new Headers(answer.headers);
      out.delete("content-length");
      out.delete("content-encoding");
      return new Response(body, { status: answer.status, headers: out });
    },
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    release.resolve();
    await server.shutdown();
    client?.close();
  };
  return {
    endpoint: `http://127.0.0.1:${server.addr.port}`,
    exchanges,
    targets: () => exchanges.map((e) => e.target),
    setPolicy(next) {
      current = next;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** moto behind a recording relay, for one test file. */
export interface RelayedMoto {
  /** The moto server. */
  moto: MotoServer;
  /** The relay in front of it, forwarding everything. */
  relay: Relay;
  /**
   * Environment of a user on this machine whose tools (ours and the AWS
   * CLI) reach moto through the relay: the home, moto's settings, the
   * stack's `COGNITO_*` variables and the Deno cache.
   */
  userEnv(home: TempHome, stack?: CognitoStack): Record<string, string>;
  /** {@linkcode userEnv} with the stack's password in `COGNITO_PASSWORD`. */
  passwordEnv(home: TempHome, stack: CognitoStack): Record<string, string>;
}

/** Starts moto and a forwarding relay in front; both stop when the file ends. */
export async function startRelayedMoto(
  options: MotoOptions = {},
): Promise<RelayedMoto> {
  const moto = await startMoto(options);
  const relay = startRelay(moto.endpoint);
  globalThis.addEventListener("unload", () => {
    void relay.stop();
    void moto.stop();
  });
  const userEnv = (home: TempHome, stack?: CognitoStack) => ({
    ...home.env,
    ...moto.env,
    ...stack?.env,
    AWS_ENDPOINT_URL: relay.endpoint,
    DENO_DIR,
  });
  return {
    moto,
    relay,
    userEnv,
    passwordEnv: (home, stack) => ({
      ...userEnv(home, stack),
      COGNITO_PASSWORD: stack.password,
    }),
  };
}

/** Keys the relay put in one `GetCredentialsForIdentity` answer. */
export interface IssuedCredentials {
  /** `ASIARELAY` and a running number. */
  AccessKeyId: string;
  /** A secret key no other answer has. */
  SecretKey: string;
  /** A session token no other answer has. */
  SessionToken: string;
}

/**
 * A policy that forwards everything and gives each
 * `GetCredentialsForIdentity` answer keys of its own (moto hands every
 * caller the same ones), telling `onIssue` about each set in order.
 */
export function uniqueCredentials(
  onIssue: (credentials: IssuedCredentials) => void,
): RelayPolicy {
  let count = 0;
  return (exchange) => {
    if (
      exchange.target !== "AWSCognitoIdentityService.GetCredentialsForIdentity"
    ) {
      return { kind: "forward" };
    }
    return {
      kind: "forward",
      rewrite(body) {
        const n = String(++count).padStart(8, "0");
        const nonce = crypto.randomUUID().replaceAll("-", "");
        const credentials = {
          AccessKeyId: `ASIARELAY${n}`,
          SecretKey: `relay-secret-${n}-${nonce}`,
          SessionToken: `relay-token-${n}-${nonce}`,
        };
        onIssue(credentials);
        const answer = body as { Credentials: Record<string, unknown> };
        return {
          ...answer,
          Credentials: { ...answer.Credentials, ...credentials },
        };
      },
    };
  };
}

/**
 * Runs `action` and returns its result with the requests that went through
 * `relay` meanwhile: as `service:action` counts, and their bodies.
 */
export async function requestsDuring<T>(
  relay: Relay,
  action: () => Promise<T>,
): Promise<[T, Record<string, number>, string[]]> {
  const start = relay.exchanges.length;
  const result = await action();
  const seen = relay.exchanges.slice(start);
  const counts: Record<string, number> = {};
  for (const r of seen) {
    const key = `${r.service}:${r.action}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return [result, counts, seen.map((r) => r.requestBody)];
}

/** One Cognito user pool request seen by {@linkcode cognitoRequests}. */
export interface CognitoRequest {
  /** The operation, e.g. `InitiateAuth`. */
  action: string;
  /** The JSON body, parsed. */
  body: Record<string, unknown>;
  /** The body as sent (to search for secrets). */
  raw: string;
}

/**
 * Runs `action` and returns its result with the Cognito user pool
 * (`cognito-idp`) requests that went through `relay` meanwhile.
 */
export async function cognitoRequests<T>(
  relay: Relay,
  action: () => Promise<T>,
): Promise<[T, CognitoRequest[]]> {
  const start = relay.exchanges.length;
  const result = await action();
  const requests = relay.exchanges.slice(start)
    .filter((r) => r.service === "cognito-idp")
    .map((r) => ({
      action: r.action,
      body: JSON.parse(r.requestBody),
      raw: r.requestBody,
    }));
  return [result, requests];
}

/** Options of {@linkcode requireAttributes}. */
export interface RequireAttributesOptions {
  /**
   * The attributes announced in the challenge's `requiredAttributes`
   * (default: the enforced ones). Announcing fewer than are enforced makes
   * the relay refuse an answer the client thought complete.
   */
  announce?: readonly string[];
}

/**
 * A stand-in for Cognito's user attribute check, which moto has not got
 * (no moto release sends `requiredAttributes`): every NEW_PASSWORD_REQUIRED
 * challenge moto sends gets `requiredAttributes` (a JSON list of
 * `userAttributes.<name>`) and `userAttributes` parameters, as Cognito's
 * do, and an answer to it without a value for each of `names` is refused
 * as Cognito refuses it (`InvalidParameterException`, "Invalid attributes
 * given, name is missing") instead of reaching moto. Everything else is
 * forwarded unchanged.
 */
export function requireAttributes(
  names: readonly string[],
  options: RequireAttributesOptions = {},
): RelayPolicy {
  const announce = options.announce ?? names;
  return (exchange) => {
    if (exchange.service !== "cognito-idp") return { kind: "forward" };
    if (exchange.action === "RespondToAuthChallenge") {
      const request = JSON.parse(exchange.requestBody) as {
        ChallengeName?: string;
        ChallengeResponses?: Record<string, string>;
      };
      if (request.ChallengeName === "NEW_PASSWORD_REQUIRED") {
        const responses = request.ChallengeResponses ?? {};
        const missing = names.find((name) =>
          !responses[`userAttributes.${name}`]
        );
        if (missing !== undefined) {
          return {
            kind: "respond",
            status: 400,
            body: awsError(
              "InvalidParameterException",
              `Invalid attributes given, ${missing} is missing`,
            ),
          };
        }
      }
    }
    return {
      kind: "forward",
      rewrite(body) {
        const answer = body as {
          ChallengeName?: string;
          ChallengeParameters?: Record<string, string>;
        };
        if (answer.ChallengeName !== "NEW_PASSWORD_REQUIRED") return body;
        return {
          ...answer,
          ChallengeParameters: {
            ...answer.ChallengeParameters,
            requiredAttributes: JSON.stringify(
              announce.map((name) => `userAttributes.${name}`),
            ),
            userAttributes: JSON.stringify({ email_verified: "true" }),
          },
        };
      },
    };
  };
}

/**
 * A policy that forwards everything but turns the first challenge Cognito
 * answers `InitiateAuth` with into `challenge` (with `parameters`, moto's
 * session kept): a stand-in for challenges moto never sends (WEB_AUTHN,
 * SELECT_MFA_TYPE, a name no one knows yet).
 */
export function replaceChallenge(
  challenge: string,
  parameters: Record<string, string> = {},
): RelayPolicy {
  return (exchange) => {
    if (exchange.target !== "AWSCognitoIdentityProviderService.InitiateAuth") {
      return { kind: "forward" };
    }
    return {
      kind: "forward",
      rewrite(body) {
        const answer = body as { ChallengeName?: string };
        if (answer.ChallengeName === undefined) return body;
        return {
          ...answer,
          ChallengeName: challenge,
          ChallengeParameters: parameters,
        };
      },
    };
  };
}

/**
 * A stand-in for Cognito's SELECT_MFA_TYPE, which moto never sends: moto's
 * SOFTWARE_TOKEN_MFA challenge after `InitiateAuth` becomes SELECT_MFA_TYPE
 * offering `offered`, and the relay answers the choice itself, as Cognito
 * does, with the chosen challenge on the same session (only
 * SOFTWARE_TOKEN_MFA goes on to moto, which checks the code).
 */
export function selectMfaType(offered: readonly string[]): RelayPolicy {
  return (exchange) => {
    if (exchange.service !== "cognito-idp") return { kind: "forward" };
    if (exchange.action === "RespondToAuthChallenge") {
      const request = JSON.parse(exchange.requestBody) as {
        ChallengeName?: string;
        Session?: string;
        ChallengeResponses?: Record<string, string>;
      };
      if (request.ChallengeName === "SELECT_MFA_TYPE") {
        const choice = request.ChallengeResponses?.ANSWER ?? "";
        if (!offered.includes(choice)) {
          return {
            kind: "respond",
            status: 400,
            body: awsError(
              "InvalidParameterException",
              `${choice || "ANSWER"} is not a valid MFA type`,
            ),
          };
        }
        return {
          kind: "respond",
          status: 200,
          body: {
            ChallengeName: choice,
            ChallengeParameters: {},
            Session: request.Session,
          },
        };
      }
      return { kind: "forward" };
    }
    if (exchange.action !== "InitiateAuth") return { kind: "forward" };
    return {
      kind: "forward",
      rewrite(body) {
        const answer = body as { ChallengeName?: string };
        if (answer.ChallengeName !== "SOFTWARE_TOKEN_MFA") return body;
        return {
          ...answer,
          ChallengeName: "SELECT_MFA_TYPE",
          ChallengeParameters: { MFAS_CAN_CHOOSE: JSON.stringify(offered) },
        };
      },
    };
  };
}
