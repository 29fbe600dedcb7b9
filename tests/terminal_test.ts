/**
 * Colour: only on a terminal, never with `NO_COLOR`. Checked through the real
 * entry point with its output piped, and on a pseudo-terminal made by
 * util-linux `script` (Debian's bsdutils; the test fails without it).
 */
import assert from "node:assert/strict";
import { AUTH_TS, DENO_DIR } from "./support/cli.ts";
import { runCommand } from "./support/tools.ts";
import { palette } from "../cli/terminal.ts";
import { ExitCode } from "../lib/errors.ts";

const ESC = String.fromCharCode(0x1b);
/** Any escape sequence at all (colours, cursor moves). */
const ESCAPE = new RegExp(ESC);
/** A colour or style escape sequence (SGR). */
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);

function hasScript(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    return new Deno.Command("script", {
      args: ["-qec", "true", "/dev/null"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

/** A home folder and an environment with no NO_COLOR in it. */
async function bareHome() {
  const dir = await Deno.makeTempDir({ prefix: "color-home-" });
  return {
    env: { HOME: dir, DENO_DIR, TERM: "xterm-256color" },
    [Symbol.asyncDispose]: () => Deno.remove(dir, { recursive: true }),
  };
}

Deno.test("palette paints only when enabled", () => {
  assert.equal(palette(false).red("Error:"), "Error:");
  assert.equal(palette(true).red("Error:"), "\x1b[31mError:\x1b[39m");
});

Deno.test("piped output has no escape codes even without NO_COLOR", async () => {
  await using home = await bareHome();
  const run = (args: string[]) =>
    runCommand(Deno.execPath(), ["run", "-A", "--quiet", AUTH_TS, ...args], {
      env: home.env,
    });
  // A usage error (commander's message) and a tool error ("Error: ...").
  const usage = await run(["logn"]);
  assert.equal(usage.code, ExitCode.usage);
  const config = await run(["status"]);
  assert.equal(config.code, ExitCode.config);
  assert.match(config.stderr, /^Error: /m);
  for (const output of [usage, config]) {
    assert.doesNotMatch(output.stdout + output.stderr, ESCAPE);
  }
});

Deno.test({
  name: "on a terminal errors are red, and NO_COLOR turns colour off",
  async fn() {
    assert.ok(hasScript(), "util-linux `script` is needed to make a terminal");
    await using home = await bareHome();
    // `script` runs the command on a new pseudo-terminal (stdin, stdout
    // and stderr all terminals) and copies what it writes.
    const onTerminal = (args: string[], env: Record<string, string> = {}) =>
      runCommand("script", [
        "-qec",
        [Deno.execPath(), "run", "-A", "--quiet", AUTH_TS, ...args].join(" "),
        "/dev/null",
      ], { env: { ...home.env, SHELL: "/bin/sh", ...env } });

    const colour = await onTerminal(["status"]);
    assert.equal(colour.code, ExitCode.config);
    assert.ok(colour.stdout.includes(`${ESC}[31mError:${ESC}[39m`));

    const usage = await onTerminal(["logn"]);
    assert.match(usage.stdout, SGR);

    // NO_COLOR set to any non-empty value turns colour off; an empty one
    // does not (https://no-color.org).
    for (const args of [["status"], ["logn"]]) {
      const plain = await onTerminal(args, { NO_COLOR: "1" });
      assert.doesNotMatch(plain.stdout, SGR, args.join(" "));
      assert.match(plain.stdout, /error/i);
    }
    const empty = await onTerminal(["status"], { NO_COLOR: "" });
    assert.match(empty.stdout, SGR);
  },
});
