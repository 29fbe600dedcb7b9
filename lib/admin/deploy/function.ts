/**
 * Step 6 of `lambda deploy`: the function itself. Created, or its code and
 * configuration updated where they differ, each call waiting (with the SDK's
 * waiters) until Lambda has the function ready.
 *
 * @module
 */
import {
  CreateFunctionCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from "@aws-sdk/client-lambda";
import { looksSecret, type Plan } from "../../plan.ts";
import {
  type AwsClients,
  type Backoff,
  describeAwsError,
  isRoleNotYetAssumable,
  retryWhilePending,
} from "../aws.ts";
import { sha256Base64 } from "../deno_layer.ts";
import {
  accessTokenCheckLine,
  type Environment,
  type Key,
  LEGACY_KEY_NAMES,
  type ProxySettings,
  shownEnvironment,
  wantedEnvironment,
} from "./environment.ts";
import type { Later } from "./later.ts";
import type { DeployTarget } from "./target.ts";
import { type FunctionWait, waitForFunction } from "./wait.ts";

/** The function's runtime settings. */
export const FUNCTION_SETTINGS = {
  Runtime: "provided.al2023",
  Handler: "bootstrap",
  Architecture: "x86_64",
  Timeout: 30,
  MemorySize: 512,
  Description: "Cognito credential proxy (deployed by aws-cognito-admin)",
} as const;

/** What the function step needs besides the plan. */
export interface FunctionDeps {
  /** SDK clients. */
  clients: AwsClients;
  /** Retries while Lambda cannot yet assume a new role. */
  backoff: Backoff;
  /** How to wait for the function to be ready. */
  wait?: FunctionWait;
}

/** The function wanted. */
export interface FunctionInput {
  /** Its name. */
  functionName: string;
  /** The zip to deploy. */
  bundle: Uint8Array;
  /** What the proxy is told. */
  settings: ProxySettings;
  /** What AWS holds now. */
  target: DeployTarget;
  /** The key it will hold. */
  key: Later<Key>;
  /** The runtime layer version. */
  layerArn: Later<string>;
  /** The layer's name, for the plan while its version is new. */
  layerName: string;
}

/** Plans the function's create, or its code and configuration updates. */
export async function planFunction(
  plan: Plan,
  deps: FunctionDeps,
  input: FunctionInput,
): Promise<void> {
  const { clients } = deps;
  const { functionName, target, key, layerArn } = input;
  const { fn, fnEnv } = target;
  const current = fn ? fnEnv : undefined;
  const environment = (k: Key | undefined) =>
    wantedEnvironment(current, input.settings, k);
  const configuration = () => ({
    FunctionName: functionName,
    Role: target.executionArn,
    Runtime: FUNCTION_SETTINGS.Runtime,
    Handler: FUNCTION_SETTINGS.Handler,
    Timeout: FUNCTION_SETTINGS.Timeout,
    MemorySize: FUNCTION_SETTINGS.MemorySize,
    Description: FUNCTION_SETTINGS.Description,
    Layers: [layerArn.get()],
    Environment: { Variables: environment(key.get()) },
  });
  const shown = {
    role: target.executionArn,
    runtime: FUNCTION_SETTINGS.Runtime,
    handler: FUNCTION_SETTINGS.Handler,
    architecture: FUNCTION_SETTINGS.Architecture,
    timeout: FUNCTION_SETTINGS.Timeout,
    memorySize: FUNCTION_SETTINGS.MemorySize,
    layers: [layerArn.known ?? `(new version of ${input.layerName})`],
    environment: shownEnvironment(environment(key.known), key.known),
  };
  // Values the calls below send or read back that must not reach a message.
  const secrets = () => [key.known?.secretAccessKey, ...secretValues(fnEnv)];
  /** Retries while Lambda cannot assume a role IAM has not propagated. */
  const retryRole = <T>(
    doing: string,
    permission: string,
    call: () => Promise<T>,
  ) =>
    retryWhilePending(call, isRoleNotYetAssumable, deps.backoff).catch(
      (error) => {
        throw describeAwsError(error, doing, permission, secrets());
      },
    );
  const waitFor = (
    until: "active" | "updated",
    failedIsReady = false,
  ) =>
    waitForFunction(clients, functionName, until, deps.wait, {
      failedIsReady,
      secrets: secrets(),
    });

  if (!fn) {
    plan.steps.push({
      call: "lambda:CreateFunction",
      target: `function ${functionName}`,
      details: ["(waits until the function is Active)"],
      documents: [{ label: "configuration", json: shown }],
      run: async () => {
        await retryRole(
          `creating function ${functionName}`,
          "lambda:CreateFunction",
          () =>
            clients.lambda.send(
              new CreateFunctionCommand({
                ...configuration(),
                Code: { ZipFile: input.bundle },
                Architectures: [FUNCTION_SETTINGS.Architecture],
                PackageType: "Zip",
              }),
            ),
        );
        await waitFor("active");
      },
    });
    return;
  }

  const codeSha = await sha256Base64(input.bundle);
  const sameCode = fn.CodeSha256 === codeSha &&
    (fn.Architectures ?? ["x86_64"]).join() === FUNCTION_SETTINGS.Architecture;
  if (sameCode) {
    plan.unchanged.push(`function ${functionName} code (sha256 ${codeSha})`);
  } else {
    plan.steps.push({
      call: "lambda:UpdateFunctionCode",
      target: `function ${functionName}`,
      details: [
        `new code sha256 ${codeSha} (was ${fn.CodeSha256})`,
        "(waits until the update is done)",
      ],
      run: async () => {
        await waitFor("updated", true);
        await retryRole(
          `updating the code of function ${functionName}`,
          "lambda:UpdateFunctionCode",
          () =>
            clients.lambda.send(
              new UpdateFunctionCodeCommand({
                FunctionName: functionName,
                ZipFile: input.bundle,
                Architectures: [FUNCTION_SETTINGS.Architecture],
              }),
            ),
        );
        await waitFor("updated");
      },
    });
  }

  const has = {
    role: fn.Role,
    runtime: fn.Runtime,
    handler: fn.Handler,
    timeout: fn.Timeout,
    memorySize: fn.MemorySize,
    layers: (fn.Layers ?? []).map((l) => l.Arn),
    environment: fnEnv,
    description: fn.Description,
  };
  const wanted = {
    role: target.executionArn,
    runtime: FUNCTION_SETTINGS.Runtime,
    handler: FUNCTION_SETTINGS.Handler,
    timeout: FUNCTION_SETTINGS.Timeout,
    memorySize: FUNCTION_SETTINGS.MemorySize,
    layers: [layerArn.known],
    environment: environment(key.known),
    description: FUNCTION_SETTINGS.Description,
  };
  if (
    key.known && layerArn.known &&
    JSON.stringify(sorted(has)) === JSON.stringify(sorted(wanted))
  ) {
    plan.unchanged.push(`function ${functionName} configuration`);
  } else {
    const legacy = Object.values(LEGACY_KEY_NAMES).filter((name) =>
      name in fnEnv
    );
    plan.steps.push({
      call: "lambda:UpdateFunctionConfiguration",
      target: `function ${functionName}`,
      details: [
        ...(legacy.length > 0
          ? [`removes the original tool's ${legacy.join(" and ")}`]
          : []),
        "(waits until the update is done)",
      ],
      documents: [{ label: "configuration", json: shown }],
      run: async () => {
        await waitFor("updated", true);
        await retryRole(
          `updating the configuration of function ${functionName}`,
          "lambda:UpdateFunctionConfiguration",
          () =>
            clients.lambda.send(
              new UpdateFunctionConfigurationCommand(configuration()),
            ),
        );
        await waitFor("updated");
      },
    });
  }
  plan.unchanged.push(accessTokenCheckLine(functionName, fnEnv));
}

/** The values of an environment's secret-looking variables. */
function secretValues(env: Environment): string[] {
  return Object.entries(env).filter(([name]) => looksSecret(name)).map((
    [, value],
  ) => value);
}

/** A copy with object keys sorted, for comparing. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((k) => [
        k,
        sorted((value as Record<string, unknown>)[k]),
      ]),
    );
  }
  return value;
}
