/**
 * What every section of the benchmark shares: the paths it runs, the
 * results it fills in, the machine it runs on, and the context that
 * `bench/run.ts` builds once (temporary folder, Deno cache, run counts,
 * the tools found) and hands to each section.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { type LoadedModules, loadedModules } from "./_imports.ts";
import type { Cleanup, TimedRun } from "./_proc.ts";
import {
  type Figure,
  figure,
  type RequestCount,
  type Target,
  type TargetRow,
} from "./_report.ts";
import { ratios, summarize, type Summary } from "./_stats.ts";

/** The repository root, ending with a slash. */
export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The two entry points. */
export const AUTH_TS = `${ROOT}auth.ts`;
export const ADMIN_TS = `${ROOT}admin.ts`;
/** Where the results are written. */
export const RESULTS_FILE = `${ROOT}bench/results.json`;
/** The Deno running the benchmark, used for every child. */
export const DENO = Deno.execPath();
/** The AWS CLI v2 the cache hit is compared with. */
export const AWS_V2 = "/usr/bin/aws";
/** The AWS profile every login writes. */
export const PROFILE = "bench";

/** `deno run` arguments for a script run with the project's deno.json. */
export function withProjectConfig(script: string, ...args: string[]): string[] {
  return [
    "run",
    "--config",
    `${ROOT}deno.json`,
    "-A",
    "--quiet",
    script,
    ...args,
  ];
}

/** `deno run` arguments for `login -u <user> --profile bench`, plus `more`. */
export function benchLogin(username: string, ...more: string[]): string[] {
  return [
    "run",
    "-A",
    "--quiet",
    AUTH_TS,
    "login",
    "-u",
    username,
    "--profile",
    PROFILE,
    ...more,
  ];
}

/** The sections, as they are titled in the tables. */
export const SECTIONS = {
  cold: "1. Cold start (wall time)",
  cache: "2. credential-process cache hit vs the AWS CLI v2",
  login: "3. Sign-in: login end to end against moto (wall time)",
  memory: "4. Memory (peak RSS)",
  lambda: "5. Lambda proxy",
};

/** Everything gathered, written to results.json. */
export interface Results {
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
  /** Issue 17's targets, and those already met that must stay met. */
  targets?: { issue17: TargetRow[]; noRegression: TargetRow[] };
  notes: string[];
}

/** The AWS CLI v2 found (its version), or why it is not there. */
export type AwsCli = { version: string } | { reason: string };

/** What `bench/run.ts` sets up once and every section uses. */
export interface Bench {
  /** Cleanup steps, run when the benchmark ends, fails or is interrupted. */
  cleanup: Cleanup;
  /** The results being gathered (figures, requests, imports, notes). */
  results: Results;
  /** Rounds of the slow figures (logins). */
  runs: number;
  /** Rounds of the figures under ~0.5 s a run. */
  fastRuns: number;
  /** Deno's cache folder, kept for every child whatever its HOME. */
  denoDir: string;
  /** The environment every `deno run` child starts from. */
  denoEnv: Record<string, string>;
  /** The benchmark's temporary folder (removed at the end). */
  tmp: string;
  /** The AWS CLI v2, or why it is missing. */
  aws: AwsCli;
  /** Whether `/usr/bin/time` can measure peak RSS. */
  gnuTime: boolean;
  /** What a `deno run` of `args` loads (strace), when strace is there. */
  importsOf?: (
    args: string[],
    env: Record<string, string>,
  ) => Promise<LoadedModules>;
  /** An empty script: `deno run` of it is the floor. */
  emptyScript: string;
  /** One run of the empty `deno run` script (the floor). */
  floorRun(rss?: boolean): Promise<TimedRun>;
}

/** Runs a command and returns its output as trimmed text. */
export async function text(
  cmd: string,
  args: string[],
  cwd = ROOT,
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
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
export async function denoDir(): Promise<string> {
  const fromEnv = Deno.env.get("DENO_DIR");
  if (fromEnv) return fromEnv;
  const info = await text(DENO, ["info", "--json"]);
  return JSON.parse(info.stdout).denoDir;
}

/** CPUs, memory, OS and the Deno and V8 versions. */
export async function machineInfo(): Promise<Record<string, unknown>> {
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
export async function awsCliV2(): Promise<AwsCli> {
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

/** What the strace of one `deno run` needs, for {@linkcode Bench.importsOf}. */
export function importsOfWith(
  denoEnv: Record<string, string>,
): NonNullable<Bench["importsOf"]> {
  return (args, env) =>
    loadedModules(DENO, ["run", "-A", "--quiet", ...args], {
      env: { ...denoEnv, ...env },
      cwd: ROOT,
      root: ROOT,
    });
}

/** One figure of {@linkcode timeFigures}: which series, and how it reads. */
export interface TimeSpec {
  /** The key of the series in the interleaved samples. */
  key: string;
  /** The figure's id. */
  id: string;
  /** The figure's label. */
  label: string;
  /** The figure's target, if any. */
  target?: Target;
  /** A short remark. */
  note?: string;
}

/** Wall times of an interleaved group, as figures with ×floor. */
export function timeFigures(
  section: string,
  samples: Record<string, number[]>,
  specs: TimeSpec[],
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

/** Peak RSS samples in kilobytes, summarized in megabytes. */
export function mb(samplesKb: number[]): Summary {
  return summarize(samplesKb.map((kb) => kb / 1024));
}
