/**
 * The ways the tool reaches users: the JSR package (`deno publish`), the
 * bundled/compiled form (self-contained, nothing fetched at run time), the
 * release and CI workflows, and `deno task demo`.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import denoJson from "../deno.json" with { type: "json" };
import { compileJobs, ENTRY_POINTS, TARGETS } from "../scripts/compile.ts";
import { ExitCode } from "../lib/errors.ts";
import { ACTIONLINT } from "./support/actionlint.ts";
import { createCognitoStack } from "./support/fixtures.ts";
import { DENO_DIR, makeTempHome } from "./support/cli.ts";
import {
  bundleEntryPoints,
  installEntryPoints,
  runInstalled,
} from "./support/deno_downloads.ts";
import { startMoto } from "./support/moto.ts";
import {
  freePort,
  runCommand,
  type RunResult,
  tempDir,
} from "./support/tools.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/**
 * A proxy that refuses every connection: a process given this environment
 * cannot fetch anything from the internet (loopback stays direct).
 */
function offlineEnv(): Record<string, string> {
  const dead = `http://127.0.0.1:${freePort()}`;
  return {
    HTTP_PROXY: dead,
    HTTPS_PROXY: dead,
    NO_PROXY: "127.0.0.1,localhost",
  };
}

function deno(
  args: string[],
  env: Record<string, string> = {},
  options: { cwd?: string; stdin?: string } = {},
): Promise<RunResult> {
  return runCommand(Deno.execPath(), args, {
    env: { DENO_DIR, NO_COLOR: "1", ...env },
    cwd: options.cwd ?? ROOT,
    stdin: options.stdin,
  });
}

Deno.test("deno publish --dry-run passes offline with no warnings and ships only the package's own files", async () => {
  const run = await deno(
    ["publish", "--dry-run", "--allow-dirty", "--frozen"],
    offlineEnv(),
  );
  const output = run.stdout + run.stderr;
  assert.equal(run.code, 0, output);
  assert.doesNotMatch(output, /warn/i);
  assert.match(output, /Dry run complete/);
  const files = [...output.matchAll(/file:\/\/\/\S+/g)]
    .map(([url]) => fileURLToPath(url).slice(ROOT.length));
  for (
    const required of [
      "LICENSE",
      "README.md",
      "deno.json",
      ...Object.values(denoJson.exports).map((p) => p.replace(/^\.\//, "")),
    ]
  ) {
    assert.ok(files.includes(required), `the package lacks ${required}`);
  }
  const stray = files.filter((file) =>
    /^(tests|scripts|\.cache|\.ci|\.github|dist|node_modules)\//.test(file) ||
    /_test\.ts$/.test(file)
  );
  assert.deepEqual(stray, [], "files that must not be published");
});

Deno.test("every library module in deno.json's exports has module docs and passes deno doc --lint", async () => {
  const modules = Object.values(denoJson.exports).filter((path) =>
    path.startsWith("./lib/")
  );
  assert.ok(modules.length > 0, "no library modules are exported");
  for (const module of modules) {
    const text = await Deno.readTextFile(`${ROOT}${module}`);
    assert.match(text, /^\/\*\*[\s\S]*?@module[\s\S]*?\*\//, module);
  }
  const lint = await deno(["doc", "--lint", ...modules]);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
});

Deno.test("the bundled entry points run from an empty DENO_DIR and fetch nothing: --help, --version, completions, status and a real login", async () => {
  await using bundles = await tempDir("bundle-");
  const dir = bundles.path;
  const emptyDenoDir = `${dir}/deno-dir`;
  await using home = await makeTempHome();
  await using moto = await startMoto();
  // Building may fetch esbuild (the setup fetched it ahead); running the
  // bundles below must fetch nothing.
  await bundleEntryPoints(dir);
  // Run each bundle the way a compiled binary runs its code: no config,
  // no lock file, no remote or npm loading, a cache folder that starts
  // empty, and no way to reach the internet.
  const run = (
    name: string,
    args: string[],
    env: Record<string, string> = {},
    stdin?: string,
  ) =>
    runCommand(Deno.execPath(), [
      "run",
      "--no-config",
      "--no-lock",
      "--no-remote",
      "--no-npm",
      "--quiet",
      "-A",
      `${dir}/${name}.js`,
      ...args,
    ], {
      env: { ...home.env, ...offlineEnv(), DENO_DIR: emptyDenoDir, ...env },
      cwd: dir,
      stdin,
    });

  for (const name of Object.keys(ENTRY_POINTS)) {
    const help = await run(name, ["--help"]);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`^Usage: ${name} `));
    assert.match(help.stdout, /\bcompletions\b/);
    const version = await run(name, ["--version"]);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), denoJson.version);
    const completions = await run(name, ["completions", "bash"]);
    assert.equal(completions.code, 0, completions.stderr);
    assert.match(completions.stdout, new RegExp(`complete -F \\S+ ${name}`));
  }

  const stack = await createCognitoStack(moto);
  const env = { ...moto.env, ...stack.env };
  const noPassword = await run("aws-cognito-auth", [
    "login",
    "-u",
    stack.username,
  ], env);
  assert.equal(noPassword.code, ExitCode.inputRequired, noPassword.stderr);

  // lib/ imports the AWS SDK clients lazily: a real login proves they are
  // inside the bundle. (It also tries the credential proxy when login
  // does; there is none in moto, so it falls back to these credentials.)
  const login = await run(
    "aws-cognito-auth",
    ["login", "-u", stack.username, "--password-stdin"],
    env,
    `${stack.password}\n`,
  );
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stderr, /Wrote Identity Pool credentials/);
  const status = await run("aws-cognito-auth", ["status"], env);
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /Profile default: credentials valid/);

  // Nothing was downloaded into the empty cache.
  const npm = [];
  for await (const entry of Deno.readDir(emptyDenoDir)) {
    if (entry.name === "npm" || entry.name === "remote") {
      for await (
        const item of Deno.readDir(`${emptyDenoDir}/${entry.name}`)
      ) {
        npm.push(`${entry.name}/${item.name}`);
      }
    }
  }
  assert.deepEqual(npm, [], "the bundle fetched packages");
});

Deno.test("deno install -g from a clone (with --config deno.json) puts both commands in a bin folder, and they run from any folder", async () => {
  await using root = await tempDir("deno-install-");
  await using home = await makeTempHome();
  const installed = await installEntryPoints(root.path);
  for (const [name, bin] of Object.entries(installed)) {
    const version = await runInstalled(bin, ["--version"], home.env, home.dir);
    assert.equal(version.code, 0, version.stderr);
    assert.equal(version.stdout.trim(), denoJson.version);
    const help = await runInstalled(bin, ["--help"], home.env, home.dir);
    assert.match(help.stdout, new RegExp(`Usage: ${name}`));
  }
  const status = await runInstalled(
    installed["aws-cognito-auth"],
    ["status"],
    home.env,
    home.dir,
  );
  assert.equal(status.code, ExitCode.config, status.stderr);
  assert.match(status.stdout, /user_pool_id\s+\(not set\)/);
});

Deno.test("deno task compile builds both entry points for the five release targets into dist/bin", () => {
  assert.match(denoJson.tasks.compile, /\bscripts\/compile\.ts\b/);
  const jobs = compileJobs();
  assert.equal(jobs.length, TARGETS.length * 2);
  for (const target of TARGETS) {
    for (const [name, entry] of Object.entries(ENTRY_POINTS)) {
      const exe = target.endsWith("windows-msvc") ? ".exe" : "";
      const job = jobs.find((j) =>
        j.output === `dist/bin/${name}-${target}${exe}`
      );
      assert.ok(job, `no ${name} binary for ${target}`);
      const arg = (flag: string) => job.args[job.args.indexOf(flag) + 1];
      assert.equal(job.args[0], "compile");
      assert.equal(arg("--target"), target);
      assert.equal(arg("--output"), job.output);
      assert.equal(job.args.at(-1), entry);
      assert.ok(job.args.includes("--frozen"));
    }
  }
  assert.deepEqual([...TARGETS].sort(), [
    "aarch64-apple-darwin",
    "aarch64-unknown-linux-gnu",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "x86_64-unknown-linux-gnu",
  ]);
});

Deno.test("both GitHub workflows pass actionlint; ci runs .ci/run and a v* tag tests, builds, checksums, attaches and publishes", async () => {
  const workflows = [
    `${ROOT}.github/workflows/ci.yml`,
    `${ROOT}.github/workflows/release.yml`,
  ];
  const lint = await runCommand(ACTIONLINT, ["-no-color", ...workflows], {
    cwd: ROOT,
  });
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);

  const ci = await Deno.readTextFile(workflows[0]);
  assert.match(ci, /^\s+run: \.ci\/run$/m);
  assert.match(ci, /^ {2}workflow_call:/m);

  const release = await Deno.readTextFile(workflows[1]);
  assert.match(release, /tags: \["v\*"\]/);
  assert.match(release, /uses: \.\/\.github\/workflows\/ci\.yml/);
  assert.match(release, /id-token: write/);
  assert.match(release, /contents: write/);
  const order = [
    "run: deno task compile",
    "run: deno task build:lambda",
    "run: .github/smoke/run.sh dist/bin",
    "sha256sum -- * > SHA256SUMS",
    "gh release create",
    "run: deno publish",
  ].map((step) => {
    const at = release.indexOf(step);
    assert.ok(at >= 0, `release.yml lacks ${step}`);
    return at;
  });
  assert.deepEqual(order, [...order].sort((a, b) => a - b), "step order");
  assert.match(release, /cp dist\/bin\/\* dist\/lambda\.zip dist\/release\//);
});

Deno.test("the release runs each target's binaries on a runner of that system before attaching them, and the smoke script fails on a wrong version", async () => {
  const release = await Deno.readTextFile(
    `${ROOT}.github/workflows/release.yml`,
  );
  const smoked = [...release.matchAll(/\{ os: ([\w.-]+), target: ([\w-]+) \}/g)]
    .map(([, os, target]) => ({ os, target }));
  assert.deepEqual(smoked.map((s) => s.target).sort(), [...TARGETS].sort());
  for (const { os, target } of smoked) {
    const system = target.includes("windows")
      ? /^windows-/
      : target.includes("apple")
      ? /^macos-/
      : /^ubuntu-/;
    assert.match(os, system, `${target} is smoked on ${os}`);
    assert.equal(
      os.endsWith("-arm") || os === "macos-latest",
      target.startsWith("aarch64"),
      `${target} is smoked on ${os}, a runner of another architecture`,
    );
  }

  // The script itself, with the entry points run from source standing in
  // for the binaries (deno compile cannot run here).
  await using bin = await tempDir("smoke-bin-");
  const target = "x86_64-unknown-linux-gnu";
  for (const [name, entry] of Object.entries(ENTRY_POINTS)) {
    const wrapper = `${bin.path}/${name}-${target}`;
    await Deno.writeTextFile(
      wrapper,
      `#!/bin/sh\nexec "${Deno.execPath()}" run -A --quiet --config ` +
        `"${ROOT}deno.json" "${ROOT}${entry}" "$@"\n`,
      { mode: 0o755 },
    );
  }
  const smoke = (version: string) =>
    runCommand("bash", [
      `${ROOT}.github/smoke/run.sh`,
      bin.path,
      target,
      version,
    ], { env: { DENO_DIR }, cwd: ROOT });
  const good = await smoke(denoJson.version);
  assert.equal(good.code, 0, good.stdout + good.stderr);
  assert.match(good.stdout, /ok: aws-cognito-auth status reads the fixture/);
  const wrong = await smoke("9.9.9");
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stdout, /^::error::aws-cognito-auth --version printed/m);
});

Deno.test('the README\'s "Use in CI" job passes actionlint and signs in from the COGNITO_PASSWORD secret', async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const section = readme.split(/^## Use in CI$/m)[1]?.split(/^## /m)[0] ?? "";
  // The hand-written recipe: the first yaml block that runs the tool from
  // JSR (the GitHub Action's example comes before it).
  const job = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)]
    .map((m) => m[1]).find((block) => block.includes("jsr:"));
  assert.ok(job, "no recipe yaml block in the README's Use in CI section");
  const workflow = `name: example\non: push\n${job}`;
  const lint = await runCommand(ACTIONLINT, [
    "-no-color",
    "-stdin-filename",
    "README.md",
    "-",
  ], { stdin: workflow, cwd: ROOT });
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  assert.match(job, /COGNITO_PASSWORD: \$\{\{ secrets\.COGNITO_PASSWORD \}\}/);
  assert.match(job, /jsr:@cognito-authoriser\/cli@[\d.]+\s+login /);
  assert.match(job, /run: aws /);
});

Deno.test("deno task demo signs in against moto, shows the AWS CLI using the profile, and cleans up", async () => {
  const home = await Deno.makeTempDir({ prefix: "demo-home-" });
  try {
    const started = Date.now();
    const run = await deno(["task", "--quiet", "demo"], { HOME: home });
    const seconds = (Date.now() - started) / 1000;
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(seconds < 60, `the demo took ${seconds} s`);
    for (const step of ["configure", "status", "login"]) {
      assert.match(run.stdout, new RegExp(`[$|] aws-cognito-auth ${step}\\b`));
    }
    assert.match(run.stdout, /Wrote Identity Pool credentials to profile/);
    assert.match(run.stdout, /"Account": "123456789012"/);
    assert.match(run.stdout, /Demo complete/);
    await assertCleanedUp(run.stdout);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

Deno.test("deno task demo stops moto and removes its temporary HOME when interrupted", async () => {
  const home = await Deno.makeTempDir({ prefix: "demo-home-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${ROOT}scripts/demo.ts`],
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: home,
      DENO_DIR,
      NO_COLOR: "1",
    },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  let stdout = "";
  try {
    const decoder = new TextDecoder();
    const chunks = child.stdout.values({ preventCancel: true });
    for await (const chunk of chunks) {
      stdout += decoder.decode(chunk, { stream: true });
      // Both moto and the temporary HOME exist once this line is out.
      if (/temporary HOME for the tool: \S+\n/.test(stdout)) {
        child.kill("SIGINT");
        break;
      }
    }
    for await (const chunk of child.stdout) {
      stdout += decoder.decode(chunk, { stream: true });
    }
    const status = await child.status;
    assert.equal(status.code, 130, stdout + (await stderr));
    assert.match(stdout, /Interrupted \(SIGINT\)/);
    await assertCleanedUp(stdout);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await stderr;
    await Deno.remove(home, { recursive: true });
  }
});

/** Checks that moto no longer answers and the tool's HOME is gone. */
async function assertCleanedUp(stdout: string): Promise<void> {
  const endpoint = stdout.match(/moto is running at (\S+)/)?.[1];
  const toolHome = stdout.match(/temporary HOME for the tool: (\S+)/)?.[1];
  assert.ok(endpoint && toolHome, stdout);
  assert.match(stdout, /stopped moto at /);
  await assert.rejects(Deno.stat(toolHome), Deno.errors.NotFound);
  await assert.rejects(
    fetch(`${endpoint}/moto-api/data.json`).then((r) => r.body?.cancel()),
    TypeError,
    "moto still answers",
  );
}
