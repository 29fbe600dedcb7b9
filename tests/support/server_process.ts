/**
 * A stand-in server run as a child process (moto, the Lambda runtime
 * emulator, the OpenID providers): started with its output drained so the
 * pipes never fill up, stopped with SIGTERM and waited for, and stopped
 * when the test process ends if no one did it before.
 *
 * @module
 */
import { waitFor } from "./tools.ts";

/** A running server process; stopped when disposed (`await using`). */
export interface ServerProcess extends AsyncDisposable {
  /** The child process. */
  child: Deno.ChildProcess;
  /** Everything it printed so far (empty when `onOutput` takes it). */
  output(): string;
  /** Whether {@linkcode ServerProcess.stop} was called. */
  stopped(): boolean;
  /** Stops it with SIGTERM and waits for it and its output to end. */
  stop(): Promise<void>;
}

/** Options of {@linkcode spawnServer}. */
export interface SpawnServerOptions {
  /** Its environment (with PATH added when `clearEnv`). */
  env?: Record<string, string>;
  /** Start from an empty environment plus PATH (default true). */
  clearEnv?: boolean;
  /** Its working folder. */
  cwd?: string;
  /** Takes its output instead of keeping it in memory. */
  onOutput?: (chunk: Uint8Array) => void;
  /** Signal sent at unload when it is still running (default SIGKILL). */
  unloadSignal?: Deno.Signal;
}

/** Spawns `bin` with `args` as a server; see {@linkcode ServerProcess}. */
export function spawnServer(
  bin: string,
  args: string[],
  options: SpawnServerOptions = {},
): ServerProcess {
  const clearEnv = options.clearEnv ?? true;
  const child = new Deno.Command(bin, {
    args,
    cwd: options.cwd,
    clearEnv,
    env: clearEnv
      ? { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...options.env }
      : { ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const take = options.onOutput ??
    ((chunk: Uint8Array) => {
      output += decoder.decode(chunk, { stream: true });
    });
  const drains = [child.stdout, child.stderr].map((stream) =>
    stream.pipeTo(new WritableStream({ write: (chunk) => take(chunk) }))
      .catch(() => {})
  );
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGTERM");
    } catch { /* already gone */ }
    await child.status;
    await Promise.all(drains);
  };
  globalThis.addEventListener("unload", () => {
    if (stopped) return;
    try {
      child.kill(options.unloadSignal ?? "SIGKILL");
    } catch { /* already gone */ }
  });
  return {
    child,
    output: () => output,
    stopped: () => stopped,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Waits until something accepts TCP connections on 127.0.0.1:`port`. */
export function listening(port: number, timeoutMs: number): Promise<boolean> {
  return waitFor(
    async () => {
      try {
        (await Deno.connect({ hostname: "127.0.0.1", port })).close();
        return true;
      } catch {
        return false;
      }
    },
    timeoutMs,
    50,
  );
}
