/**
 * `completions bash|zsh|fish`: the scripts the entry points print, loaded
 * into the real shells and asked what they complete. The zsh and fish tests
 * run only where those shells are installed (CI installs both); bash is
 * always there.
 */
import assert from "node:assert/strict";
import { buildAuthProgram } from "../cli/auth_program.ts";
import { buildAdminProgram } from "../admin.ts";
import {
  completionScript,
  completionTree,
  type Shell,
} from "../cli/completions.ts";
import { ExitCode } from "../lib/errors.ts";
import { makeTempHome, runAdmin, runAuth } from "./support/cli.ts";
import { runCommand, shellInstalled, tempDir } from "./support/tools.ts";

/** zsh and fish come from tests/support/setup.ts; a missing one fails. */
function requireShell(shell: string): void {
  assert.ok(
    shellInstalled(shell),
    `${shell} is not installed: run \`deno task test\` as root to have ` +
      `tests/support/setup.ts install it, or install it with your package manager`,
  );
}

const programs = {
  "aws-cognito-auth": buildAuthProgram,
  "aws-cognito-admin": buildAdminProgram,
};
type ProgramName = keyof typeof programs;

/** Writes the completion script of a program for a shell to a temp file. */
async function scriptFile(
  program: ProgramName,
  shell: Shell,
): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempFile({ prefix: `completion-${shell}-` });
  await Deno.writeTextFile(path, completionScript(programs[program](), shell));
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path) };
}

/**
 * Asks bash what it completes for each command line (the last word being the
 * one under the cursor), the way bash itself calls a `complete -F` function.
 */
async function bashComplete(
  program: ProgramName,
  lines: string[][],
): Promise<string[][]> {
  await using script = await scriptFile(program, "bash");
  const file = script.path;
  const driver = `
source "$1"
spec=$(complete -p "$2") || exit 3
fn=\${spec#*-F }
fn=\${fn%% *}
while IFS=$'\\x1f' read -r -a COMP_WORDS; do
  unset 'COMP_WORDS[\${#COMP_WORDS[@]}-1]'
  COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
  COMP_LINE="\${COMP_WORDS[*]}"
  COMP_POINT=\${#COMP_LINE}
  COMPREPLY=()
  "$fn" "$2" "\${COMP_WORDS[COMP_CWORD]}" "\${COMP_WORDS[COMP_CWORD - 1]}"
  (IFS=$'\\x1f'; printf '%s\\n' "\${COMPREPLY[*]}")
done`;
  // Each line ends with a sentinel field, so that an empty last word
  // (completing after a space) survives \`read -a\`.
  const input = lines.map((words) => [program, ...words, "."].join("\x1f"))
    .join("\n") + "\n";
  const run = await runCommand(
    "bash",
    ["--norc", "--noprofile", "-c", driver, "driver", file, program],
    { stdin: input },
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stderr, "");
  const replies = run.stdout.split("\n").slice(0, lines.length);
  return replies.map((reply) => reply ? reply.split("\x1f") : []);
}

Deno.test("completions bash|zsh|fish on both entry points print the script built from the parser; an unknown shell is exit 2", async () => {
  await using home = await makeTempHome();
  for (const shell of ["bash", "zsh", "fish"] as const) {
    const run = await runAuth(["completions", shell], home.env);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(
      run.stdout,
      `${completionScript(buildAuthProgram(), shell)}\n`,
    );
  }
  const admin = await runAdmin(["completions", "bash"], home.env);
  assert.equal(admin.code, 0, admin.stderr);
  assert.match(admin.stdout, /^complete -F \S+ aws-cognito-admin$/m);

  const bad = await runAuth(["completions", "powershell"], home.env);
  assert.equal(bad.code, ExitCode.usage);
  assert.match(bad.stderr, /bash, zsh, fish/);
});

Deno.test("bash: completing `logi` gives `login`", async () => {
  const [reply] = await bashComplete("aws-cognito-auth", [["logi"]]);
  assert.deepEqual(reply, ["login"]);
});

Deno.test("bash: commands, options, option values, arguments and `help` complete per command", async () => {
  const cases: [string[], string[]][] = [
    [[""], [
      "configure",
      "status",
      "login",
      "credential-process",
      "setup-profile",
      "exec",
      "logout",
      "console",
      "completions",
      "help",
    ]],
    [["login", "--format", ""], ["env", "json", "github", "github-profile"]],
    [["--debug", "st"], ["status"]],
    [["login", "--pro"], ["--profile"]],
    [["login", "-u", "alice", "--no-"], ["--no-browser", "--no-lambda-proxy"]],
    // The word after an option that takes a value is that value: no
    // commands or options are offered there.
    [["login", "--profile", ""], []],
    [["login", "--profile", "dev", "--dur"], ["--duration"]],
    [["login", "--de"], ["--debug"]],
    [["completions", ""], ["bash", "zsh", "fish"]],
    [["help", "con"], ["configure", "console"]],
    [["status", "lo"], []],
  ];
  const replies = await bashComplete(
    "aws-cognito-auth",
    cases.map(([words]) => words),
  );
  cases.forEach(([words, expected], i) => {
    assert.deepEqual(replies[i].sort(), expected.sort(), words.join(" "));
  });
});

Deno.test("bash: every command and option of both programs completes from its prefix", async () => {
  for (const name of Object.keys(programs) as ProgramName[]) {
    const cases: [string[], string][] = [];
    for (const node of completionTree(programs[name]())) {
      for (const sub of node.subcommands) {
        cases.push([[...node.path, sub.name.slice(0, 3)], sub.name]);
      }
      for (const flag of node.options.flatMap((o) => o.flags)) {
        cases.push([[...node.path, flag.slice(0, 4)], flag]);
      }
    }
    assert.ok(cases.length > 5, `${name}: too few commands and options`);
    const replies = await bashComplete(name, cases.map(([words]) => words));
    cases.forEach(([words, expected], i) => {
      assert.ok(
        replies[i].includes(expected),
        `${name} ${words.join(" ")}: got ${replies[i].join(" ")}`,
      );
    });
  }
});

Deno.test("zsh and fish scripts declare every top-level command", () => {
  for (const name of Object.keys(programs) as ProgramName[]) {
    const [root] = completionTree(programs[name]());
    const zsh = completionScript(programs[name](), "zsh");
    const fish = completionScript(programs[name](), "fish");
    assert.ok(zsh.startsWith(`#compdef ${name}\n`));
    assert.match(zsh, new RegExp(`compdef _\\w+ ${name}\\n`));
    for (const sub of root.subcommands) {
      assert.ok(zsh.includes(`'${sub.name}:`), `zsh lacks ${sub.name}`);
      assert.match(fish, new RegExp(`complete -c ${name} .* -a ${sub.name} `));
    }
  }
});

Deno.test({
  name:
    "zsh: the script parses, registers with compdef, and offers `login` for `logi`",
  async fn() {
    requireShell("zsh");
    await using script = await scriptFile("aws-cognito-auth", "zsh");
    const file = script.path;
    const parse = await runCommand("zsh", ["-n", file]);
    assert.equal(parse.code, 0, parse.stderr);
    // compsys itself needs an interactive shell; stand-ins for its
    // functions record what the script offers.
    const run = await runCommand("zsh", [
      "-f",
      "-c",
      `compdef() { print -r -- "compdef $*"; }
_describe() { print -rl -- "\${(@P)\${@[-1]}}"; }
compadd() { print -rl -- "\${(@P)\${@[-1]}}"; }
source "$1"
words=(aws-cognito-auth logi); CURRENT=2; PREFIX=logi
_aws_cognito_auth
print -r -- ---
words=(aws-cognito-auth login --profile ''); CURRENT=4; PREFIX=''
_aws_cognito_auth
print -r -- ---
words=(aws-cognito-auth completions ''); CURRENT=3; PREFIX=''
_aws_cognito_auth`,
      "zsh",
      file,
    ]);
    assert.equal(run.code, 0, run.stderr);
    const [registered, afterValue, shells] = run.stdout.split("---\n");
    assert.match(registered, /^compdef _aws_cognito_auth aws-cognito-auth$/m);
    assert.match(registered, /^login:Sign in/m);
    assert.equal(afterValue, "");
    assert.deepEqual(shells.trim().split("\n"), ["bash", "zsh", "fish"]);
  },
});

Deno.test({
  name: "fish: the script parses and `complete -C` offers `login` for `logi`",
  async fn() {
    requireShell("fish");
    await using script = await scriptFile("aws-cognito-auth", "fish");
    const file = script.path;
    await using home = await tempDir("fish-home-");
    const parse = await runCommand("fish", ["--no-execute", file]);
    assert.equal(parse.code, 0, parse.stderr);
    const run = await runCommand("fish", [
      "--no-config",
      "-c",
      `source $argv[1]
complete -C 'aws-cognito-auth logi'
echo ---
complete -C 'aws-cognito-auth login --pro'
echo ---
complete -C 'aws-cognito-auth completions '`,
      file,
    ], { env: { HOME: home.path } });
    assert.equal(run.code, 0, run.stderr);
    const [login, profile, shells] = run.stdout.split("---\n");
    assert.match(login, /^login\tSign in/);
    assert.match(profile, /^--profile\t/);
    assert.deepEqual(shells.trim().split("\n").sort(), [
      "bash",
      "fish",
      "zsh",
    ]);
  },
});
