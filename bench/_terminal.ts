/**
 * Times a command on a pseudo-terminal, as a person at a keyboard would
 * meet it: `script` (util-linux) gives the command a terminal, the bench
 * waits for the password prompt, types the password, and measures from the
 * Enter that ends it to a line saying the work is done.
 *
 * @module
 */
import { interrupted, track } from "./_proc.ts";

/** Options of {@linkcode timeFromEnter}. */
export interface TerminalRun {
  /** The command and its arguments. */
  command: string[];
  /** The exact environment (PATH and SHELL are added). */
  env: Record<string, string>;
  /** Working folder. */
  cwd: string;
  /** What the prompt says (matched in the terminal's output). */
  prompt: RegExp;
  /** What is typed at the prompt, before the Enter. */
  answer: string;
  /** A line the command prints when it is done (after the Enter). */
  done: RegExp;
  /** Gives up (kills the command) after this long; default 60 s. */
  timeoutMs?: number;
}

/** Whether util-linux `script` is there to give commands a terminal. */
export async function scriptAvailable(): Promise<boolean> {
  try {
    const out = await new Deno.Command("script", {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success &&
      /util-linux/.test(new TextDecoder().decode(out.stdout));
  } catch {
    return false;
  }
}

/** Quotes one word for `sh -c`. */
function shellWord(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * Runs `command` on a pseudo-terminal, answers the prompt, and returns the
 * milliseconds from the Enter to `done` appearing. Throws when the command
 * fails, never prompts, or never says it is done; the error shows the
 * terminal's output (it holds no secret: the answer is masked or not
 * echoed).
 */
export async function timeFromEnter(run: TerminalRun): Promise<number> {
  if (interrupted) throw new Error(`interrupted by ${interrupted}`);
  const child = new Deno.Command("script", {
    args: ["-q", "-e", "-c", run.command.map(shellWord).join(" "), "/dev/null"],
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      SHELL: "/bin/sh",
      TERM: "xterm",
      ...run.env,
    },
    clearEnv: true,
    cwd: run.cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const untrack = track(child);
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }, run.timeoutMs ?? 60_000);
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const stderr = new Response(child.stderr).text();
  let output = "";
  let enteredAt: number | undefined;
  let afterEnter = 0;
  let doneAt: number | undefined;
  try {
    for await (const chunk of child.stdout) {
      output += decoder.decode(chunk, { stream: true });
      if (enteredAt === undefined && run.prompt.test(output)) {
        await writer.write(encoder.encode(run.answer));
        afterEnter = output.length;
        enteredAt = performance.now();
        await writer.write(encoder.encode("\r"));
      } else if (
        enteredAt !== undefined && doneAt === undefined &&
        run.done.test(output.slice(afterEnter))
      ) {
        doneAt = performance.now();
      }
    }
    await writer.close().catch(() => {});
    const status = await child.status;
    const problem = enteredAt === undefined
      ? "never showed the prompt"
      : doneAt === undefined
      ? "never said it was done"
      : !status.success
      ? `exited ${status.code}`
      : undefined;
    if (problem) {
      throw new Error(
        `${run.command.slice(-6).join(" ")} on a terminal ${problem}:\n${
          output.slice(-1500)
        }${await stderr}`,
      );
    }
    return doneAt! - enteredAt!;
  } finally {
    clearTimeout(timer);
    untrack();
    await stderr.catch(() => {});
  }
}
