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
import { fileURLToPath } from "node:url";
import { Agent } from "node:https";
import {
  CognitoIdentityProviderClient,
  InitiateAuthCommand,
} from "@aws-sdk/client-cognito-identity-provider";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { roleSessionName, sessionTags } from "../lambda/sts.ts";
import { makeTempHome, type TempHome } from "../tests/support/cli.ts";
import {
  type ProxyStack,
  startProxyStack,
} from "../tests/support/proxy_stack.ts";
import { forwardAll, type Relay, startRelay } from "../tests/support/relay.ts";
import { REGION } from "../tests/support/moto.ts";
import { loadedModules, straceAvailable } from "./_imports.ts";
import {
  Cleanup,
  exitCodeOf,
  expectSuccess,
  GNU_TIME,
  interrupted,
  runTimed,
} from "./_proc.ts";
import {
  type Figure,
  figure,
  figuresTable,
  type RequestCount,
  requestsTable,
  unavailable,
} from "./_report.ts";
import { interleave, ratios, summarize, type Summary } from "./_stats.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const AUTH_TS = `${ROOT}auth.ts`;
const ADMIN_TS = `${ROOT}admin.ts`;
const RESULTS_FILE = `${ROOT}bench/results.json`;
const DENO = Deno.execPath();
const AWS_V2 = "/usr/bin/aws";
const PROFILE = "bench";

const SECTIONS = {
  cold: "1. Cold start (wall time)",
  cache: "2. credential-process cache hit vs the AWS CLI v2",
  login: "3. Sign-in: login end to end against moto (wall time)",
  memory: "4. Memory (peak RSS)",
  lambda: "5. Lambda proxy",
};

/** Everything gathered, written to results.json. */
interface Results {
  commit: string;
  dirty: boolean;
  date: string;
  machine: Record<string, unknown>;
  runs: { slow: number; lambdaCold: number; fast: number };
  warmup: number;
  durationSeconds?: number;
  sectionSeconds: Record<string, number>;
  figures: Figure[];
  requests: RequestCount[];
  imports: Record<string, unknown>;
  notes: string[];
}

function parseRuns(args: string[]): number {
  const at = args.indexOf("--runs");
  if (at < 0) return 7;
  const runs = Number(args[at + 1]);
  if (!Number.isInteger(runs) || runs < 5) {
    console.error("--runs must be a whole number of at least 5");
    Deno.exit(2);
  }
  return runs;
}

async function text(cmd: string, args: string[], cwd = ROOT) {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    ok: out.success,
    stdout: new TextDecoder().decode(out.stdout).trim(),
    stderr: new TextDecoder().decode(out.stderr).trim(),
  };
}

/** Deno's cache folder, kept for every child whatever its HOME. */
async function denoDir(): Promise<string> {
  const fromEnv = Deno.env.get("DENO_DIR");
  if (fromEnv) return fromEnv;
  const info = await text(DENO, ["info", "--json"]);
  return JSON.parse(info.stdout).denoDir;
}

async function machineInfo(): Promise<Record<string, unknown>> {
  const cpu = (await Deno.readTextFile("/proc/cpuinfo").catch(() => ""))
    .match(/model name\s*:\s*(.+)/)?.[1];
  const nproc = await text("nproc", []);
  return {
    nproc: nproc.ok ? Number(nproc.stdout) : navigator.hardwareConcurrency,
    cpu,
    memoryGb: Math.round(Deno.systemMemoryInfo().total / 2 ** 30),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}

/** The AWS CLI v2 at /usr/bin/aws, installed from Debian when missing. */
async function awsCliV2(): Promise<{ version: string } | { reason: string }> {
  const version = async () => {
    const out = await text(AWS_V2, ["--version"]).catch(() => undefined);
    return out?.ok ? out.stdout : undefined;
  };
  let found = await version();
  if (!found) {
    if (Deno.uid() !== 0) {
      return {
        reason:
          `${AWS_V2} is missing and this is not root: install Debian's awscli (v2) with apt-get`,
      };
    }
    console.error(`Installing the AWS CLI v2 (apt-get install -y awscli)...`);
    let install = await text("apt-get", ["install", "-y", "awscli"]);
    if (!install.ok) {
      await text("apt-get", ["update"]);
      install = await text("apt-get", ["install", "-y", "awscli"]);
    }
    found = await version();
    if (!found) {
      return {
        reason: `apt-get install -y awscli failed: ${
          install.stderr.split("\n").at(-1)
        }`,
      };
    }
  }
  if (!/^aws-cli\/2\./.test(found)) {
    return { reason: `${AWS_V2} is not v2 (${found})` };
  }
  return { version: found.split(" ")[0] };
}

/** Wall times of an interleaved group, as figures with ×floor. */
function timeFigures(
  section: string,
  samples: Record<string, number[]>,
  specs: {
    key: string;
    id: string;
    label: string;
    target?: Figure["target"];
    note?: string;
  }[],
  floorKey?: string,
): Figure[] {
  return specs.map((s) =>
    figure({
      id: s.id,
      section,
      label: s.label,
      unit: "ms",
      value: summarize(samples[s.key]),
      vsFloor: floorKey && s.key !== floorKey
        ? ratios(samples[s.key], samples[floorKey])
        : undefined,
      target: s.target,
      note: s.note,
    })
  );
}

function mb(samplesKb: number[]): Summary {
  return summarize(samplesKb.map((kb) => kb / 1024));
}

async function main(cleanup: Cleanup, results: Results): Promise<void> {
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
  const runs = results.runs.slow;
  const fastRuns = results.runs.fast;
  const DENO_DIR = await denoDir();
  const denoEnv = { DENO_DIR, NO_COLOR: "1" };
  const tmp = await Deno.makeTempDir({ prefix: "bench-" });
  cleanup.add(() => Deno.remove(tmp, { recursive: true }));
  // Every temporary file and folder from here on (HOMEs, moto's log, the
  // test CA, the proxy's build, strace logs) lands inside it, so removing
  // it last leaves nothing behind, whatever step failed.
  Deno.env.set("TMPDIR", tmp);
  const figures = results.figures;

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

  // ---- The stack, and the bundles, side by side ----------------------------
  section("Starting moto (TLS) and the proxy under the emulator, bundling");
  const bundle = async (name: string, entry: string) => {
    const file = `${tmp}/${name}.js`;
    expectSuccess(
      `deno bundle ${entry}`,
      await runTimed(DENO, [
        "bundle",
        "--quiet",
        "--platform=deno",
        "--frozen",
        "--output",
        file,
        entry,
      ], { env: denoEnv, cwd: ROOT }),
    );
    return file;
  };
  const stackStarted = startProxyStack().then((ps) => {
    cleanup.add(() => ps.stop());
    return ps;
  });
  const [authBundle, adminBundle] = [
    await bundle("aws-cognito-auth", AUTH_TS),
    await bundle("aws-cognito-admin", ADMIN_TS),
  ];
  // The same with --code-splitting: lazily imported modules become chunks
  // that load only when imported (a diagnostic, not a shipped form).
  const splitDir = `${tmp}/split`;
  expectSuccess(
    "deno bundle --code-splitting",
    await runTimed(DENO, [
      "bundle",
      "--quiet",
      "--platform=deno",
      "--frozen",
      "--code-splitting",
      "--outdir",
      splitDir,
      AUTH_TS,
    ], { env: denoEnv, cwd: ROOT }),
  );
  const authSplit = `${splitDir}/auth.js`;
  const ps: ProxyStack = await stackStarted;
  const emptyScript = `${tmp}/empty.ts`;
  await Deno.writeTextFile(emptyScript, "");
  const runBundle = (file: string, args: string[], env = {}) =>
    runTimed(DENO, [
      "run",
      "--no-config",
      "--no-lock",
      "--no-remote",
      "--no-npm",
      "-A",
      "--quiet",
      file,
      ...args,
    ], { env: { ...denoEnv, ...env }, cwd: tmp });
  const floorRun = (rss = false) =>
    runTimed(DENO, ["run", "--no-config", "-A", "--quiet", emptyScript], {
      env: denoEnv,
      cwd: tmp,
      rss,
    });

  // ---- 1. Cold start ------------------------------------------------------
  section("1. Cold start");
  /** Runs once, checks it succeeded (and its output), returns the time. */
  const ms = async (
    label: string,
    run: Promise<Awaited<ReturnType<typeof runTimed>>>,
    check?: (stdout: string) => boolean,
  ) => {
    const r = expectSuccess(label, await run);
    if (check && !check(r.stdout)) {
      throw new Error(`${label}: unexpected output\n${r.stdout.slice(0, 500)}`);
    }
    return r.ms;
  };
  const usage = (name: string) => (stdout: string) =>
    stdout.startsWith(`Usage: ${name} `);
  const cold = await interleave({
    floor: () => ms("empty script", floorRun()),
    floorConfig: () =>
      ms(
        "empty script with deno.json",
        runTimed(DENO, [
          "run",
          "--config",
          `${ROOT}deno.json`,
          "-A",
          "--quiet",
          emptyScript,
        ], { env: denoEnv, cwd: ROOT }),
      ),
    authHelp: () =>
      ms(
        "auth.ts --help",
        runTimed(DENO, ["run", "-A", "--quiet", AUTH_TS, "--help"], {
          env: denoEnv,
          cwd: ROOT,
        }),
        usage("aws-cognito-auth"),
      ),
    adminHelp: () =>
      ms(
        "admin.ts --help",
        runTimed(DENO, ["run", "-A", "--quiet", ADMIN_TS, "--help"], {
          env: denoEnv,
          cwd: ROOT,
        }),
        usage("aws-cognito-admin"),
      ),
    authBundleHelp: () =>
      ms(
        "bundled auth --help",
        runBundle(authBundle, ["--help"]),
        usage("aws-cognito-auth"),
      ),
    adminBundleHelp: () =>
      ms(
        "bundled admin --help",
        runBundle(adminBundle, ["--help"]),
        usage("aws-cognito-admin"),
      ),
    authSplitHelp: () =>
      ms(
        "code-split auth --help",
        runBundle(authSplit, ["--help"]),
        usage("aws-cognito-auth"),
      ),
  }, { runs: fastRuns });
  const help = { text: "< 80 ms", op: "<", value: 80 } as const;
  figures.push(...timeFigures(SECTIONS.cold, cold, [
    {
      key: "floor",
      id: "coldStart.floor",
      label: "empty `deno run` script (the floor)",
      note: "no config file",
    },
    {
      key: "floorConfig",
      id: "coldStart.floorWithConfig",
      label: "empty script with the project's deno.json and deno.lock",
    },
    {
      key: "authHelp",
      id: "coldStart.authHelp",
      label: "`auth.ts --help`",
      target: help,
    },
    {
      key: "adminHelp",
      id: "coldStart.adminHelp",
      label: "`admin.ts --help`",
      target: help,
    },
    {
      key: "authBundleHelp",
      id: "coldStart.authBundleHelp",
      label: "bundled `aws-cognito-auth --help`",
      target: help,
    },
    {
      key: "adminBundleHelp",
      id: "coldStart.adminBundleHelp",
      label: "bundled `aws-cognito-admin --help`",
      target: help,
    },
    {
      key: "authSplitHelp",
      id: "coldStart.authSplitHelp",
      label:
        "diagnostic: `aws-cognito-auth --help` bundled with `--code-splitting`",
    },
  ], "floor"));
  const bundleSizes: Record<string, number> = {};
  for (const [name, file] of [["auth", authBundle], ["admin", adminBundle]]) {
    bundleSizes[name] = (await Deno.stat(file)).size;
  }
  let splitBytes = 0;
  for await (const entry of Deno.readDir(splitDir)) {
    splitBytes += (await Deno.stat(`${splitDir}/${entry.name}`)).size;
  }
  bundleSizes.authCodeSplitEntry = (await Deno.stat(authSplit)).size;
  bundleSizes.authCodeSplitTotal = splitBytes;
  results.imports.bundleBytes = bundleSizes;

  // ---- What each path loads (strace) ---------------------------------------
  const importsOf = (args: string[], env: Record<string, string>) =>
    loadedModules(DENO, ["run", "-A", "--quiet", ...args], {
      env: { ...denoEnv, ...env },
      cwd: ROOT,
      root: ROOT,
    });
  if (strace) {
    results.imports.authHelp = await importsOf([AUTH_TS, "--help"], {});
    results.imports.adminHelp = await importsOf([ADMIN_TS, "--help"], {});
  } else {
    results.notes.push("strace is missing: what each path loads is not shown");
  }

  // ---- 3 and 4. Sign-in ----------------------------------------------------
  section("3. Sign-in");
  const { stack } = ps;
  const loginArgs = (proxy: boolean, repeat: boolean) => [
    "run",
    "-A",
    "--quiet",
    AUTH_TS,
    "login",
    "-u",
    stack.username,
    "--profile",
    PROFILE,
    ...(proxy ? [] : ["--no-lambda-proxy"]),
    ...(repeat && hasForce ? ["--force"] : []),
  ];
  const homes: TempHome[] = [];
  const newHome = async () => {
    const home = await makeTempHome();
    homes.push(home);
    return home;
  };
  cleanup.add(async () => {
    for (const home of homes) await home.cleanup().catch(() => {});
  });
  const login = async (
    home: TempHome,
    proxy: boolean,
    repeat: boolean,
    env: Record<string, string> = {},
    rss = false,
  ) => {
    const r = expectSuccess(
      `login (${proxy ? "proxy" : "no proxy"})`,
      await runTimed(DENO, loginArgs(proxy, repeat), {
        env: { ...denoEnv, ...ps.loginEnv(home), ...env },
        cwd: ROOT,
        rss,
      }),
    );
    if (proxy && !/Upgraded to proxy credentials/.test(r.stderr)) {
      throw new Error(`login did not upgrade through the proxy:\n${r.stderr}`);
    }
    return r;
  };
  const repeatHomes = { noProxy: await newHome(), proxy: await newHome() };
  await login(repeatHomes.noProxy, false, false);
  await login(repeatHomes.proxy, true, false);
  const loginRss: Record<string, number[]> = {
    firstNoProxy: [],
    firstProxy: [],
    repeatNoProxy: [],
    repeatProxy: [],
  };
  const first = (proxy: boolean, key: string) => async () => {
    const home = await makeTempHome();
    try {
      const r = await login(home, proxy, false, {}, gnuTime);
      if (r.maxRssKb) loginRss[key].push(r.maxRssKb);
      return r.ms;
    } finally {
      await home.cleanup();
    }
  };
  const again = (proxy: boolean, key: string) => async () => {
    const r = await login(
      proxy ? repeatHomes.proxy : repeatHomes.noProxy,
      proxy,
      true,
      {},
      gnuTime,
    );
    if (r.maxRssKb) loginRss[key].push(r.maxRssKb);
    return r.ms;
  };
  const logins = await interleave({
    firstNoProxy: first(false, "firstNoProxy"),
    firstProxy: first(true, "firstProxy"),
    repeatNoProxy: again(false, "repeatNoProxy"),
    repeatProxy: again(true, "repeatProxy"),
  }, { runs });
  for (const key of Object.keys(loginRss)) {
    loginRss[key] = loginRss[key].slice(-runs); // drop the warm-up
  }
  const repeatWord = hasForce ? "repeat login (`--force`)" : "repeat login";
  figures.push(...timeFigures(SECTIONS.login, logins, [
    {
      key: "firstNoProxy",
      id: "login.firstNoProxy",
      label: "first login, `--no-lambda-proxy`",
      note: "fresh HOME: no cached identity id",
    },
    {
      key: "repeatNoProxy",
      id: "login.repeatNoProxy",
      label: `${repeatWord}, \`--no-lambda-proxy\``,
      note: "cached identity id",
    },
    {
      key: "firstProxy",
      id: "login.firstProxy",
      label: "first login, with the proxy (warm Lambda)",
    },
    {
      key: "repeatProxy",
      id: "login.repeatProxy",
      label: `${repeatWord}, with the proxy (warm Lambda)`,
    },
  ]));
  figures.push(
    figure({
      id: "login.proxyOverNoProxy",
      section: SECTIONS.login,
      label: "first login: with the proxy / without",
      unit: "x",
      value: ratios(logins.firstProxy, logins.firstNoProxy),
    }),
  );

  // Requests per login, counted at the servers through recording relays.
  const recMoto = startRelay(ps.moto.endpoint, forwardAll, {
    caCerts: [ps.tls.caPem],
  });
  cleanup.add(() => recMoto.stop());
  const recLambda = startRelay(ps.rie.endpoint, forwardAll);
  cleanup.add(() => recLambda.stop());
  const viaRecorders = {
    AWS_ENDPOINT_URL: recMoto.endpoint,
    AWS_ENDPOINT_URL_LAMBDA: recLambda.endpoint,
  };
  results.requests.push(
    ...await countRequests(
      { moto: recMoto, lambda: recLambda },
      async (proxy) => {
        const home = await newHome();
        return {
          first: () => login(home, proxy, false, viaRecorders),
          repeat: () => login(home, proxy, true, viaRecorders),
        };
      },
    ),
  );

  // ---- 2 and 4. credential-process cache hit -----------------------------
  section("2. credential-process");
  if (!credentialProcess) {
    const reason = `\`auth.ts credential-process\` is not there yet (${
      (cpHelp.stderr || cpHelp.stdout).split("\n")[0].slice(0, 120)
    })`;
    for (
      const [id, label, unit] of [
        ["credentialProcess.cacheHit", "ours, cache hit", "ms"],
        ["credentialProcess.vsAwsCli", "ours / AWS CLI v2", "x"],
        ["credentialProcess.vsFloor", "ours / floor", "x"],
      ] as const
    ) {
      figures.push(
        unavailable({ id, section: SECTIONS.cache, label, unit }, reason),
      );
    }
    figures.push(
      unavailable({
        id: "memory.credentialProcess",
        section: SECTIONS.memory,
        label: "credential-process cache hit",
        unit: "MB",
      }, reason),
    );
  } else {
    await measureCredentialProcess({
      ps,
      cleanup,
      figures,
      results,
      runs,
      aws,
      home: await newHome(),
      login,
      runBundle: (args, env) => runBundle(authBundle, args, env),
      runSplit: (args, env) => runBundle(authSplit, args, env),
      tmp,
      floorRun,
      denoEnv,
      viaRecorders,
      recorders: [recMoto, recLambda],
      importsOf: strace ? importsOf : undefined,
      gnuTime,
      fastRuns,
    });
  }

  // ---- 4. Memory of login ----------------------------------------------------
  if (gnuTime) {
    figures.push(
      figure({
        id: "memory.loginNoProxy",
        section: SECTIONS.memory,
        label: "first login, `--no-lambda-proxy`",
        unit: "MB",
        value: mb(loginRss.firstNoProxy),
        note: "same runs as section 3",
      }),
      figure({
        id: "memory.loginProxy",
        section: SECTIONS.memory,
        label: "first login, with the proxy",
        unit: "MB",
        value: mb(loginRss.firstProxy),
        note: "same runs as section 3",
      }),
    );
  }

  // ---- 5. Lambda ------------------------------------------------------------
  section("5. Lambda proxy");
  await measureLambda({
    ps,
    cleanup,
    figures,
    runs,
    fastRuns,
    tmp,
    denoDir: DENO_DIR,
  });
  section("done");
}

/** The requests of a first and a repeat login, with and without the proxy. */
async function countRequests(
  recorders: { moto: Relay; lambda: Relay },
  prepare: (proxy: boolean) => Promise<{
    first: () => Promise<unknown>;
    repeat: () => Promise<unknown>;
  }>,
): Promise<RequestCount[]> {
  const ROUNDS = 2;
  const seen: Record<string, Record<string, number>[]> = {};
  const snapshot = () => ({
    moto: recorders.moto.exchanges.length,
    lambda: recorders.lambda.exchanges.length,
  });
  const since = (before: { moto: number; lambda: number }) => {
    const counts: Record<string, number> = {};
    for (
      const r of [
        ...recorders.moto.exchanges.slice(before.moto),
        ...recorders.lambda.exchanges.slice(before.lambda),
      ]
    ) {
      let key = `${r.service}:${r.action}`;
      if (r.action === "InitiateAuth") {
        const flow = (() => {
          try {
            return JSON.parse(r.requestBody).AuthFlow;
          } catch {
            return undefined;
          }
        })();
        if (flow) key += ` (${flow})`;
      }
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return counts;
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const proxy of [false, true]) {
      const steps = await prepare(proxy);
      for (const which of ["first", "repeat"] as const) {
        const before = snapshot();
        await steps[which]();
        const scenario = `${which} login, ${
          proxy ? "with the proxy" : "`--no-lambda-proxy`"
        }`;
        (seen[scenario] ??= []).push(since(before));
      }
    }
  }
  return Object.entries(seen).map(([scenario, rounds]) => {
    const counts = rounds[0];
    const proxy = scenario.includes("with the proxy");
    const required: Record<string, number> = {
      "cognito-idp:InitiateAuth": 1,
      ...(scenario.startsWith("first") ? { "cognito-identity:GetId": 1 } : {}),
      "cognito-identity:GetCredentialsForIdentity": 1,
      ...(proxy ? { "lambda:Invoke": 1 } : {}),
    };
    const plain: Record<string, number> = {};
    for (const [key, n] of Object.entries(counts)) {
      const base = key.replace(/ \(.*\)$/, "");
      plain[base] = (plain[base] ?? 0) + n;
    }
    const extra: Record<string, number> = {};
    const missing: Record<string, number> = {};
    for (
      const key of new Set([...Object.keys(plain), ...Object.keys(required)])
    ) {
      const diff = (plain[key] ?? 0) - (required[key] ?? 0);
      if (diff > 0) extra[key] = diff;
      if (diff < 0) missing[key] = -diff;
    }
    const minimum = Object.values(required).reduce((a, b) => a + b, 0);
    return {
      scenario,
      counts,
      total: Object.values(counts).reduce((a, b) => a + b, 0),
      minimum,
      extra,
      missing,
      stable: rounds.every((r) => JSON.stringify(r) === JSON.stringify(counts)),
      rounds: rounds.length,
    };
  });
}

async function measureCredentialProcess(input: {
  ps: ProxyStack;
  cleanup: Cleanup;
  figures: Figure[];
  results: Results;
  runs: number;
  aws: { version: string } | { reason: string };
  home: TempHome;
  login: (
    home: TempHome,
    proxy: boolean,
    repeat: boolean,
  ) => Promise<unknown>;
  runBundle: (
    args: string[],
    env: Record<string, string>,
  ) => ReturnType<typeof runTimed>;
  runSplit: (
    args: string[],
    env: Record<string, string>,
  ) => ReturnType<typeof runTimed>;
  tmp: string;
  fastRuns: number;
  floorRun: (rss?: boolean) => ReturnType<typeof runTimed>;
  denoEnv: Record<string, string>;
  viaRecorders: Record<string, string>;
  recorders: Relay[];
  importsOf?: (
    args: string[],
    env: Record<string, string>,
  ) => ReturnType<typeof loadedModules>;
  gnuTime: boolean;
}): Promise<void> {
  const { ps, home, figures } = input;
  const runs = input.fastRuns;
  // Sign in (with the proxy: 12-hour credentials, so no 90-second moto
  // expiry can turn a run into a refresh), then measure straight away.
  await input.login(home, true, false);
  const env = {
    ...input.denoEnv,
    ...home.env,
    ...ps.stack.env,
    // A refresh would need the network: send any request to the relays,
    // where it is counted (there must be none).
    ...input.viaRecorders,
    NODE_EXTRA_CA_CERTS: ps.tls.caFile,
    COGNITO_AUTH_REFRESH_WINDOW: "0",
  };
  const args = ["credential-process", "--profile", PROFILE];
  const requestsBefore = input.recorders.map((r) => r.exchanges.length);
  const credentialsFile = await Deno.readTextFile(home.credentialsFile);
  const keyId = /aws_access_key_id = (\S+)/.exec(credentialsFile)?.[1];
  const sameKey =
    (label: string) => (r: Awaited<ReturnType<typeof runTimed>>) => {
      expectSuccess(label, r);
      const json = JSON.parse(r.stdout);
      if (json.Version !== 1 || json.AccessKeyId !== keyId) {
        throw new Error(
          `${label} printed other credentials than the profile's`,
        );
      }
      return r.ms;
    };
  const ours = () =>
    runTimed(DENO, ["run", "-A", "--quiet", AUTH_TS, ...args], {
      env,
      cwd: ROOT,
    });
  const awsEnv = {
    ...home.env,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PAGER: "",
  };
  const theirs = () =>
    runTimed(AWS_V2, [
      "configure",
      "export-credentials",
      "--profile",
      PROFILE,
      "--format",
      "process",
    ], { env: awsEnv, cwd: home.dir });
  const aws = input.aws;
  const hasAws = "version" in aws;
  // Diagnostics: the library's cache read alone (no CLI parser), and the
  // CLI parser alone, both with the project's deno.json like auth.ts.
  const libOnly = `${input.tmp}/cache_hit_lib_only.ts`;
  await Deno.writeTextFile(
    libOnly,
    `import { readSession } from ${
      JSON.stringify(`${ROOT}lib/session_cache.ts`)
    };
import { credentialProcessJson } from ${
      JSON.stringify(`${ROOT}lib/credential_output.ts`)
    };
const session = await readSession(Deno.env.toObject(), Deno.args[0]);
if (!session) Deno.exit(1);
console.log(credentialProcessJson(session.credentials));
`,
  );
  const parserOnly = `${input.tmp}/commander_only.ts`;
  await Deno.writeTextFile(
    parserOnly,
    `import { Command } from "@commander-js/extra-typings";
new Command("x").parse([], { from: "user" });
`,
  );
  const withConfig = (script: string, scriptArgs: string[]) =>
    runTimed(DENO, [
      "run",
      "--config",
      `${ROOT}deno.json`,
      "-A",
      "--quiet",
      script,
      ...scriptArgs,
    ], { env, cwd: ROOT });
  const cases: Record<string, () => Promise<number>> = {
    floor: async () => expectSuccess("empty script", await input.floorRun()).ms,
    ours: async () => sameKey("credential-process")(await ours()),
    oursBundled: async () =>
      sameKey("bundled credential-process")(
        await input.runBundle(args, env),
      ),
    oursSplit: async () =>
      sameKey("code-split credential-process")(
        await input.runSplit(args, env),
      ),
    libOnly: async () =>
      sameKey("cache read without the CLI")(
        await withConfig(libOnly, [PROFILE]),
      ),
    parserOnly: async () =>
      expectSuccess("commander alone", await withConfig(parserOnly, [])).ms,
  };
  if (hasAws) {
    cases.theirs = async () =>
      sameKey("aws export-credentials")(await theirs());
  }
  const samples = await interleave(cases, { runs });
  const section = SECTIONS.cache;
  figures.push(...timeFigures(section, samples, [
    {
      key: "floor",
      id: "credentialProcess.floor",
      label: "empty `deno run` script (the floor)",
    },
    {
      key: "ours",
      id: "credentialProcess.cacheHit",
      label: "ours: `auth.ts credential-process`, cache hit",
    },
    {
      key: "oursBundled",
      id: "credentialProcess.cacheHitBundled",
      label: "ours, bundled form, cache hit",
    },
    {
      key: "oursSplit",
      id: "credentialProcess.cacheHitCodeSplit",
      label: "diagnostic: ours bundled with `--code-splitting`, cache hit",
    },
    {
      key: "libOnly",
      id: "credentialProcess.libOnly",
      label:
        "diagnostic: `readSession` + `credentialProcessJson` alone (no CLI)",
    },
    {
      key: "parserOnly",
      id: "credentialProcess.commanderOnly",
      label: "diagnostic: importing commander alone",
    },
    ...(hasAws
      ? [{
        key: "theirs",
        id: "credentialProcess.awsCliV2",
        label:
          "AWS CLI v2: `aws configure export-credentials --format process`",
      }]
      : []),
  ], "floor"));
  figures.push(
    figure({
      id: "credentialProcess.vsFloor",
      section,
      label: "ours / floor",
      unit: "x",
      value: ratios(samples.ours, samples.floor),
      target: { text: "<= 2x", op: "<=", value: 2 },
    }),
  );
  if (hasAws) {
    figures.push(
      figure({
        id: "credentialProcess.vsAwsCli",
        section,
        label: "ours / AWS CLI v2",
        unit: "x",
        value: ratios(samples.ours, samples.theirs),
        target: { text: "<= 0.1x", op: "<=", value: 0.1 },
      }),
      figure({
        id: "credentialProcess.bundledVsAwsCli",
        section,
        label: "ours bundled / AWS CLI v2",
        unit: "x",
        value: ratios(samples.oursBundled, samples.theirs),
      }),
    );
  } else {
    figures.push(
      unavailable({
        id: "credentialProcess.vsAwsCli",
        section,
        label: "ours / AWS CLI v2",
        unit: "x",
        target: { text: "<= 0.1x", op: "<=", value: 0.1 },
      }, "reason" in aws ? aws.reason : "unavailable"),
    );
  }

  // Peak RSS, floor alongside.
  if (input.gnuTime) {
    const rss = await interleave({
      floor: async () =>
        expectSuccess("empty script", await input.floorRun(true)).maxRssKb!,
      ours: async () => {
        const r = await runTimed(
          DENO,
          ["run", "-A", "--quiet", AUTH_TS, ...args],
          { env, cwd: ROOT, rss: true },
        );
        sameKey("credential-process")(r);
        return r.maxRssKb!;
      },
      libOnly: async () => {
        const r = await runTimed(DENO, [
          "run",
          "--config",
          `${ROOT}deno.json`,
          "-A",
          "--quiet",
          libOnly,
          PROFILE,
        ], { env, cwd: ROOT, rss: true });
        sameKey("cache read without the CLI")(r);
        return r.maxRssKb!;
      },
    }, { runs });
    figures.push(
      figure({
        id: "memory.floor",
        section: SECTIONS.memory,
        label: "empty `deno run` script (the floor)",
        unit: "MB",
        value: mb(rss.floor),
      }),
      figure({
        id: "memory.credentialProcess",
        section: SECTIONS.memory,
        label: "credential-process, cache hit",
        unit: "MB",
        value: mb(rss.ours),
        target: { text: "<= 60 MB", op: "<=", value: 60 },
      }),
      figure({
        id: "memory.credentialProcessLibOnly",
        section: SECTIONS.memory,
        label: "diagnostic: the cache read alone (no CLI)",
        unit: "MB",
        value: mb(rss.libOnly),
      }),
    );
  }
  if (input.importsOf) {
    input.results.imports.credentialProcessCacheHit = await input.importsOf(
      [AUTH_TS, ...args],
      env,
    );
    // `status` reads the AWS files and the settings: no AWS call either.
    input.results.imports.status = await input.importsOf(
      [AUTH_TS, "status", "--profile", PROFILE],
      env,
    );
  }
  const during = input.recorders.map((r, i) =>
    r.exchanges.length - requestsBefore[i]
  ).reduce((a, b) => a + b, 0);
  input.results.imports.requestsDuringCacheHits = during;
  if (during !== 0) {
    throw new Error(
      `credential-process made ${during} requests: not a cache hit`,
    );
  }
}

function decodeJwtPayload(token: string): Record<string, unknown> {
  const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  return JSON.parse(atob(part + "=".repeat((4 - part.length % 4) % 4)));
}

async function measureLambda(input: {
  ps: ProxyStack;
  cleanup: Cleanup;
  figures: Figure[];
  runs: number;
  fastRuns: number;
  tmp: string;
  denoDir: string;
}): Promise<void> {
  const { ps, figures, runs } = input;
  const section = SECTIONS.lambda;
  figures.push(
    figure({
      id: "lambda.zipSize",
      section,
      label: "zip size",
      unit: "KB",
      value: summarize([ps.build.zipBytes / 1024]),
      target: { text: "< 300 KB", op: "<", value: 300 },
      note: `one build; bundle ${
        (ps.build.bundleBytes / 1024).toFixed(0)
      } KB uncompressed`,
    }),
  );

  // A real ID token, and the same token with a broken signature.
  const tlsAgent = new Agent({ ca: ps.tls.caPem, keepAlive: true });
  const idp = new CognitoIdentityProviderClient({
    region: REGION,
    endpoint: ps.moto.endpoint,
    credentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    requestHandler: { httpsAgent: tlsAgent },
  });
  const auth = await idp.send(
    new InitiateAuthCommand({
      ClientId: ps.stack.clientId,
      AuthFlow: "USER_PASSWORD_AUTH",
      AuthParameters: {
        USERNAME: ps.stack.username,
        PASSWORD: ps.stack.password,
      },
    }),
  );
  idp.destroy();
  const idToken = auth.AuthenticationResult!.IdToken!;
  const [head, body, signature] = idToken.split(".");
  const at = Math.floor(signature.length / 2);
  const flipped = signature[at] === "A" ? "B" : "A";
  const badToken = `${head}.${body}.${signature.slice(0, at)}${flipped}${
    signature.slice(at + 1)
  }`;
  const payloads = {
    valid: JSON.stringify({ id_token: idToken, duration_seconds: 3600 }),
    badSignature: JSON.stringify({
      id_token: badToken,
      duration_seconds: 3600,
    }),
    notJson: "this is not JSON",
    noToken: "{}",
  };
  const expectStatus = (
    label: string,
    status: number,
    response: { status: number; body: string },
    bodyMatch?: RegExp,
  ) => {
    let statusCode: unknown;
    try {
      statusCode = JSON.parse(response.body).statusCode;
    } catch { /* below */ }
    if (
      response.status !== 200 || statusCode !== status ||
      (bodyMatch && !bodyMatch.test(response.body))
    ) {
      throw new Error(
        `${label}: expected statusCode ${status}, got HTTP ${response.status} ${
          response.body.slice(0, 300)
        }`,
      );
    }
  };

  // Cold: a fresh emulator with an empty DENO_DIR (as /tmp on a new Lambda
  // execution environment), first invocation.
  let coldIndex = 0;
  const coldCase = (payload: string, status: number) => async () => {
    const denoDir = `${input.tmp}/cold-${coldIndex++}`;
    const rie = await ps.startFunction({ DENO_DIR: denoDir });
    try {
      const started = performance.now();
      const response = await rie.invoke(payload);
      const elapsed = performance.now() - started;
      expectStatus("cold invocation", status, response);
      return elapsed;
    } finally {
      await rie.stop();
      await Deno.remove(denoDir, { recursive: true }).catch(() => {});
    }
  };
  const cold = await interleave({
    rejected: coldCase(payloads.noToken, 400),
    badSignature: coldCase(payloads.badSignature, 401),
    full: coldCase(payloads.valid, 200),
  }, { runs: runs * 2 });

  // Warm: the stack's emulator (already warm from the logins), and STS
  // called directly from a warm SDK client in this process.
  const sts = new STSClient({
    region: REGION,
    endpoint: ps.moto.endpoint,
    credentials: {
      accessKeyId: ps.proxyUser.accessKeyId,
      secretAccessKey: ps.proxyUser.secretAccessKey,
    },
    maxAttempts: 2,
    requestHandler: { httpsAgent: tlsAgent },
  });
  input.cleanup.add(() => {
    sts.destroy();
    tlsAgent.destroy();
  });
  const claims = decodeJwtPayload(idToken);
  const identity = {
    username: String(claims["cognito:username"]),
    sub: String(claims.sub),
  };
  const assumeRole = async (client: STSClient) => {
    const started = performance.now();
    const out = await client.send(
      new AssumeRoleCommand({
        RoleArn: ps.roleArn,
        RoleSessionName: roleSessionName(identity.username),
        DurationSeconds: 3600,
        Tags: sessionTags(identity),
      }),
    );
    const elapsed = performance.now() - started;
    if (!out.Credentials?.AccessKeyId) throw new Error("AssumeRole failed");
    return elapsed;
  };
  const timedInvoke =
    (payload: string, status: number, match?: RegExp) => async () => {
      const started = performance.now();
      const response = await ps.rie.invoke(payload);
      const elapsed = performance.now() - started;
      expectStatus("warm invocation", status, response, match);
      return elapsed;
    };
  const warm = await interleave({
    notJson: timedInvoke(payloads.notJson, 400),
    badSignature: timedInvoke(payloads.badSignature, 401, /bad signature/),
    valid: timedInvoke(payloads.valid, 200),
    sts: () => assumeRole(sts),
  }, { runs: input.fastRuns });

  // lambda/sts.ts itself, in a warm process set up as the Lambda is (the
  // SDK's default handler; endpoint and CA from the environment).
  const child = expectSuccess(
    "lambda/sts.ts in a Lambda-like process",
    await runTimed(DENO, [
      "run",
      "--config",
      `${ROOT}deno.json`,
      "-A",
      "--quiet",
      `${ROOT}bench/_sts_child.ts`,
    ], {
      env: {
        DENO_DIR: input.denoDir,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL_STS: ps.moto.endpoint,
        NODE_EXTRA_CA_CERTS: ps.tls.caFile,
      },
      cwd: ROOT,
      stdin: JSON.stringify({
        region: REGION,
        accessKeyId: ps.proxyUser.accessKeyId,
        secretAccessKey: ps.proxyUser.secretAccessKey,
        request: {
          roleArn: ps.roleArn,
          sessionName: roleSessionName(identity.username),
          durationSeconds: 3600,
          tags: sessionTags(identity),
        },
        warmup: 3,
        runs: input.fastRuns,
      }),
    }),
  );
  const stsLikeLambda: number[] = JSON.parse(child.stdout);

  figures.push(
    ...timeFigures(section, cold, [
      {
        key: "rejected",
        id: "lambda.coldRejected",
        label:
          "cold: fresh emulator → first invocation, rejected at once (`{}`: 400)",
        note: "runtime start, bundle load, init, Runtime API loop",
      },
      {
        key: "badSignature",
        id: "lambda.coldBadSignature",
        label: "cold: first invocation, bad signature (401)",
        note: "+ JWKS fetch over TLS and verification",
      },
      {
        key: "full",
        id: "lambda.coldFull",
        label: "cold: fresh emulator → first invocation, valid token (200)",
        note: "+ JWKS, STS client load, AssumeRole",
      },
    ]),
    ...timeFigures(section, warm, [
      {
        key: "notJson",
        id: "lambda.warmNotJson",
        label: "warm: not JSON (400): emulator + Runtime API loop",
      },
      {
        key: "badSignature",
        id: "lambda.warmBadSignature",
        label: "warm: bad signature (401): + token verification, no STS",
      },
      {
        key: "valid",
        id: "lambda.warmValid",
        label: "warm: valid token (200): + AssumeRole",
      },
      {
        key: "sts",
        id: "lambda.stsDirect",
        label: "STS AssumeRole alone, warm SDK client (in the bench)",
        note: "keep-alive: the TLS connection is reused",
      },
    ]),
    figure({
      id: "lambda.stsLikeLambda",
      section,
      label:
        "diagnostic: `lambda/sts.ts` AssumeRole in a warm process set up as the Lambda",
      unit: "ms",
      value: summarize(stsLikeLambda),
      note: "SDK default handler, NODE_EXTRA_CA_CERTS; run after the rounds",
    }),
    figure({
      id: "lambda.warmOverhead",
      section,
      label: "warm overhead of our code: valid − STS alone",
      unit: "ms",
      value: summarize(warm.valid.map((v, i) => v - warm.sts[i])),
      target: { text: "< 20 ms", op: "<", value: 20 },
      note: "paired per round; includes the emulator's own hop",
    }),
    figure({
      id: "lambda.warmVerification",
      section,
      label: "warm: token verification (bad signature − not JSON)",
      unit: "ms",
      value: summarize(warm.badSignature.map((v, i) => v - warm.notJson[i])),
      note: "paired per round",
    }),
    figure({
      id: "lambda.coldJwksPart",
      section,
      label: "cold: JWKS fetch + verification (bad signature − rejected)",
      unit: "ms",
      value: summarize(cold.badSignature.map((v, i) => v - cold.rejected[i])),
      note: "paired per round",
    }),
    figure({
      id: "lambda.coldStsPart",
      section,
      label: "cold: STS client load + AssumeRole (valid − bad signature)",
      unit: "ms",
      value: summarize(cold.full.map((v, i) => v - cold.badSignature[i])),
      note: "paired per round",
    }),
  );
}

if (import.meta.main) {
  const started = performance.now();
  const runs = parseRuns(Deno.args);
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
    await main(cleanup, results);
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
    const m = results.machine;
    console.log(
      `commit ${results.commit.slice(0, 12)}${
        results.dirty ? " (dirty)" : ""
      } · ${results.date} · ${m.nproc} CPUs · deno ${m.deno}${
        m.awsCliV2 ? ` · ${m.awsCliV2}` : ""
      } · medians of ${runs} runs (login), ${results.runs.lambdaCold} (Lambda cold), ${results.runs.fast} (the rest), each after 1 warm-up · ${results.durationSeconds} s\n`,
    );
    const order = (f: Figure) => f.section;
    console.log(
      figuresTable(
        results.figures.toSorted((a, b) => order(a).localeCompare(order(b))),
      ),
    );
    console.log(`\n**Requests per login, counted at the servers**\n`);
    console.log(requestsTable(results.requests));
    const imports = results.imports as Record<
      string,
      { sdkPackages?: string[]; npmPackages?: string[]; localModules?: [] }
    >;
    const loaded = Object.entries(imports).filter(([, v]) => v?.npmPackages);
    if (loaded.length) {
      console.log(
        `\n**What paths that call no AWS load (strace)** (target: no SDK package)\n`,
      );
      for (const [path, v] of loaded) {
        const sdk = v.sdkPackages!;
        console.log(
          `- ${path}: ${v.localModules!.length} local files read; npm: ${
            v.npmPackages!.join(", ") || "none"
          }; SDK: ${
            sdk.length ? `**${sdk.join(", ")}** (missed)` : "none (met)"
          }`,
        );
      }
    }
    for (const note of results.notes) console.log(`\nNote: ${note}`);
    console.log(`\nWrote ${RESULTS_FILE}`);
  }
  Deno.exit(code);
}
