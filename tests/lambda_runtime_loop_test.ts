/**
 * The Runtime API loop with an injected `fetch` standing in for Lambda's
 * Runtime API: what it posts, how it survives bad invocations, deadlines and
 * trace ids. (The loop against the real emulator is in
 * lambda_runtime_test.ts.)
 */
import assert from "node:assert/strict";
import {
  DEADLINE_MARGIN_MS,
  reportInitError,
  runRuntimeLoop,
  type RuntimeInvocation,
} from "../lambda/runtime.ts";
import { withEnv } from "./support/tools.ts";

interface FakeEvent {
  id: string;
  payload: string;
  deadlineMs?: number;
  traceId?: string;
}

interface Post {
  path: string;
  body: string;
  errorType: string | null;
}

/**
 * A fake Runtime API: hands out `events` from `/next`, records posts, and
 * stops the loop (aborts its signal) once the events run out.
 */
function fakeRuntimeApi(events: FakeEvent[]) {
  const posts: Post[] = [];
  const stop = new AbortController();
  const fetchFn: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    assert.equal(url.host, "runtime.test:9001");
    if (url.pathname === "/2018-06-01/runtime/invocation/next") {
      const event = events.shift();
      if (!event) {
        stop.abort();
        throw new DOMException("stopped", "AbortError");
      }
      const headers: Record<string, string> = {
        "Lambda-Runtime-Aws-Request-Id": event.id,
        "Lambda-Runtime-Deadline-Ms": String(
          event.deadlineMs ?? Date.now() + 30_000,
        ),
        "Lambda-Runtime-Invoked-Function-Arn":
          "arn:aws:lambda:us-east-1:123456789012:function:proxy",
      };
      if (event.traceId) headers["Lambda-Runtime-Trace-Id"] = event.traceId;
      return new Response(event.payload, { headers });
    }
    posts.push({
      path: url.pathname,
      body: await new Response(init?.body).text(),
      errorType: new Headers(init?.headers).get(
        "Lambda-Runtime-Function-Error-Type",
      ),
    });
    return new Response(null, { status: 202 });
  };
  return { fetchFn, posts, signal: stop.signal };
}

Deno.test("runtime loop: posts each result to /response, reports a throwing handler to /error without its message, and goes on", async () => {
  const api = fakeRuntimeApi([
    { id: "a", payload: '{"n":1}' },
    { id: "b", payload: '{"n":2}' },
    { id: "c", payload: '{"n":3}' },
  ]);
  const logs: string[] = [];
  await runRuntimeLoop({
    api: "runtime.test:9001",
    fetch: api.fetchFn,
    signal: api.signal,
    log: (line) => logs.push(line),
    setTraceId: () => {},
    handler: (payload) => {
      const { n } = JSON.parse(new TextDecoder().decode(payload));
      if (n === 2) throw new Error("secret-in-message");
      return Promise.resolve({ statusCode: 200, body: String(n * 10) });
    },
  });
  assert.deepEqual(api.posts.map((p) => [p.path, p.errorType]), [
    ["/2018-06-01/runtime/invocation/a/response", null],
    ["/2018-06-01/runtime/invocation/b/error", "Runtime.HandlerError"],
    ["/2018-06-01/runtime/invocation/c/response", null],
  ]);
  assert.deepEqual(JSON.parse(api.posts[0].body), {
    statusCode: 200,
    body: "10",
  });
  assert.equal(JSON.parse(api.posts[1].body).errorType, "Runtime.HandlerError");
  for (const text of [...logs, ...api.posts.map((p) => p.body)]) {
    assert.ok(!text.includes("secret-in-message"));
  }
});

Deno.test("runtime loop: the handler's signal aborts shortly before Lambda-Runtime-Deadline-Ms, and the trace id is handed over", async () => {
  const deadlineMs = Date.now() + DEADLINE_MARGIN_MS + 100;
  const api = fakeRuntimeApi([
    { id: "slow", payload: "{}", deadlineMs, traceId: "Root=1-abc" },
    { id: "untraced", payload: "{}" },
  ]);
  const traces: (string | undefined)[] = [];
  const seen: RuntimeInvocation[] = [];
  let abortedAt = 0;
  await runRuntimeLoop({
    api: "runtime.test:9001",
    fetch: api.fetchFn,
    signal: api.signal,
    setTraceId: (id) => traces.push(id),
    handler: async (_payload, invocation) => {
      seen.push(invocation);
      if (invocation.requestId === "slow") {
        await new Promise((resolve) =>
          invocation.signal.addEventListener("abort", resolve)
        );
        abortedAt = Date.now();
        return { statusCode: 500, body: "timed out" };
      }
      return { statusCode: 200, body: "" };
    },
  });
  assert.deepEqual(traces, ["Root=1-abc", undefined]);
  assert.equal(seen[0].deadlineMs, deadlineMs);
  assert.equal(seen[0].traceId, "Root=1-abc");
  assert.ok(
    abortedAt <= deadlineMs - DEADLINE_MARGIN_MS + 50,
    "aborted before the deadline",
  );
  assert.equal(
    api.posts[0].path,
    "/2018-06-01/runtime/invocation/slow/response",
  );
});

Deno.test("runtime loop: sets _X_AMZN_TRACE_ID from the trace header by default", async () => {
  const api = fakeRuntimeApi([{ id: "t", payload: "{}", traceId: "Root=1-x" }]);
  let seenInHandler: string | undefined;
  await withEnv("_X_AMZN_TRACE_ID", undefined, () =>
    runRuntimeLoop({
      api: "runtime.test:9001",
      fetch: api.fetchFn,
      signal: api.signal,
      handler: () => {
        seenInHandler = Deno.env.get("_X_AMZN_TRACE_ID");
        return Promise.resolve({});
      },
    }));
  assert.equal(seenInHandler, "Root=1-x");
});

Deno.test("runtime loop: a Runtime API that keeps failing ends the loop with an error (Lambda then restarts the process)", async () => {
  let calls = 0;
  const failing: typeof fetch = () => {
    calls++;
    return Promise.reject(new TypeError("connection refused"));
  };
  await assert.rejects(
    runRuntimeLoop({
      api: "runtime.test:9001",
      fetch: failing,
      handler: () => Promise.resolve({}),
      log: () => {},
    }),
    TypeError,
  );
  assert.equal(calls, 5);
});

Deno.test("runtime: init errors go to /runtime/init/error with the error type", async () => {
  const api = fakeRuntimeApi([]);
  await reportInitError(
    { api: "runtime.test:9001", fetch: api.fetchFn },
    "Runtime.ConfigurationError",
    "Missing configuration: set DEFAULT_ROLE_ARN on the function.",
  );
  assert.deepEqual(api.posts, [{
    path: "/2018-06-01/runtime/init/error",
    errorType: "Runtime.ConfigurationError",
    body: JSON.stringify({
      errorMessage:
        "Missing configuration: set DEFAULT_ROLE_ARN on the function.",
      errorType: "Runtime.ConfigurationError",
    }),
  }]);
});
