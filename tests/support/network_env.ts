/**
 * What a child process needs from this machine's environment to reach the
 * network: certificate trust, proxies and the npm registry settings.
 *
 * Test children normally get an exact environment (see `runCommand` in
 * `tools.ts`), so that nothing of the developer's own setup leaks into what
 * a test proves. A child that may download something (`deno bundle` fetching
 * esbuild, `deno install -g` fetching npm metadata) must still inherit what
 * makes the network work here; on a machine that reaches the registry only
 * through an HTTPS-inspecting proxy, a child without the CA settings fails
 * with "invalid peer certificate: UnknownIssuer". Children that must stay
 * isolated or offline do not get these.
 *
 * @module
 */

/** Variables taken over as they are, when set. */
export const NETWORK_ENV_NAMES = [
  // Certificate trust: OpenSSL-style, Deno's own, and Node's (Deno honours it).
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
  // Proxies, in both spellings.
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
  // Private registries need their tokens.
  "DENO_AUTH_TOKENS",
] as const;

/** Prefixes of the npm registry settings (`NPM_CONFIG_REGISTRY`, …). */
const NETWORK_ENV_PREFIXES = ["NPM_CONFIG_", "npm_config_"] as const;

/**
 * The network settings of `source` (default: this process's environment):
 * every variable named in {@linkcode NETWORK_ENV_NAMES} and every npm
 * registry setting, and nothing else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { networkEnv } from "./network_env.ts";
 * const env = networkEnv({
 *   HOME: "/home/me",
 *   SSL_CERT_FILE: "/etc/ssl/company.pem",
 *   https_proxy: "http://proxy:3128",
 *   NPM_CONFIG_REGISTRY: "https://npm.example/",
 *   AWS_SECRET_ACCESS_KEY: "not-this",
 * });
 * assert.deepEqual(env, {
 *   SSL_CERT_FILE: "/etc/ssl/company.pem",
 *   https_proxy: "http://proxy:3128",
 *   NPM_CONFIG_REGISTRY: "https://npm.example/",
 * });
 * ```
 */
export function networkEnv(
  source: Record<string, string | undefined> = Deno.env.toObject(),
): Record<string, string> {
  const names = new Set<string>(NETWORK_ENV_NAMES);
  return Object.fromEntries(
    Object.entries(source).filter((entry): entry is [string, string] => {
      const [name, value] = entry;
      return value !== undefined &&
        (names.has(name) ||
          NETWORK_ENV_PREFIXES.some((prefix) => name.startsWith(prefix)));
    }),
  );
}
