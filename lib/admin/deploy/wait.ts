/**
 * Waiting for the proxy function with the SDK's own waiters
 * (`waitUntilFunctionActiveV2` after a create, `waitUntilFunctionUpdatedV2`
 * around an update; both poll `GetFunction`), with timing the caller sets.
 *
 * A waiter's error quotes the last `GetFunction` answer whole, the
 * function's environment and so its secrets included. It is never passed
 * on: on failure the function's state is read again and described.
 *
 * @module
 */
import {
  type GetFunctionCommandOutput,
  GetFunctionConfigurationCommand,
  type LambdaClient,
  waitUntilFunctionActiveV2,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";
import { AwsRefusedError, redactSecrets } from "../../errors.ts";
import { awsCall, type AwsClients } from "../aws.ts";

/** How the waiters poll (seconds), and whom they tell. */
export interface FunctionWait {
  /** Seconds before the second poll (default 1); later waits grow. */
  minDelay?: number;
  /** Longest wait between polls, in seconds (default 10). */
  maxDelay?: number;
  /** Gives up after this many seconds (default 300). */
  maxWaitTime?: number;
  /** Told each time a poll finds the function not ready yet. */
  onPending?(functionName: string, status: string): void;
}

/** What to wait for: a new function `active`, or an update `updated`. */
export type Readiness = "active" | "updated";

/**
 * Waits until the function is Active (`active`) or its last update is done
 * (`updated`). Throws an {@linkcode AwsRefusedError} naming Lambda's reason
 * (without `secrets`) when it failed, or when it is not ready in time. With
 * `failedIsReady` a failed earlier update counts as done (before an update
 * that replaces it).
 */
export async function waitForFunction(
  clients: AwsClients,
  functionName: string,
  until: Readiness,
  wait: FunctionWait = {},
  options: { failedIsReady?: boolean; secrets?: (string | undefined)[] } = {},
): Promise<void> {
  const client = watched(clients.lambda, (out) => {
    const c = out.Configuration;
    const status = until === "active" ? c?.State : c?.LastUpdateStatus;
    if (status === "Pending" || status === "InProgress") {
      wait.onPending?.(functionName, status);
    }
  });
  const maxWaitTime = wait.maxWaitTime ?? 300;
  const waiter = until === "active"
    ? waitUntilFunctionActiveV2
    : waitUntilFunctionUpdatedV2;
  try {
    await waiter({
      client,
      minDelay: wait.minDelay ?? 1,
      maxDelay: wait.maxDelay ?? 10,
      maxWaitTime,
    }, { FunctionName: functionName });
    return;
  } catch {
    // Described below from a fresh read; see the module's note.
  }
  const now = await awsCall(
    `reading the state of function ${functionName}`,
    "lambda:GetFunctionConfiguration",
    () =>
      clients.lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: functionName }),
      ),
  );
  const failed = until === "active"
    ? now.State === "Failed"
    : now.LastUpdateStatus === "Failed";
  const ready = until === "active"
    ? now.State === "Active"
    : now.LastUpdateStatus === "Successful";
  if (ready || (failed && options.failedIsReady)) return;
  if (failed) {
    const reason =
      (until === "active" ? now.StateReason : now.LastUpdateStatusReason) ??
        "no reason given";
    throw new AwsRefusedError(
      `Lambda could not get function ${functionName} ready: ${
        redactSecrets(reason, options.secrets ?? [])
      }.`,
    );
  }
  throw new AwsRefusedError(
    `Lambda did not get function ${functionName} ready within ` +
      `${maxWaitTime} s (state ${now.State ?? "unknown"}, last update ` +
      `${now.LastUpdateStatus ?? "unknown"}). Run the command again once it ` +
      "is: it carries on from what AWS has.",
  );
}

/** The client, telling `seen` each answer the waiter gets. */
function watched(
  client: LambdaClient,
  seen: (out: GetFunctionCommandOutput) => void,
): LambdaClient {
  const send = async (command: Parameters<LambdaClient["send"]>[0]) => {
    const out = await client.send(command as never);
    seen(out as GetFunctionCommandOutput);
    return out;
  };
  return Object.assign(Object.create(client), { send }) as LambdaClient;
}
