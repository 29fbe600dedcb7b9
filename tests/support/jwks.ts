/**
 * Test signing keys and a local HTTPS JWKS endpoint, for verifying the
 * proxy's token checks without Cognito: tokens are signed with a test RSA
 * key (RS256) whose public half is served the way Cognito serves it
 * (`/<poolId>/.well-known/jwks.json`).
 *
 * @module
 */
import type { TestTls } from "./tls.ts";

/** An RSA key pair that signs test JWTs. */
export interface TestSigner {
  /** The key id (`kid`) in headers and in the JWKS. */
  kid: string;
  /** The public key as a JWK (with `kid`, `alg`, `use`). */
  publicJwk: JsonWebKey & { kid: string };
  /** Signs a payload as an RS256 JWT; `header` adds or overrides fields. */
  sign(
    payload: Record<string, unknown>,
    header?: Record<string, unknown>,
  ): Promise<string>;
}

/** Creates a fresh RS256 signing key. */
export async function makeSigner(kid: string): Promise<TestSigner> {
  const keys = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const exported = await crypto.subtle.exportKey("jwk", keys.publicKey);
  const publicJwk = {
    kty: exported.kty,
    n: exported.n,
    e: exported.e,
    kid,
    alg: "RS256",
    use: "sig",
  };
  return {
    kid,
    publicJwk,
    async sign(payload, header = {}) {
      const input = `${
        base64url(JSON.stringify({ alg: "RS256", kid, typ: "JWT", ...header }))
      }.${base64url(JSON.stringify(payload))}`;
      const signature = await crypto.subtle.sign(
        "RSASSA-PKCS1-v1_5",
        keys.privateKey,
        new TextEncoder().encode(input),
      );
      return `${input}.${base64url(new Uint8Array(signature))}`;
    },
  };
}

/** An unsigned JWT (`alg: none`, empty signature). */
export function unsignedToken(
  payload: Record<string, unknown>,
  kid: string,
): string {
  return `${base64url(JSON.stringify({ alg: "none", kid, typ: "JWT" }))}.${
    base64url(JSON.stringify(payload))
  }.`;
}

/** Encodes text or bytes as unpadded base64url. */
export function base64url(data: string | Uint8Array): string {
  const bytes = typeof data === "string"
    ? new TextEncoder().encode(data)
    : data;
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** A running HTTPS JWKS endpoint; stopped when disposed (`await using`). */
export interface JwksServer extends AsyncDisposable {
  /** Full JWKS URL, `https://127.0.0.1:<port>/<poolId>/.well-known/jwks.json`. */
  url: string;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  /** Stops the server. */
  close(): Promise<void>;
}

/** Serves `{keys}` over HTTPS with the test CA's server certificate. */
export function startJwksServer(
  options: { tls: TestTls; poolId: string; keys: JsonWebKey[] },
): JwksServer {
  let count = 0;
  const path = `/${options.poolId}/.well-known/jwks.json`;
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    cert: options.tls.certPem,
    key: options.tls.keyPem,
    onListen() {},
  }, (request) => {
    if (new URL(request.url).pathname !== path) {
      return new Response("not found", { status: 404 });
    }
    count++;
    return Response.json({ keys: options.keys });
  });
  return {
    url: `https://127.0.0.1:${server.addr.port}${path}`,
    fetches: () => count,
    close: () => server.shutdown(),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}
