/**
 * Section 1 of the benchmark: how long `--help` takes from the repository
 * and from the bundled forms (`deno bundle --platform=deno`, run as the
 * distribution test runs them), against the empty `deno run` floor; and the
 * bundles themselves, which section 2 also runs.
 *
 * @module
 */
import {
  ADMIN_TS,
  AUTH_TS,
  type Bench,
  DENO,
  ROOT,
  SECTIONS,
  timeFigures,
  withProjectConfig,
} from "./_context.ts";
import { expectSuccess, runTimed, type TimedRun } from "./_proc.ts";
import { interleave } from "./_stats.ts";

/** The bundled entry points, and how to run one of them. */
export interface Bundles {
  /** `aws-cognito-auth.js`, one file. */
  auth: string;
  /** `aws-cognito-admin.js`, one file. */
  admin: string;
  /** The entry of `auth.ts` bundled with `--code-splitting`. */
  authSplit: string;
  /** The folder holding the code-split chunks. */
  splitDir: string;
  /** Runs a bundle as the distribution test does (no config, lock or npm). */
  run(
    file: string,
    args: string[],
    env?: Record<string, string>,
  ): Promise<TimedRun>;
}

/**
 * The settings Deno needs to reach the npm registry from this machine (a CA
 * of a proxy that inspects TLS, a proxy): `deno bundle` may download
 * esbuild on its first run. Nothing timed gets them.
 */
function registryEnv(): Record<string, string> {
  const names = [
    "NODE_EXTRA_CA_CERTS",
    "DENO_CERT",
    "DENO_TLS_CA_STORE",
    "HTTPS_PROXY",
    "HTTP_PROXY",
    "NO_PROXY",
  ];
  const env: Record<string, string> = {};
  for (const name of names) {
    const value = Deno.env.get(name);
    if (value) env[name] = value;
  }
  return env;
}

/** Bundles both entry points, and `auth.ts` again with `--code-splitting`. */
export async function bundleEntries(bench: Bench): Promise<Bundles> {
  const { tmp } = bench;
  const denoEnv = { ...registryEnv(), ...bench.denoEnv };
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
  const auth = await bundle("aws-cognito-auth", AUTH_TS);
  const admin = await bundle("aws-cognito-admin", ADMIN_TS);
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
  return {
    auth,
    admin,
    authSplit: `${splitDir}/auth.js`,
    splitDir,
    run: (file, args, env = {}) =>
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
      ], { env: { ...bench.denoEnv, ...env }, cwd: tmp }),
  };
}

/** Runs once, checks it succeeded (and its output), returns the time. */
async function ms(
  label: string,
  run: Promise<TimedRun>,
  check?: (stdout: string) => boolean,
): Promise<number> {
  const r = expectSuccess(label, await run);
  if (check && !check(r.stdout)) {
    throw new Error(`${label}: unexpected output\n${r.stdout.slice(0, 500)}`);
  }
  return r.ms;
}

/**
 * Section 1: the floor, `--help` of both entry points from source and
 * bundled, interleaved; then the bundles' sizes and (with strace) what
 * `--help` loads.
 */
export async function measureColdStart(
  bench: Bench,
  bundles: Bundles,
): Promise<void> {
  const { denoEnv, results } = bench;
  const figures = results.figures;
  const usage = (name: string) => (stdout: string) =>
    stdout.startsWith(`Usage: ${name} `);
  const cold = await interleave({
    floor: () => ms("empty script", bench.floorRun()),
    floorConfig: () =>
      ms(
        "empty script with deno.json",
        runTimed(DENO, withProjectConfig(bench.emptyScript), {
          env: denoEnv,
          cwd: ROOT,
        }),
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
        bundles.run(bundles.auth, ["--help"]),
        usage("aws-cognito-auth"),
      ),
    adminBundleHelp: () =>
      ms(
        "bundled admin --help",
        bundles.run(bundles.admin, ["--help"]),
        usage("aws-cognito-admin"),
      ),
    authSplitHelp: () =>
      ms(
        "code-split auth --help",
        bundles.run(bundles.authSplit, ["--help"]),
        usage("aws-cognito-auth"),
      ),
  }, { runs: bench.fastRuns });
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
  for (
    const [name, file] of [["auth", bundles.auth], ["admin", bundles.admin]]
  ) {
    bundleSizes[name] = (await Deno.stat(file)).size;
  }
  let splitBytes = 0;
  for await (const entry of Deno.readDir(bundles.splitDir)) {
    splitBytes += (await Deno.stat(`${bundles.splitDir}/${entry.name}`)).size;
  }
  bundleSizes.authCodeSplitEntry = (await Deno.stat(bundles.authSplit)).size;
  bundleSizes.authCodeSplitTotal = splitBytes;
  results.imports.bundleBytes = bundleSizes;

  // What each path loads (strace).
  if (bench.importsOf) {
    results.imports.authHelp = await bench.importsOf([AUTH_TS, "--help"], {});
    results.imports.adminHelp = await bench.importsOf([ADMIN_TS, "--help"], {});
  } else {
    results.notes.push("strace is missing: what each path loads is not shown");
  }
}
