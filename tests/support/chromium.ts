/**
 * A real headless Chromium (Debian's `chromium`, installed by the test setup)
 * driven through the DevTools protocol over its WebSocket, with no library:
 * open an address in a new tab, wait for an element, run a line of script
 * in the page (fill a form, click), read the page's text.
 *
 * Started with a fresh `--user-data-dir`, and the flags that keep it quiet
 * and off the network: `--headless --no-sandbox --disable-gpu --disable-quic
 * --no-first-run --disable-background-networking --disable-component-update
 * --disable-sync`.
 *
 * @module
 */
import { waitFor } from "./tools.ts";

/** The browser binary: `CHROMIUM` if set, else `chromium` on PATH. */
export const CHROMIUM = Deno.env.get("CHROMIUM") ?? "chromium";

/** A tab of the browser. */
export interface Tab {
  /** Runs `expression` in the page and returns its (JSON) value. */
  evaluate(expression: string): Promise<unknown>;
  /** Waits until `expression` is true in the page. */
  waitUntil(expression: string, timeoutMs?: number): Promise<void>;
  /** The address the tab shows now. */
  url(): Promise<string>;
}

/** A running headless Chromium. */
export interface Chromium extends AsyncDisposable {
  /** Opens `url` in a new tab. */
  open(url: string): Promise<Tab>;
  /** The tabs opened so far, in order. */
  tabs: Tab[];
  /** Stops the browser and removes its profile folder. */
  stop(): Promise<void>;
}

/** Starts Chromium headless on a free DevTools port. */
export async function startChromium(): Promise<Chromium> {
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  const child = new Deno.Command(CHROMIUM, {
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--remote-debugging-port=0",
      `--user-data-dir=${profile}`,
      "about:blank",
    ],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  let stopped = false;
  let socket: WebSocket | undefined;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    socket?.close();
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  };
  try {
    // Chromium writes its DevTools port and browser path into the profile.
    let active = "";
    const ready = await waitFor(
      async () => {
        active = await Deno.readTextFile(`${profile}/DevToolsActivePort`)
          .catch(() => "");
        return active.includes("\n");
      },
      20_000,
      50,
    );
    if (!ready) throw new Error("chromium did not start its DevTools server");
    const [port, path] = active.trim().split("\n");
    socket = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    await new Promise((resolve, reject) => {
      socket!.onopen = resolve;
      socket!.onerror = () => reject(new Error("DevTools connection failed"));
    });
  } catch (error) {
    await stop();
    throw error;
  }
  const ws = socket;
  let nextId = 1;
  const pending = new Map<
    number,
    { resolve: (v: unknown) => void; reject: (e: Error) => void }
  >();
  ws.onmessage = (event) => {
    const message = JSON.parse(event.data);
    const waiter = message.id && pending.get(message.id);
    if (!waiter) return;
    pending.delete(message.id);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  };
  const send = (
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
  ) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, {
        resolve: (v) => resolve(v as Record<string, unknown>),
        reject,
      });
      ws.send(JSON.stringify({ id, method, params, sessionId }));
    });

  const tabs: Tab[] = [];
  return {
    tabs,
    async open(url) {
      const { targetId } = await send("Target.createTarget", { url });
      const { sessionId } = await send("Target.attachToTarget", {
        targetId,
        flatten: true,
      }) as { sessionId: string };
      const evaluate = async (expression: string) => {
        const result = await send("Runtime.evaluate", {
          expression,
          returnByValue: true,
          awaitPromise: true,
        }, sessionId) as {
          result?: { value?: unknown };
          exceptionDetails?: unknown;
        };
        if (result.exceptionDetails) return undefined;
        return result.result?.value;
      };
      const tab: Tab = {
        evaluate,
        async waitUntil(expression, timeoutMs = 15_000) {
          const ok = await waitFor(
            async () => await evaluate(`Boolean(${expression})`) === true,
            timeoutMs,
            50,
          );
          if (!ok) throw new Error(`page never showed: ${expression}`);
        },
        async url() {
          return String(await evaluate("location.href"));
        },
      };
      tabs.push(tab);
      return tab;
    },
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
