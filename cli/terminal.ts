/**
 * What the entry scripts need from the terminal: whether colour is allowed
 * (`NO_COLOR`, non-terminal output), a few colours, reading all of stdin,
 * and prompts that are only ever shown when stdin is a terminal.
 *
 * @module
 */

/** Whether colour may be written to a stream (honours `NO_COLOR`). */
export function colorEnabled(stream: { isTerminal(): boolean }): boolean {
  const noColor = Deno.env.get("NO_COLOR");
  return (noColor === undefined || noColor === "") && stream.isTerminal();
}

/** Colour helpers for one stream; plain text when colour is off. */
export function palette(enabled: boolean): {
  red: (s: string) => string;
  yellow: (s: string) => string;
  green: (s: string) => string;
  dim: (s: string) => string;
  bold: (s: string) => string;
} {
  const wrap = (open: number, close: number) => (s: string) =>
    enabled ? `\x1b[${open}m${s}\x1b[${close}m` : s;
  return {
    red: wrap(31, 39),
    yellow: wrap(33, 39),
    green: wrap(32, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

/** Reads standard input to the end as text. */
export async function readAllStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of Deno.stdin.readable) chunks.push(chunk);
  const total = chunks.reduce((n, c) => n + c.length, 0);
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

/** Asks questions on a terminal. Every prompt writes to stderr. */
export interface Prompter {
  /** Asks for a line of text, with a default shown and kept on Enter. */
  text(message: string, defaultValue?: string): Promise<string>;
  /** Asks for a secret; the characters are masked. */
  secret(message: string): Promise<string>;
  /** Asks a yes/no question. */
  confirm(message: string, defaultValue?: boolean): Promise<boolean>;
}

/**
 * A prompter over `@inquirer/prompts`, loaded only when a prompt is really
 * shown, or undefined when stdin is not a terminal (so nothing ever hangs
 * waiting for input that cannot come).
 */
export function terminalPrompter(): Prompter | undefined {
  if (!Deno.stdin.isTerminal()) return undefined;
  const load = async () => {
    const [prompts, process] = await Promise.all([
      import("@inquirer/prompts"),
      import("node:process"),
    ]);
    return { prompts, context: { output: process.stderr } };
  };
  return {
    async text(message, defaultValue) {
      const { prompts, context } = await load();
      return await prompts.input({ message, default: defaultValue }, context);
    },
    async secret(message) {
      const { prompts, context } = await load();
      return await prompts.password({ message, mask: "*" }, context);
    },
    async confirm(message, defaultValue) {
      const { prompts, context } = await load();
      return await prompts.confirm({ message, default: defaultValue }, context);
    },
  };
}
