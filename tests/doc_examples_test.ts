/**
 * The `@example` blocks of the shipped code are tests (`deno task test` runs
 * them with `--doc` over lib/, cli/ and lambda/): each one that runs must be
 * able to fail, so it asserts with `node:assert/strict`, never with
 * `console.assert` (which only logs).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import denoJson from "../deno.json" with { type: "json" };

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const FOLDERS = ["lib", "cli", "lambda"];

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(`${ROOT}${dir}`)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sources(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** Every fenced block under an `@example` tag, with its info string. */
function examples(text: string): { info: string; code: string }[] {
  const found: { info: string; code: string }[] = [];
  for (
    const [, block] of text.matchAll(/@example\s*\n((?:\s*\*.*\n)+?)\s*\*\//g)
  ) {
    const body = block.split("\n").map((line) => line.replace(/^\s*\* ?/, ""))
      .join("\n");
    for (const [, info, code] of body.matchAll(/```(.*)\n([\s\S]*?)```/g)) {
      found.push({ info: info.trim(), code });
    }
  }
  return found;
}

Deno.test("deno task test runs the doc examples of lib/, cli/ and lambda/", () => {
  for (const folder of FOLDERS) {
    assert.match(
      denoJson.tasks.test,
      new RegExp(`deno test [^&]*--doc[^&]* ${folder}/`),
    );
  }
});

Deno.test("every doc example that runs asserts with node:assert/strict, and none uses console.assert", async () => {
  let running = 0;
  const weak: string[] = [];
  for (const folder of FOLDERS) {
    for await (const path of sources(folder)) {
      const text = await Deno.readTextFile(`${ROOT}${path}`);
      for (const { info, code } of examples(text)) {
        if (/console\.assert/.test(code)) weak.push(`${path}: console.assert`);
        if (info.split(/\s+/).includes("ignore")) continue;
        running++;
        if (!/from "node:assert\/strict"/.test(code)) {
          weak.push(`${path}: an example without node:assert/strict`);
        }
      }
    }
  }
  assert.ok(running > 10, `only ${running} examples run`);
  assert.deepEqual(weak, []);
});
