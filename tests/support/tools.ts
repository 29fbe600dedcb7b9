/**
 * Installs the local AWS stand-ins the tests need (moto server, the AWS CLI)
 * into the ignored `.cache/` folder on first use, and finds free ports.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";

/** The project's ignored cache folder (absolute, ends without a slash). */
export const CACHE_DIR = fromFileUrl(new URL("../../.cache", import.meta.url));
/** The Python virtual environment holding moto and the AWS CLI. */
export const VENV_DIR = `${CACHE_DIR}/venv`;
/** Path of the AWS CLI installed in the venv. */
export const AWS_CLI = `${VENV_DIR}/bin/aws`;
/** Path of moto's server entry point installed in the venv. */
export const MOTO_SERVER = `${VENV_DIR}/bin/moto_server`;

const REQUIREMENTS = fromFileUrl(
  new URL("./requirements.txt", import.meta.url),
);
const STAMP = `${VENV_DIR}/.requirements`;

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function run(cmd: string, args: string[]): Promise<void> {
  const out = await new Deno.Command(cmd, {
    args,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed with code ${out.code}`);
  }
}

/**
 * Makes sure `.cache/venv` has exactly the pinned moto and AWS CLI from
 * `tests/support/requirements.txt`; creates or updates it when not.
 */
export async function ensurePythonTools(): Promise<void> {
  const wanted = await Deno.readTextFile(REQUIREMENTS);
  const have = await Deno.readTextFile(STAMP).catch(() => "");
  if (
    have === wanted && await exists(AWS_CLI) && await exists(MOTO_SERVER)
  ) return;
  console.error(`Installing moto and the AWS CLI into ${VENV_DIR} ...`);
  await Deno.mkdir(CACHE_DIR, { recursive: true });
  if (!await exists(`${VENV_DIR}/bin/pip`)) {
    await run("python3", ["-m", "venv", VENV_DIR]);
  }
  await run(`${VENV_DIR}/bin/pip`, [
    "install",
    "--quiet",
    "--disable-pip-version-check",
    "-r",
    REQUIREMENTS,
  ]);
  await Deno.writeTextFile(STAMP, wanted);
}

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Result of running a command to completion. */
export interface RunResult {
  /** Exit code. */
  code: number;
  /** Standard output as text. */
  stdout: string;
  /** Standard error as text. */
  stderr: string;
}

/**
 * Runs a command with exactly the given environment (nothing inherited but
 * PATH), optionally feeding `stdin`, and collects its output.
 */
export async function runCommand(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; stdin?: string; cwd?: string } = {},
): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    env: { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", ...options.env },
    clearEnv: true,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return {
    code: out.code,
    stdout: decoder.decode(out.stdout),
    stderr: decoder.decode(out.stderr),
  };
}

/** Runs the real AWS CLI from the venv with the given environment. */
export function awsCli(
  args: string[],
  env: Record<string, string>,
): Promise<RunResult> {
  return runCommand(AWS_CLI, args, { env });
}
