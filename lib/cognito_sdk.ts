/**
 * The two Cognito clients of the AWS SDK (User Pool and Identity Pool) that
 * a sign-in uses: each module loaded once per process, started as early as
 * a caller knows a sign-in is coming, and every client made here sending
 * with the runtime's own `fetch`.
 *
 * Loading them is most of a sign-in's own cost (about 50 to 70 ms of the
 * CPU, against a few milliseconds per request to a nearby endpoint). Started
 * early, the loading overlaps with whatever the process waits for anyway:
 * the password prompt, the reads and locks of the AWS files, the first
 * request in flight. Nothing here imports the SDK at the top, so commands
 * that make no AWS call never load it.
 *
 * Why `fetch`, and its retries: `fetch_handler.ts`.
 *
 * @module
 */
import type { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";
import type { CognitoIdentityProviderClient } from "@aws-sdk/client-cognito-identity-provider";
import type { FetchHttpHandler } from "@smithy/fetch-http-handler";
import { fetchRequestHandler, loadFetchHandler } from "./fetch_handler.ts";

/** The `@aws-sdk/client-cognito-identity-provider` module. */
export type UserPoolSdk =
  typeof import("@aws-sdk/client-cognito-identity-provider");
/** The `@aws-sdk/client-cognito-identity` module. */
export type IdentityPoolSdk = typeof import("@aws-sdk/client-cognito-identity");

let userPool: Promise<UserPoolSdk> | undefined;
let identityPool: Promise<IdentityPoolSdk> | undefined;

/** The User Pool client's module, loading it on the first call. */
export function userPoolSdk(): Promise<UserPoolSdk> {
  return userPool ??= import("@aws-sdk/client-cognito-identity-provider");
}

/** The Identity Pool client's module, loading it on the first call. */
export function identityPoolSdk(): Promise<IdentityPoolSdk> {
  return identityPool ??= import("@aws-sdk/client-cognito-identity");
}

/** Settings every client of this module shares, besides its region. */
export interface CognitoClientOptions {
  /** Attempts per request, retries included (the SDK's default: 3). */
  maxAttempts?: number;
}

/**
 * A User Pool client for `region` that sends with `fetch`, and its module
 * (for the commands).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { userPoolClient } from "./cognito_sdk.ts";
 * const { sdk, client } = await userPoolClient("eu-west-1");
 * assert.equal(await client.config.region(), "eu-west-1");
 * assert.equal(client.config.requestHandler.constructor.name, "FetchHttpHandler");
 * assert.equal(typeof sdk.InitiateAuthCommand, "function");
 * client.destroy();
 * ```
 */
export function userPoolClient(
  region: string,
  options: CognitoClientOptions = {},
): Promise<{ sdk: UserPoolSdk; client: CognitoIdentityProviderClient }> {
  return withFetch(
    userPoolSdk(),
    (sdk, config) => new sdk.CognitoIdentityProviderClient(config),
    { region, ...options },
  );
}

/** An Identity Pool client for `region` that sends with `fetch`, and its module. */
export function identityPoolClient(
  region: string,
  options: CognitoClientOptions = {},
): Promise<{ sdk: IdentityPoolSdk; client: CognitoIdentityClient }> {
  return withFetch(
    identityPoolSdk(),
    (sdk, config) => new sdk.CognitoIdentityClient(config),
    { region, ...options },
  );
}

/** What a client of this module is made with. */
type ClientConfig = CognitoClientOptions & { region: string };

/** Makes a client of `module` with `config` and the fetch handler. */
async function withFetch<Sdk, Client>(
  module: Promise<Sdk>,
  make: (
    sdk: Sdk,
    config: ClientConfig & { requestHandler: FetchHttpHandler },
  ) => Client,
  config: ClientConfig,
): Promise<{ sdk: Sdk; client: Client }> {
  const [sdk, requestHandler] = await Promise.all([
    module,
    fetchRequestHandler(),
  ]);
  return { sdk, client: make(sdk, { ...config, requestHandler }) };
}

/**
 * Starts loading both clients without waiting for them. A failure to load
 * is reported where the module is used, so it is ignored here.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { preloadCognitoSdk, userPoolSdk } from "./cognito_sdk.ts";
 * preloadCognitoSdk(); // returns at once
 * const sdk = await userPoolSdk(); // the same load, already under way
 * assert.equal(typeof sdk.InitiateAuthCommand, "function");
 * ```
 */
export function preloadCognitoSdk(): void {
  userPoolSdk().catch(() => {});
  identityPoolSdk().catch(() => {});
  loadFetchHandler().catch(() => {});
}

let warmedUp: Promise<void> | undefined;

/**
 * Compiles the SDK's request path ahead of the first real request, for a
 * caller that is about to wait for a person (a password prompt). Runs a
 * sign-in's three calls (InitiateAuth, GetId, GetCredentialsForIdentity)
 * through throwaway clients whose handler answers `{}` in-process, so
 * nothing is sent anywhere and the real clients' state is not touched.
 *
 * V8 compiles a function the first time it is called, and the SDK's request
 * path (middleware, endpoint rules, serializers, retries, deserializers) is
 * about 20 ms of compiling on a process's first request. Done while a
 * prompt waits, the requests after the Enter find it compiled. Runs once per
 * process; never rejects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { warmUpCognitoSdk } from "./cognito_sdk.ts";
 * const first = warmUpCognitoSdk();
 * assert.equal(warmUpCognitoSdk(), first); // once per process
 * assert.equal(await first, undefined);
 * ```
 */
export function warmUpCognitoSdk(): Promise<void> {
  return warmedUp ??= warmUp().catch(() => {});
}

async function warmUp(): Promise<void> {
  const [userPool, identity] = await Promise.all([
    userPoolSdk(),
    identityPoolSdk(),
  ]);
  // Answers every request with an empty JSON object, as Cognito's JSON
  // protocol would, without a connection.
  const requestHandler = {
    handle: () =>
      Promise.resolve({
        response: {
          statusCode: 200,
          headers: { "content-type": "application/x-amz-json-1.1" },
          body: new Blob(["{}"]).stream(),
        },
      }),
    updateHttpClientConfig() {},
    httpHandlerConfigs: () => ({}),
    destroy() {},
  } as unknown as FetchHttpHandler;
  const region = "us-east-1";
  const idp = new userPool.CognitoIdentityProviderClient({
    region,
    requestHandler,
  });
  const ids = new identity.CognitoIdentityClient({ region, requestHandler });
  try {
    await idp.send(
      new userPool.InitiateAuthCommand({
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: "warm-up",
        AuthParameters: { USERNAME: "warm-up", PASSWORD: "warm-up" },
      }),
    );
    const Logins = { "cognito-idp.us-east-1.amazonaws.com/warm-up": "x" };
    const IdentityId = `${region}:00000000-0000-0000-0000-000000000000`;
    await ids.send(
      new identity.GetIdCommand({ IdentityPoolId: IdentityId, Logins }),
    );
    await ids.send(
      new identity.GetCredentialsForIdentityCommand({ IdentityId, Logins }),
    );
  } finally {
    idp.destroy();
    ids.destroy();
  }
}
