/**
 * A simulated GitHub Actions runner for one job: `GITHUB_ACTIONS=true`,
 * `GITHUB_ENV`, `GITHUB_OUTPUT`, `GITHUB_PATH` and `RUNNER_TEMP` in a
 * temporary folder, a workspace, and the run steps of this repository's
 * `action.yml` executed as the runner executes a composite action's bash
 * steps (`bash --noprofile --norc -eo pipefail`, `${{ inputs.* }}` in the
 * step's `env:` replaced by the inputs or their defaults). `uses:` steps
 * (setup-deno) are not run: the Deno running the tests is put on PATH, as
 * setup-deno would put one there.
 *
 * @module
 */
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { runCommand, type RunResult } from "./tools.ts";

/** The repository root (`GITHUB_ACTION_PATH` of the local action). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url))
  .replace(/\/$/, "");

interface ActionInput {
  default?: string;
  required?: boolean;
}

interface ActionStep {
  id?: string;
  uses?: string;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
}

/** The parsed `action.yml`. */
export interface ActionFile {
  inputs: Record<string, ActionInput>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

/** Reads and parses `action.yml`. */
export async function readAction(): Promise<ActionFile> {
  return parse(await Deno.readTextFile(`${REPO_ROOT}/action.yml`));
}

/**
 * Reads a `GITHUB_ENV` / `GITHUB_OUTPUT` file: `NAME<<DELIM` blocks and
 * `NAME=value` lines, later entries winning, as the runner reads them.
 */
export function parseFileCommands(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === "") continue;
    const heredoc = line.match(/^([^=<]+)<<(.+)$/);
    if (heredoc) {
      const [, name, delimiter] = heredoc;
      const end = lines.indexOf(delimiter, i + 1);
      if (end < 0) throw new Error(`unterminated ${name}`);
      values[name] = lines.slice(i + 1, end).join("\n");
      i = end;
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0) throw new Error(`malformed line ${i + 1}`);
    values[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return values;
}

/** A simulated runner for one job. */
export interface SimulatedRunner extends AsyncDisposable {
  /** The job's folder (removed on dispose). */
  dir: string;
  /** `$GITHUB_WORKSPACE`, the checkout (empty). */
  workspace: string;
  /** `$RUNNER_TEMP`. */
  runnerTemp: string;
  /** The runner variables a step sees. */
  env: Record<string, string>;
  /** What the steps so far wrote to `GITHUB_ENV`. */
  exported(): Promise<Record<string, string>>;
  /** What the steps so far wrote to `GITHUB_OUTPUT`. */
  outputs(): Promise<Record<string, string>>;
  /** The raw text of `GITHUB_ENV` and `GITHUB_OUTPUT`. */
  files(): Promise<{ env: string; output: string }>;
  /**
   * Runs the local action's steps with `inputs` and `extraEnv` (the job's
   * environment: HOME, endpoints). Its stdout and stderr come back merged
   * in `stdout`, in the order written, as the runner's log has them.
   */
  runAction(
    inputs: Record<string, string>,
    extraEnv: Record<string, string>,
  ): Promise<RunResult>;
}

/** Starts a simulated runner job in a temporary folder. */
export async function startSimulatedRunner(): Promise<SimulatedRunner> {
  const dir = await Deno.makeTempDir({ prefix: "gha-job-" });
  const workspace = `${dir}/workspace`;
  const runnerTemp = `${dir}/_temp`;
  await Deno.mkdir(workspace);
  await Deno.mkdir(runnerTemp);
  const fileCommands = `${dir}/_runner_file_commands`;
  await Deno.mkdir(fileCommands);
  const envFile = `${fileCommands}/set_env`;
  const outputFile = `${fileCommands}/set_output`;
  const pathFile = `${fileCommands}/add_path`;
  for (const file of [envFile, outputFile, pathFile]) {
    await Deno.writeTextFile(file, "");
  }
  const env = {
    GITHUB_ACTIONS: "true",
    CI: "true",
    GITHUB_ENV: envFile,
    GITHUB_OUTPUT: outputFile,
    GITHUB_PATH: pathFile,
    RUNNER_TEMP: runnerTemp,
    GITHUB_WORKSPACE: workspace,
    GITHUB_ACTION_PATH: REPO_ROOT,
  };
  const read = async () => ({
    env: await Deno.readTextFile(envFile),
    output: await Deno.readTextFile(outputFile),
  });
  return {
    dir,
    workspace,
    runnerTemp,
    env,
    files: read,
    exported: async () => parseFileCommands((await read()).env),
    outputs: async () => parseFileCommands((await read()).output),
    async runAction(inputs, extraEnv) {
      const action = await readAction();
      const values: Record<string, string> = {};
      for (const [name, spec] of Object.entries(action.inputs)) {
        const value = inputs[name] ?? spec.default ?? "";
        if (spec.required && value === "") {
          throw new Error(`input ${name} is required`);
        }
        values[name] = value;
      }
      let last: RunResult = { code: 0, stdout: "", stderr: "" };
      for (const step of action.runs.steps) {
        if (step.uses) continue; // setup-deno: Deno is on PATH already.
        if (step.shell !== "bash" || !step.run) {
          throw new Error(`unexpected step ${JSON.stringify(step)}`);
        }
        if (step.run.includes("${{")) {
          throw new Error("an expression inside a run script");
        }
        const stepEnv: Record<string, string> = {};
        for (const [name, value] of Object.entries(step.env ?? {})) {
          stepEnv[name] = String(value).replace(
            /\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g,
            (_, input: string) => {
              if (!(input in values)) throw new Error(`no input ${input}`);
              return values[input];
            },
          );
          if (stepEnv[name].includes("${{")) {
            throw new Error(`unsupported expression in ${name}`);
          }
        }
        const script = `${runnerTemp}/step-${crypto.randomUUID()}.sh`;
        await Deno.writeTextFile(script, step.run);
        last = await runCommand("bash", [
          "--noprofile",
          "--norc",
          "-eo",
          "pipefail",
          "-c",
          'exec 2>&1; . "$1"',
          "step",
          script,
        ], {
          env: {
            PATH: `${dirname(Deno.execPath())}:${
              Deno.env.get("PATH") ?? "/usr/bin:/bin"
            }`,
            ...extraEnv,
            ...env,
            ...stepEnv,
          },
          cwd: workspace,
        });
        await Deno.remove(script);
        if (last.code !== 0) break;
      }
      return last;
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}
