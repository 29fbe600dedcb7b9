/**
 * `quoteCommandLine` of `lib/shell.ts` for Windows, proved on Linux against
 * the readers of a `credential_process` line there: botocore's own Windows
 * splitter, called for real from the venv, and `cmd.exe` followed by the
 * program (the AWS SDK for JavaScript runs `cmd.exe /d /s /c "<line>"`),
 * modelled here as `cmd.exe`'s quote and special-character rules plus the
 * argument splitter of Rust's standard library, which `deno.exe` and a
 * `deno compile` binary use. The POSIX form is proved through `sh` and
 * `shlex.split` in `session_cache_test.ts`.
 */
import assert from "node:assert/strict";
import {
  quoteCommandLine,
  shellJoin,
  UnquotableWordError,
} from "../lib/shell.ts";
import { credentialProcessLine } from "../lib/self_command.ts";
import { ConfigError, ExitCode } from "../lib/errors.ts";
import { runCommand, VENV_PYTHON } from "./support/tools.ts";

/**
 * What botocore on Windows makes of each line:
 * `botocore.compat.compat_shell_split(line, "win32")`, which is
 * `_windows_shell_split`. The lines go in on stdin and the words come back,
 * both as JSON; a line it refuses comes back as `{ error }`.
 */
async function botocoreWindowsWords(
  lines: readonly string[],
): Promise<(string[] | { error: string })[]> {
  const run = await runCommand(VENV_PYTHON, [
    "-c",
    `import json, sys
from botocore.compat import compat_shell_split
def split(line):
    try:
        return compat_shell_split(line, "win32")
    except ValueError as error:
        return {"error": str(error)}
print(json.dumps([split(line) for line in json.loads(sys.stdin.buffer.read())]))`,
  ], { stdin: JSON.stringify(lines) });
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/**
 * What `cmd.exe` objects to in a line it runs: a `%` anywhere (it expands
 * variables even inside double quotes), a line break, or one of
 * `^ & | < > ( )` outside double quotes, where every `"` opens or closes
 * them (it knows no `\"`). Undefined when it passes the line on unchanged.
 */
function cmdObjection(line: string): string | undefined {
  let inside = false;
  for (const character of line) {
    if (character === '"') inside = !inside;
    else if (/[%\r\n]/.test(character)) return character;
    else if (!inside && /[\^&|<>()]/.test(character)) return character;
  }
  return undefined;
}

/**
 * The words a program built with Rust's standard library (deno.exe, or a
 * `deno compile` binary) reads from its command line: a port of
 * `parse_lp_cmd_line` in `library/std/src/sys/args/windows.rs`. The program
 * name ends at the next `"` when it starts with one, else at white space;
 * the arguments follow the `CommandLineToArgvW` rules, where `""` inside
 * double quotes is one literal `"`.
 */
function rustProgramWords(line: string): string[] {
  const units = [...line];
  let i = 0;
  let program = "";
  if (units[0] === '"') {
    for (i = 1; i < units.length && units[i] !== '"'; i++) program += units[i];
    i++;
  } else {
    for (; i < units.length && !/[ \t]/.test(units[i]); i++) {
      program += units[i];
    }
  }
  const words = [program];
  while (i < units.length && /[ \t]/.test(units[i])) i++;
  let current = "";
  let inQuotes = false;
  let wasInQuotes = false;
  for (; i < units.length; i++) {
    const unit = units[i];
    if (/[ \t]/.test(unit) && !inQuotes) {
      if (current || wasInQuotes) words.push(current);
      current = "";
      wasInQuotes = false;
    } else if (unit === "\\") {
      let count = 1;
      while (units[i + 1] === "\\") count++, i++;
      if (units[i + 1] === '"') {
        current += "\\".repeat(Math.floor(count / 2));
        if (count % 2 === 1) current += '"', i++;
      } else current += "\\".repeat(count);
    } else if (unit === '"' && inQuotes) {
      if (units[i + 1] === '"') current += '"', i++;
      else if (i + 1 < units.length) inQuotes = false;
      else break;
    } else if (unit === '"') {
      inQuotes = true;
      wasInQuotes = true;
    } else current += unit;
  }
  if (current || wasInQuotes || inQuotes) words.push(current);
  return words;
}

/** Programs, as `Deno.execPath()` gives them on Windows. */
const WINDOWS_PROGRAMS = [
  "C:\\Program Files\\deno\\deno.exe",
  "C:\\Program Files (x86)\\Cognito Tools\\aws-cognito-auth.exe",
  "C:\\Users\\ana\\.deno\\bin\\deno.exe",
  "C:\\R&D\\tools\\aws-cognito-auth.exe",
  "C:\\Users\\o'neil\\a^b\\semi;colon,comma=equals\\deno.exe",
  "\\\\server\\share\\deno.exe",
  "C:/tools/deno.exe",
  "@at+plus.exe",
  "C:\\Users\\Zoë\\Документы\\深度\\🦕.exe",
  "deno",
];

/** Arguments: paths of auth.ts, JSR names, profile names. */
const WINDOWS_ARGUMENTS = [
  ...WINDOWS_PROGRAMS,
  "C:\\a|b<c>d^e",
  "C:\\my tools\\",
  "C:\\tools\\",
  "C:\\trailing\\\\",
  'say "hi"',
  'say "hi" & bye',
  'a\\"b',
  'a\\\\"b',
  'ends with a quote"',
  '"starts with a quote',
  "",
  "tab\there",
  "single 'quotes' stay",
  "bang!",
  "team/dev",
  "jsr:@cognito-authoriser/cli@1.2.3",
];

/** Command lines: every program with every argument, and a few more. */
const WINDOWS_COMMANDS: string[][] = [
  ...WINDOWS_PROGRAMS.flatMap((program) =>
    WINDOWS_ARGUMENTS.map((argument) => [
      program,
      "run",
      "-A",
      argument,
      "credential-process",
      "--profile",
      argument,
    ])
  ),
  // An odd number of quotes leaves cmd.exe inside quotes for what
  // follows; the next word's quotes then pair up differently, and safely.
  ["deno", 'a"b', 'c"d', "x&y"],
];

Deno.test("on Windows each word reads back unchanged in botocore's splitter and in cmd.exe then the program, for spaces, parentheses, &, backslashes before quotes, trailing backslashes and unicode", async () => {
  const lines = WINDOWS_COMMANDS.map((words) =>
    quoteCommandLine(words, "windows")
  );
  const botocore = await botocoreWindowsWords(lines);
  lines.forEach((line, index) => {
    const words = WINDOWS_COMMANDS[index];
    assert.deepEqual(botocore[index], words, line);
    assert.equal(cmdObjection(line), undefined, line);
    assert.deepEqual(rustProgramWords(line), words, line);
  });
});

Deno.test('on Windows plain words stay unquoted, and the rest go in double quotes with \\" and the backslashes before a quote doubled', () => {
  const cases: [string[], string][] = [
    [
      ["C:\\Users\\ana\\.deno\\bin\\deno.exe", "run", "-A", "jsr:@a/b@1.2.3"],
      "C:\\Users\\ana\\.deno\\bin\\deno.exe run -A jsr:@a/b@1.2.3",
    ],
    [
      ["C:\\Program Files (x86)\\t\\auth.exe", "--profile", "team/dev"],
      '"C:\\Program Files (x86)\\t\\auth.exe" --profile team/dev',
    ],
    [["deno", "C:\\my tools\\"], 'deno "C:\\my tools\\\\"'],
    [["deno", "C:\\tools\\"], "deno C:\\tools\\"],
    [["deno", 'a\\"b c'], 'deno "a\\\\\\"b c"'],
    [["deno", ""], 'deno ""'],
    // cmd.exe would read a program name only up to the / or drop the @.
    [["C:/tools/deno.exe", "a/b"], '"C:/tools/deno.exe" a/b'],
    [["@deno", "@x"], '"@deno" @x'],
  ];
  for (const [words, line] of cases) {
    assert.equal(quoteCommandLine(words, "windows"), line);
  }
});

Deno.test("on Windows a word with %, a line break, or a cmd.exe character left outside double quotes by a quote before it is refused, naming the character", async () => {
  const refused: [string[], string, string][] = [
    [["C:\\100%\\deno.exe"], "C:\\100%\\deno.exe", "%"],
    [["deno", "%USERPROFILE%\\auth.ts"], "%USERPROFILE%\\auth.ts", "%"],
    [["deno", "a\nb"], "a\nb", "\n"],
    [["deno", "a\rb"], "a\rb", "\r"],
    [["deno", 'say "hi & bye'], 'say "hi & bye', "&"],
    [["deno", '"(x86)'], '"(x86)', "("],
    [["deno", 'a"b^c'], 'a"b^c', "^"],
    // The quote that misleads cmd.exe can be in an earlier word.
    [["deno", 'a"b', "x|y"], "x|y", "|"],
    // cmd.exe ends a program name at a quote, with no backslash escapes.
    [['C:\\a"b\\deno.exe'], 'C:\\a"b\\deno.exe', '"'],
    [["C:\\my tools\\"], "C:\\my tools\\", "\\"],
  ];
  for (const [words, word, character] of refused) {
    assert.throws(
      () => quoteCommandLine(words, "windows"),
      (error: unknown) =>
        error instanceof UnquotableWordError &&
        error.word === word &&
        error.character === character &&
        error.message.includes(
          `has "${character.replace("\n", "\\n").replace("\r", "\\r")}"`,
        ),
      JSON.stringify(words),
    );
  }
  // Each of them is indeed unsafe: cmd.exe objects to the line that
  // quoting alone would give, or botocore and the program disagree.
  const naive = refused.map(([words]) =>
    words.map((word) =>
      `"${word.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\*)$/, "$1$1")}"`
    ).join(" ")
  );
  const botocore = await botocoreWindowsWords(naive);
  naive.forEach((line, index) => {
    const words = refused[index][0];
    assert.ok(
      cmdObjection(line) !== undefined ||
        JSON.stringify(botocore[index]) !== JSON.stringify(words) ||
        JSON.stringify(rustProgramWords(line)) !== JSON.stringify(words),
      line,
    );
  });
});

Deno.test("setup-profile's line on Windows is quoted for Windows, and a word it cannot quote is a ConfigError (exit 3) that points to --command", () => {
  const binary = {
    mainModule: "file:///C:/deno-compile-aws-cognito-auth/auth.ts",
    execPath: "C:\\Program Files (x86)\\Cognito\\aws-cognito-auth.exe",
    standalone: true,
    packageName: "@cognito-authoriser/cli",
    version: "1.2.3",
  };
  assert.equal(
    credentialProcessLine(binary, "team dev", "windows"),
    '"C:\\Program Files (x86)\\Cognito\\aws-cognito-auth.exe" ' +
      'credential-process --profile "team dev"',
  );
  assert.throws(
    () =>
      credentialProcessLine(
        { ...binary, execPath: "C:\\Tools 100%\\aws-cognito-auth.exe" },
        "dev",
        "windows",
      ),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.exitCode === ExitCode.config &&
      error.message.includes('"%"') &&
      error.message.includes("C:\\Tools 100%\\aws-cognito-auth.exe") &&
      error.message.includes("--command"),
  );
});

Deno.test("on every other platform the line is the POSIX one, single quotes and all", () => {
  const words = ["/usr/bin/deno", "run", "/opt/it's (mine)/auth.ts", "100%"];
  for (const platform of ["linux", "darwin", "freebsd"] as const) {
    assert.equal(quoteCommandLine(words, platform), shellJoin(words));
  }
  assert.equal(
    quoteCommandLine(words, "linux"),
    "/usr/bin/deno run '/opt/it'\\''s (mine)/auth.ts' 100%",
  );
});

Deno.test("the botocore called here is its Windows splitter: single quotes are literal and backslashes escape only before a quote", async () => {
  assert.deepEqual(
    await botocoreWindowsWords([`'a b' C:\\x\\ "q\\"r"`, '"open']),
    [["'a", "b'", "C:\\x\\", 'q"r'], {
      error: 'No closing quotation in string: "open',
    }],
  );
});
