/**
 * Installs the local AWS stand-ins the tests need (moto server, the AWS CLI)
 * into the ignored `.cache/` folder on first use, and the small helpers the
 * other support files share: `go install` into `.cache/bin`, free ports,
 * waiting for a server to come up, and running commands.
 *
 * @module
 */
import { fileURLToPath as fromFileUrl } from "node:url";
import { networkEnv } from "./network_env.ts";

/** The project's ignored cache folder (absolute, ends without a slash). */
export const CACHE_DIR = fromFileUrl(new URL("../../.cache", import.meta.url));
/** Whether the tests run on Windows (venv layout, executable suffixes). */
const WINDOWS = Deno.build.os === "windows";
/** The Python virtual environment holding moto and the AWS CLI. */
export const VENV_DIR = `${CACHE_DIR}/venv`;
/** The venv's folder of commands (`Scripts` on Windows). */
const VENV_BIN = `${VENV_DIR}/${WINDOWS ? "Scripts" : "bin"}`;
/** Path of the AWS CLI installed in the venv (`aws.cmd` on Windows). */
export const AWS_CLI = `${VENV_BIN}/${WINDOWS ? "aws.cmd" : "aws"}`;
/** The venv's Python (with botocore), on every system. */
export const VENV_PYTHON = `${VENV_BIN}/python${WINDOWS ? ".exe" : ""}`;
/** Path of moto's server entry point installed in the venv. */
export const MOTO_SERVER = `${VENV_BIN}/moto_server${WINDOWS ? ".exe" : ""}`;

const REQUIREMENTS = fromFileUrl(
  new URL("./requirements.txt", import.meta.url),
);
const STAMP = `${VENV_DIR}/.requirements`;

/** Whether something exists at `path`. */
export async function exists(path: string): Promise<boolean> {
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
  const pip = `${VENV_BIN}/pip${WINDOWS ? ".exe" : ""}`;
  if (!await exists(pip)) {
    await run(WINDOWS ? "python" : "python3", ["-m", "venv", VENV_DIR]);
  }
  await run(pip, [
    "install",
    "--quiet",
    "--disable-pip-version-check",
    "-r",
    REQUIREMENTS,
  ]);
  await Deno.writeTextFile(STAMP, wanted);
}

/** The Go toolchain: `GO` if set, else the official install, else `go`. */
function goBinary(): string {
  const configured = Deno.env.get("GO");
  if (configured) return configured;
  try {
    Deno.statSync("/usr/local/go/bin/go");
    return "/usr/local/go/bin/go";
  } catch {
    return "go";
  }
}

/**
 * `go install`s `module@version` (a `cmd/<name>` package path) into
 * `.cache/bin` and returns the binary's path.
 */
export async function goInstall(
  module: string,
  version: string,
): Promise<string> {
  const name = module.slice(module.lastIndexOf("/") + 1);
  const bin = `${CACHE_DIR}/bin/${name}${WINDOWS ? ".exe" : ""}`;
  console.error(`Installing ${name} ${version} into ${bin} ...`);
  await Deno.mkdir(`${CACHE_DIR}/bin`, { recursive: true });
  const out = await new Deno.Command(goBinary(), {
    args: ["install", `${module}@${version}`],
    env: { GOBIN: `${CACHE_DIR}/bin`, GOFLAGS: "-modcacherw" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!out.success) {
    throw new Error(`go install of ${name} failed (code ${out.code})`);
  }
  return bin;
}

/** Whether `shell` is installed and runs (`<shell> -c "exit 0"`). */
export function shellInstalled(shell: string): boolean {
  try {
    return new Deno.Command(shell, {
      args: ["-c", "exit 0"],
      stdout: "null",
      stderr: "null",
    }).outputSync().success;
  } catch {
    return false;
  }
}

/**
 * Asks `ready` every `intervalMs` until it says yes or `timeoutMs` have
 * passed; returns whether it said yes.
 */
export async function waitFor(
  ready: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A temporary folder, removed with its contents when disposed. */
export interface TempDir extends AsyncDisposable {
  /** The folder's absolute path. */
  path: string;
}

/** Makes a temporary folder for `await using`. */
export async function tempDir(prefix: string): Promise<TempDir> {
  const path = await Deno.makeTempDir({ prefix });
  return {
    path,
    [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }),
  };
}

/** Runs `fn` with a fresh temporary folder and removes the folder after. */
export async function withTempDir<T>(
  prefix: string,
  fn: (dir: string) => Promise<T>,
): Promise<T> {
  await using dir = await tempDir(prefix);
  return await fn(dir.path);
}

/**
 * Runs `fn` with the environment variable `name` of this process set to
 * `value` (removed when undefined), and puts back what it was after.
 */
export async function withEnv<T>(
  name: string,
  value: string | undefined,
  fn: () => Promise<T>,
): Promise<T> {
  const before = Deno.env.get(name);
  const put = (text: string | undefined) =>
    text === undefined ? Deno.env.delete(name) : Deno.env.set(name, text);
  put(value);
  try {
    return await fn();
  } finally {
    put(before);
  }
}

/**
 * Removes `path` with its contents when the test process ends: for a folder
 * that a whole test file shares, so that no "teardown" test (which `--filter`
 * would skip) has to remove it.
 */
export function removeAtUnload(path: string): void {
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch { /* already removed */ }
  });
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

/** Options of {@linkcode runCommand}. */
export interface RunCommandOptions {
  /** The exact environment (PATH is added; nothing else is inherited). */
  env?: Record<string, string>;
  /**
   * The child may download something (npm packages, esbuild): it also
   * inherits this machine's network settings ({@linkcode networkEnv}:
   * certificate trust, proxies, npm registry), under `env`. Leave it unset
   * for children that must stay isolated or offline.
   */
  network?: boolean;
  /** Text fed to standard input (else stdin is /dev/null). */
  stdin?: string;
  /** Working folder. */
  cwd?: string;
  /** Called with the child as soon as it is spawned (e.g. to kill it). */
  onSpawn?: (child: Deno.ChildProcess) => void;
}

/**
 * What every child inherits: PATH, and on Windows the few variables without
 * which programs cannot start there (Python, for one, fails without
 * `SYSTEMROOT`). Windows names are matched in any case.
 */
export function baseEnv(
  source: Record<string, string> = Deno.env.toObject(),
  windows = WINDOWS,
): Record<string, string> {
  const wanted = windows
    ? [
      "PATH",
      "PATHEXT",
      "SYSTEMROOT",
      "SYSTEMDRIVE",
      "WINDIR",
      "COMSPEC",
      "TEMP",
      "TMP",
    ]
    : ["PATH"];
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    const key = windows ? name.toUpperCase() : name;
    if (wanted.includes(key)) env[name] = value;
  }
  if (!windows && env.PATH === undefined) env.PATH = "/usr/bin:/bin";
  return env;
}

/**
 * Runs a command with exactly the given environment (nothing inherited but
 * {@linkcode baseEnv}, and the network settings when `network` is set),
 * optionally feeding `stdin`, and collects its output.
 */
export async function runCommand(
  cmd: string,
  args: string[],
  options: RunCommandOptions = {},
): Promise<RunResult> {
  const child = new Deno.Command(cmd, {
    args,
    env: {
      ...baseEnv(),
      ...(options.network ? networkEnv() : {}),
      ...options.env,
    },
    clearEnv: true,
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  options.onSpawn?.(child);
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
