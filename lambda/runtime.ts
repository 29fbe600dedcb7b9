/**
 * A small client of the Lambda Runtime API (the custom-runtime protocol of
 * `provided.al2023`), so the function needs no AWS runtime library:
 *
 * - `GET  /2018-06-01/runtime/invocation/next` waits for an event;
 * - `POST /2018-06-01/runtime/invocation/{id}/response` returns its result;
 * - `POST /2018-06-01/runtime/invocation/{id}/error` reports a failure;
 * - `POST /2018-06-01/runtime/init/error` reports a failed start-up.
 *
 * One bad invocation (a handler that throws, a response that cannot be
 * posted) is reported and the loop goes on with the next one.
 *
 * @module
 */

/** Details of one invocation, from the Runtime API's headers. */
export interface RuntimeInvocation {
  /** `Lambda-Runtime-Aws-Request-Id`. */
  requestId: string;
  /** `Lambda-Runtime-Deadline-Ms`: when Lambda stops the invocation (epoch ms). */
  deadlineMs: number;
  /** `Lambda-Runtime-Invoked-Function-Arn`. */
  functionArn?: string;
  /** `Lambda-Runtime-Trace-Id` (X-Ray), also put in `_X_AMZN_TRACE_ID`. */
  traceId?: string;
  /**
   * Aborted {@linkcode DEADLINE_MARGIN_MS} before the deadline, so the
   * handler can still answer with an error of its own.
   */
  signal: AbortSignal;
}

/** Handles one event; the value is sent back as the JSON response. */
export type RuntimeHandler = (
  payload: Uint8Array,
  invocation: RuntimeInvocation,
) => Promise<unknown>;

/** Options of {@linkcode runRuntimeLoop}. */
export interface RuntimeLoopOptions {
  /** `host:port` of the Runtime API (`AWS_LAMBDA_RUNTIME_API`). */
  api: string;
  /** The function's handler. */
  handler: RuntimeHandler;
  /** `fetch` to use (tests inject one). */
  fetch?: typeof fetch;
  /** Stops the loop (tests). Lambda simply freezes or kills the process. */
  signal?: AbortSignal;
  /** Log sink for runtime problems (never payloads). */
  log?: (line: string) => void;
  /** Sets the trace id for the SDK; default writes `_X_AMZN_TRACE_ID`. */
  setTraceId?: (traceId: string | undefined) => void;
  /** Clock for the deadline (epoch ms). */
  now?: () => number;
}

/** How long before the deadline the invocation's signal is aborted. */
export const DEADLINE_MARGIN_MS = 300;

const API_VERSION = "2018-06-01";

/**
 * Fetches and handles events until `signal` aborts. Throws only when the
 * Runtime API itself keeps failing (then the process should exit and let
 * Lambda start a new one).
 *
 * @example
 * ```ts ignore
 * await runRuntimeLoop({
 *   api: Deno.env.get("AWS_LAMBDA_RUNTIME_API")!,
 *   handler: async (payload) => ({ length: payload.length }),
 * });
 * ```
 */
export async function runRuntimeLoop(
  options: RuntimeLoopOptions,
): Promise<void> {
  const http = options.fetch ?? fetch;
  const base = `http://${options.api}/${API_VERSION}/runtime`;
  const log = options.log ?? ((line: string) => console.error(line));
  const now = options.now ?? Date.now;
  const setTraceId = options.setTraceId ?? defaultSetTraceId;
  let failures = 0;

  while (!options.signal?.aborted) {
    let response: Response;
    try {
      response = await http(`${base}/invocation/next`, {
        signal: options.signal,
      });
    } catch (error) {
      if (options.signal?.aborted) return;
      if (++failures >= 5) throw error;
      log(`Runtime API unreachable (${describe(error)}); retrying`);
      await sleep(100 * failures);
      continue;
    }
    const requestId = response.headers.get("Lambda-Runtime-Aws-Request-Id");
    if (!response.ok || !requestId) {
      await response.body?.cancel();
      if (++failures >= 5) {
        throw new Error(`Runtime API answered ${response.status} to next`);
      }
      log(`Runtime API answered ${response.status} to next; retrying`);
      await sleep(100 * failures);
      continue;
    }
    failures = 0;

    let payload: Uint8Array;
    try {
      payload = new Uint8Array(await response.arrayBuffer());
    } catch (error) {
      log(`Could not read event ${requestId}: ${describe(error)}`);
      await postError(http, base, requestId, "Runtime.ReadError", log);
      continue;
    }
    const deadlineMs = Number(
      response.headers.get("Lambda-Runtime-Deadline-Ms"),
    );
    const traceId = response.headers.get("Lambda-Runtime-Trace-Id") ??
      undefined;
    setTraceId(traceId);

    const controller = new AbortController();
    const timer = Number.isFinite(deadlineMs) && deadlineMs > 0
      ? setTimeout(
        () => controller.abort(),
        Math.max(0, deadlineMs - now() - DEADLINE_MARGIN_MS),
      )
      : undefined;
    const invocation: RuntimeInvocation = {
      requestId,
      deadlineMs,
      functionArn:
        response.headers.get("Lambda-Runtime-Invoked-Function-Arn") ??
          undefined,
      traceId,
      signal: controller.signal,
    };
    try {
      let body: string;
      try {
        body = JSON.stringify(await options.handler(payload, invocation));
      } catch (error) {
        log(`Handler failed for ${requestId}: ${describe(error)}`);
        await postError(http, base, requestId, "Runtime.HandlerError", log);
        continue;
      }
      try {
        const posted = await http(`${base}/invocation/${requestId}/response`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body,
        });
        await posted.body?.cancel();
        if (!posted.ok) {
          log(`Runtime API answered ${posted.status} to ${requestId} response`);
        }
      } catch (error) {
        log(`Could not post response ${requestId}: ${describe(error)}`);
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }
}

/**
 * Tells Lambda that the function cannot start (e.g. missing configuration).
 * `message` must be free of secrets: Lambda shows it to the caller.
 */
export async function reportInitError(
  options: { api: string; fetch?: typeof fetch },
  errorType: string,
  message: string,
): Promise<void> {
  const http = options.fetch ?? fetch;
  const response = await http(
    `http://${options.api}/${API_VERSION}/runtime/init/error`,
    {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Lambda-Runtime-Function-Error-Type": errorType,
      },
      body: JSON.stringify({ errorMessage: message, errorType }),
    },
  );
  await response.body?.cancel();
}

async function postError(
  http: typeof fetch,
  base: string,
  requestId: string,
  errorType: string,
  log: (line: string) => void,
) {
  try {
    const response = await http(`${base}/invocation/${requestId}/error`, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "Lambda-Runtime-Function-Error-Type": errorType,
      },
      // A fixed message: an exception's text could carry request data.
      body: JSON.stringify({
        errorMessage: "The function failed to handle the request.",
        errorType,
      }),
    });
    await response.body?.cancel();
  } catch (error) {
    log(`Could not post error ${requestId}: ${describe(error)}`);
  }
}

function defaultSetTraceId(traceId: string | undefined) {
  if (traceId) Deno.env.set("_X_AMZN_TRACE_ID", traceId);
  else Deno.env.delete("_X_AMZN_TRACE_ID");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function sleep(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
