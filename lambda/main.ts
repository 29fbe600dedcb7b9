/**
 * Entry point of the credential proxy on Lambda (`provided.al2023`): reads
 * the configuration, builds the long-lived dependencies once (the JWKS cache,
 * the STS client and its connection live as long as the execution
 * environment), and serves
 * invocations through the Runtime API loop. Missing configuration is
 * reported through `/runtime/init/error`.
 *
 * Bundled into one file by `deno task build:lambda`; see `lambda/README.md`.
 *
 * @module
 */
import { loadProxyConfig, ProxyConfigError } from "./config.ts";
import { handleInvocation, type ProxyDeps } from "./handler.ts";
import { reportInitError, runRuntimeLoop } from "./runtime.ts";
import { createSessionChecker } from "./session_check.ts";
import { createStsRoleAssumer } from "./sts.ts";
import { createIdTokenVerifier } from "./token.ts";

const api = Deno.env.get("AWS_LAMBDA_RUNTIME_API");
if (!api) {
  console.error("AWS_LAMBDA_RUNTIME_API is not set: run this on Lambda.");
  Deno.exit(1);
}

let deps: ProxyDeps;
try {
  const config = loadProxyConfig(Deno.env.toObject());
  const now = () => new Date();
  deps = {
    config,
    verifier: createIdTokenVerifier(config, { now }),
    sts: createStsRoleAssumer(config),
    sessions: createSessionChecker(config),
    now,
  };
} catch (error) {
  const message = error instanceof ProxyConfigError
    ? error.message
    : "The function could not start.";
  console.error(message);
  await reportInitError({ api }, "Runtime.ConfigurationError", message);
  Deno.exit(1);
}

await runRuntimeLoop({
  api,
  handler: (payload, invocation) =>
    handleInvocation(payload, deps, {
      requestId: invocation.requestId,
      signal: invocation.signal,
    }),
});
