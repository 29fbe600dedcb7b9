/**
 * `deno task bench`: how fast we sign people in and serve credentials, side
 * by side with the AWS CLI, and what the credential proxy Lambda costs.
 *
 * It starts the same local stack as the tests (moto over TLS, the proxy zip
 * under the Lambda Runtime Interface Emulator), measures every figure as the
 * median of several runs after a warm-up (with min and max), prints Markdown
 * tables and writes `bench/results.json`. Compared cases run interleaved in
 * the same rounds and comparisons are paired ratios, because these machines
 * are shared and absolute times drift. See `bench/README.md`.
 *
 * Options: `--runs N`: rounds of the slowest figures (login), at least 5,
 * default 7; Lambda cold starts get 2N rounds and the fast figures (under
 * ~0.5 s a run) 3N.
 *
 * @module
 */
import {
  type ProxyStack,
  startProxyStack,
} from "../tests/support/proxy_stack.ts";
import { bundleEntries, measureColdStart } from "./_cold_start.ts";
import {
  AUTH_TS,
  awsCliV2,
  type Bench,
  DENO,
  denoDir,
  importsOfWith,
  machineInfo,
  type Results,
  RESULTS_FILE,
  ROOT,
} from "./_context.ts";
import {
  credentialProcessUnavailable,
  measureCredentialProcess,
} from "./_credential_process.ts";
import { straceAvailable } from "./_imports.ts";
import { measureLambda } from "./_lambda.ts";
import { loginRunner, measureLogins, pushLoginMemory } from "./_login.ts";
import {
  Cleanup,
  exitCodeOf,
  GNU_TIME,
  interrupted,
  runTimed,
} from "./_proc.ts";
import { printResults, targetRows } from "./_report.ts";
import { measureLatency } from "./_latency.ts";
import { benchBrowserSignIn } from "./browser.ts";

/** The sections `--only` can run on their own. */
const ONLY = ["latency", "lambda"] as const;

/** The command line: `--runs N`, `--only latency|lambda`. */
interface Options {
  /** Rounds of the slow figures. */
  runs: number;
  /**
   * Only one section: `latency` (6, issue 17's latency against the floor)
   * or `lambda` (5, the proxy's cold start and warm invocations).
   */
  only?: typeof ONLY[number];
}

function parseOptions(args: string[]): Options {
  const usage = (message: string): never => {
    console.error(message);
    Deno.exit(2);
  };
  let runs = 7;
  let only: Options["only"];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--") continue; // `deno task bench -- --runs 9`
    if (args[i] === "--runs") {
      runs = Number(args[++i]);
      if (!Number.isInteger(runs) || runs < 5) {
        usage("--runs must be a whole number of at least 5");
      }
    } else if (args[i] === "--only") {
      const name = args[++i];
      only = ONLY.find((section) => section === name) ??
        usage(`--only takes: ${ONLY.join(", ")}`);
    } else {
      usage(`unknown option ${args[i]} (--runs N, --only ${ONLY.join("|")})`);
    }
  }
  return { runs, only };
}

/** Issue 17's targets, and the ones already met that must stay met. */
const ISSUE_17_TARGETS = [
  "latency.firstLogin.vsFloor",
  "latency.firstLoginRelay.vsFloor",
  "latency.terminal.vsFloor",
  "latency.refresh.vsFloor",
  "latency.refreshRelay.vsFloor",
  "lambda.coldFull",
];
const NO_REGRESSION_TARGETS = [
  "credentialProcess.vsAwsCli",
  "coldStart.authHelp",
  "coldStart.adminHelp",
];

async function main(
  cleanup: Cleanup,
  results: Results,
  options: Options,
): Promise<void> {
  let current = "setup";
  let since = performance.now();
  /** Starts timing a section (and prints its name). */
  const section = (name: string) => {
    results.sectionSeconds[current] = Math.round(
      (performance.now() - since) / 100,
    ) / 10;
    current = name;
    since = performance.now();
    console.error(`${name}...`);
  };
  const DENO_DIR = await denoDir();
  const denoEnv = { DENO_DIR, NO_COLOR: "1" };
  const tmp = await Deno.makeTempDir({ prefix: "bench-" });
  cleanup.add(() => Deno.remove(tmp, { recursive: true }));
  // Every temporary file and folder from here on (HOMEs, moto's log, the
  // test CA, the proxy's build, strace logs) lands inside it, so removing
  // it last leaves nothing behind, whatever step failed.
  Deno.env.set("TMPDIR", tmp);

  // ---- What is available -------------------------------------------------
  const helpOf = (args: string[]) =>
    runTimed(DENO, ["run", "-A", "--quiet", AUTH_TS, ...args, "--help"], {
      env: denoEnv,
      cwd: ROOT,
    });
  const cpHelp = await helpOf(["credential-process"]);
  const credentialProcess = cpHelp.code === 0 &&
    /credential-process/.test(cpHelp.stdout);
  const loginHelp = await helpOf(["login"]);
  const hasForce = /--force\b/.test(loginHelp.stdout);
  const aws = await awsCliV2();
  if ("version" in aws) results.machine.awsCliV2 = aws.version;
  const strace = await straceAvailable();
  const gnuTime = await Deno.stat(GNU_TIME).then(() => true, () => false);
  const emptyScript = `${tmp}/empty.ts`;
  await Deno.writeTextFile(emptyScript, "");
  const bench: Bench = {
    cleanup,
    results,
    runs: results.runs.slow,
    fastRuns: results.runs.fast,
    denoDir: DENO_DIR,
    denoEnv,
    tmp,
    aws,
    gnuTime,
    importsOf: strace ? importsOfWith(denoEnv) : undefined,
    emptyScript,
    floorRun: (rss = false) =>
      runTimed(DENO, ["run", "--no-config", "-A", "--quiet", emptyScript], {
        env: denoEnv,
        cwd: tmp,
        rss,
      }),
  };

  // ---- The stack, and the bundles, side by side ----------------------------
  section("Starting moto (TLS) and the proxy under the emulator, bundling");
  const stackStarted = startProxyStack().then((ps) => {
    cleanup.add(() => ps.stop());
    return ps;
  });
  const bundles = options.only ? undefined : await bundleEntries(bench);
  const ps: ProxyStack = await stackStarted;

  if (bundles) {
    section("1. Cold start");
    await measureColdStart(bench, bundles);

    section("3. Sign-in");
    const runner = loginRunner(bench, ps, hasForce);
    const logins = await measureLogins(bench, ps, runner, hasForce);

    section("2. credential-process");
    if (!credentialProcess) {
      credentialProcessUnavailable(
        bench,
        `\`auth.ts credential-process\` is not there yet (${
          (cpHelp.stderr || cpHelp.stdout).split("\n")[0].slice(0, 120)
        })`,
      );
    } else {
      await measureCredentialProcess(bench, ps, logins, bundles);
    }
    pushLoginMemory(bench, logins);

    section("5. Lambda proxy");
    await measureLambda(bench, ps);

    section("7. Browser sign-in (redirect to profile written)");
    const browser = await benchBrowserSignIn({ rounds: results.runs.slow });
    results.figures.push(...browser.figures);
    results.requests.push(...browser.requests);
  }

  if (options.only === "lambda") {
    section("5. Lambda proxy");
    await measureLambda(bench, ps);
  } else {
    section("6. Sign-in against the protocol floor");
    await measureLatency(bench, ps);
  }
  section("done");
}

if (import.meta.main) {
  const started = performance.now();
  const options = parseOptions(Deno.args);
  const runs = options.runs;
  const cleanup = new Cleanup();
  const head = await new Deno.Command("git", {
    args: ["rev-parse", "HEAD"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  const status = await new Deno.Command("git", {
    args: ["status", "--porcelain"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "null",
  }).output();
  const results: Results = {
    commit: new TextDecoder().decode(head.stdout).trim() || "unknown",
    dirty: new TextDecoder().decode(status.stdout).trim() !== "",
    date: new Date().toISOString(),
    machine: await machineInfo(),
    runs: { slow: runs, lambdaCold: runs * 2, fast: runs * 3 },
    warmup: 1,
    figures: [],
    requests: [],
    imports: {},
    notes: [],
    sectionSeconds: {},
  };
  let code = 0;
  try {
    await main(cleanup, results, options);
    results.targets = {
      issue17: targetRows(results.figures, ISSUE_17_TARGETS),
      noRegression: targetRows(
        results.figures,
        NO_REGRESSION_TARGETS,
        // Section 5 alone counts no sign-in's requests.
        options.only === "lambda" ? undefined : results.requests,
      ),
    };
  } catch (error) {
    console.error(
      interrupted
        ? `bench interrupted by ${interrupted}`
        : `bench failed: ${(error as Error).stack ?? error}`,
    );
    code = exitCodeOf(interrupted);
  } finally {
    await cleanup.run();
  }
  results.durationSeconds = Math.round((performance.now() - started) / 1000);
  if (code === 0) {
    await Deno.writeTextFile(
      RESULTS_FILE,
      JSON.stringify(results, null, 2) + "\n",
    );
    printResults(results, RESULTS_FILE);
  }
  Deno.exit(code);
}
