/**
 * Running and timing child processes for the benchmark, and cleaning up
 * after it: every child is tracked until it exits, so an interrupted run can
 * kill what is still going, and cleanup steps run last-in first-out.
 *
 * @module
 */
import { runCommand, type RunResult } from "../tests/support/tools.ts";

/** The result of one timed run. */
export interface TimedRun extends RunResult {
  /** Wall time from spawn to exit, in milliseconds. */
  ms: number;
  /** Peak RSS in kilobytes (`/usr/bin/time -v`), when asked for. */
  maxRssKb?: number;
}

/** Options of {@linkcode runTimed}. */
export interface RunOptions {
  /** The exact environment (PATH is added; nothing else is inherited). */
  env?: Record<string, string>;
  /** Working folder. */
  cwd?: string;
  /** Text fed to standard input (else stdin is /dev/null). */
  stdin?: string;
  /** Measure peak RSS by running under `/usr/bin/time -v`. */
  rss?: boolean;
}

/** Where GNU time lives; it reports "Maximum resident set size". */
export const GNU_TIME = "/usr/bin/time";

const live = new Set<Deno.ChildProcess>();

/** The signal that interrupted the benchmark, once one has. */
export let interrupted: Deno.Signal | undefined;

/** Kills every child that is still running (on an interrupt). */
export function killChildren(): void {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  }
}

/**
 * Tracks a child spawned outside {@linkcode runTimed} so that an interrupt
 * kills it too; call the function returned once it has exited.
 */
export function track(child: Deno.ChildProcess): () => void {
  live.add(child);
  return () => live.delete(child);
}

/**
 * Runs a command to completion with exactly the given environment (plus
 * PATH) and measures its wall time. With `rss`, it runs under
 * `/usr/bin/time -v -o <file>`, which adds a fork and exec (well under a
 * millisecond) to the wall time.
 */
export async function runTimed(
  cmd: string,
  args: string[],
  options: RunOptions = {},
): Promise<TimedRun> {
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  let rssFile: string | undefined;
  if (options.rss) {
    rssFile = await Deno.makeTempFile({ prefix: "bench-rss-" });
    args = ["-v", "-o", rssFile, cmd, ...args];
    cmd = GNU_TIME;
  }
  let child: Deno.ChildProcess | undefined;
  try {
    const started = performance.now();
    const run = await runCommand(cmd, args, {
      env: options.env,
      cwd: options.cwd,
      stdin: options.stdin,
      onSpawn: (spawned) => live.add(child = spawned),
    });
    const result: TimedRun = { ms: performance.now() - started, ...run };
    if (rssFile) {
      const report = await Deno.readTextFile(rssFile);
      const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
      if (!kb) throw new Error(`no peak RSS in ${GNU_TIME}'s report`);
      result.maxRssKb = Number(kb[1]);
    }
    return result;
  } finally {
    if (child) live.delete(child);
    if (rssFile) await Deno.remove(rssFile).catch(() => {});
  }
}

/** Throws with the command's output when a run did not exit 0. */
export function expectSuccess(label: string, run: TimedRun): TimedRun {
  if (run.code !== 0) {
    throw new Error(
      `${label} exited ${run.code}:\n${run.stderr.slice(-2000)}${
        run.stdout.slice(-500)
      }`,
    );
  }
  return run;
}

/**
 * Cleanup steps, run last-in first-out exactly once, when the benchmark
 * ends, fails or is interrupted.
 *
 * On SIGINT or SIGTERM the running children are killed, so the benchmark
 * fails at its next step and its `finally` runs the cleanup; if it has not
 * finished 15 s later, or on a second signal, the cleanup runs at once and
 * the process exits (130 for SIGINT, 143 for SIGTERM).
 */
export class Cleanup {
  #steps: (() => Promise<unknown> | unknown)[] = [];
  #ran?: Promise<void>;

  /** Listens for SIGINT and SIGTERM. */
  constructor() {
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      Deno.addSignalListener(signal, () => {
        const exit = () =>
          this.run().finally(() => Deno.exit(exitCodeOf(signal)));
        if (interrupted) return void exit();
        interrupted = signal;
        console.error(`\n${signal}: stopping and cleaning up...`);
        killChildren();
        Deno.unrefTimer(setTimeout(exit, 15_000));
      });
    }
  }

  /** Adds a step (e.g. stop a server, remove a folder). */
  add(step: () => Promise<unknown> | unknown): void {
    this.#steps.push(step);
  }

  /** Runs every step once; failures are printed, not thrown. */
  run(): Promise<void> {
    this.#ran ??= (async () => {
      while (this.#steps.length) {
        const step = this.#steps.pop()!;
        try {
          await step();
        } catch (error) {
          console.error(`cleanup: ${(error as Error).message}`);
        }
      }
    })();
    return this.#ran;
  }
}

/** The exit code for a process that stops because of `signal`. */
export function exitCodeOf(signal: Deno.Signal | undefined): number {
  return signal === "SIGINT" ? 130 : signal === "SIGTERM" ? 143 : 1;
}
