/**
 * How a step hands credentials to the rest of a CI job, and GitHub Actions'
 * way of doing it. {@linkcode CiRunner} is the shape (mask secrets, export
 * variables to later steps, set step outputs, a job-private temporary
 * folder); {@linkcode githubRunner} speaks GitHub's runner protocol:
 *
 * - `::add-mask::<value>` workflow commands on stdout, which the runner
 *   reads and strips from every later log line. They are written before
 *   any other output can hold the values.
 * - `NAME<<delimiter` / value / `delimiter` blocks appended to the files
 *   named by `GITHUB_ENV` (variables for later steps) and `GITHUB_OUTPUT`
 *   (the step's outputs), with a random delimiter that the value is checked
 *   not to contain, so a value with line breaks cannot add variables.
 * - `RUNNER_TEMP`, emptied by the runner at the start and end of each job,
 *   for files that must not outlive the job or land in the workspace.
 *
 * @module
 */
import { CliError, ExitCode } from "./errors.ts";
import { isoSeconds, type TemporaryCredentials } from "./credentials.ts";
import { credentialsEnv } from "./credential_output.ts";

/** The step is not running where the runner's files are (exit 57). */
export class CiRunnerError extends CliError {
  /** Creates a runner error. */
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.ciRunner, options);
  }
}

/** What a CI runner offers a step to hand things to the rest of the job. */
export interface CiRunner {
  /** The runner's name, for messages. */
  name: string;
  /** A folder private to the job, removed when it ends. */
  tempDir: string;
  /** Hides each value from the job's logs from now on. */
  mask(values: string[]): Promise<void>;
  /** Sets environment variables for the job's later steps. */
  exportVariables(variables: Record<string, string>): Promise<void>;
  /** Sets the step's outputs. */
  setOutputs(outputs: Record<string, string>): Promise<void>;
}

/**
 * The `::add-mask::` workflow command for a value, escaped as GitHub's
 * toolkit escapes command data (`%`, CR and LF), so that the runner reads
 * back the whole value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { maskCommand } from "./github_actions.ts";
 * assert.equal(maskCommand("a%b\nc"), "::add-mask::a%25b%0Ac");
 * ```
 */
export function maskCommand(value: string): string {
  const data = value.replaceAll("%", "%25").replaceAll("\r", "%0D")
    .replaceAll("\n", "%0A");
  return `::add-mask::${data}`;
}

/**
 * One `NAME<<delimiter` block for `GITHUB_ENV` or `GITHUB_OUTPUT`. The
 * delimiter is random; a name or value that could break the block (a name
 * with `=`, a line break or `<<`, a value holding the delimiter) is refused.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileCommandEntry } from "./github_actions.ts";
 * assert.equal(
 *   fileCommandEntry("GREETING", "hello\nworld", "EOF_1"),
 *   "GREETING<<EOF_1\nhello\nworld\nEOF_1\n",
 * );
 * ```
 */
export function fileCommandEntry(
  name: string,
  value: string,
  delimiter = `ghadelimiter_${crypto.randomUUID()}`,
): string {
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
    throw new Error(`${JSON.stringify(name)} cannot be a variable name.`);
  }
  if (value.includes(delimiter) || name.includes(delimiter)) {
    throw new Error(`The value of ${name} contains the delimiter.`);
  }
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

async function appendTo(path: string, text: string): Promise<void> {
  // The runner creates these files; appending never replaces what other
  // steps wrote. One write per call, so entries are never interleaved.
  const file = await Deno.open(path, { append: true, create: false });
  try {
    const bytes = new TextEncoder().encode(text);
    let written = 0;
    while (written < bytes.length) {
      written += await file.write(bytes.subarray(written));
    }
  } finally {
    file.close();
  }
}

/**
 * The GitHub Actions runner of this step, from `GITHUB_ACTIONS`,
 * `GITHUB_ENV`, `GITHUB_OUTPUT` and `RUNNER_TEMP`; masks go to `write`
 * (stdout, where the runner reads workflow commands). Throws
 * {@linkcode CiRunnerError} (exit 57) when any of them is missing, before
 * anything is written.
 */
export function githubRunner(
  env: Record<string, string | undefined>,
  write: (line: string) => Promise<void> = writeStdout,
): CiRunner {
  const missing = ["GITHUB_ENV", "GITHUB_OUTPUT", "RUNNER_TEMP"].filter((
    name,
  ) => !env[name]);
  if (env.GITHUB_ACTIONS !== "true" || missing.length > 0) {
    throw new CiRunnerError(
      `--format github works only in a GitHub Actions step (` +
        (env.GITHUB_ACTIONS !== "true"
          ? "GITHUB_ACTIONS is not true"
          : `${missing.join(", ")} ${
            missing.length > 1 ? "are" : "is"
          } not set`) +
        `). Elsewhere use --format env or --format json.`,
    );
  }
  const envFile = env.GITHUB_ENV!;
  const outputFile = env.GITHUB_OUTPUT!;
  return {
    name: "GitHub Actions",
    tempDir: env.RUNNER_TEMP!,
    async mask(values) {
      const lines = values.filter((v) => v !== "").map(maskCommand);
      if (lines.length) await write(lines.join("\n") + "\n");
    },
    async exportVariables(variables) {
      await appendTo(
        envFile,
        Object.entries(variables).map(([k, v]) => fileCommandEntry(k, v))
          .join(""),
      );
    },
    async setOutputs(outputs) {
      await appendTo(
        outputFile,
        Object.entries(outputs).map(([k, v]) => fileCommandEntry(k, v))
          .join(""),
      );
    },
  };
}

async function writeStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) {
    written += await Deno.stdout.write(bytes.subarray(written));
  }
}

/** Where credentials go on the runner. */
export type RunnerDelivery =
  /** The keys themselves, as `AWS_*` variables of the later steps. */
  | { kind: "env" }
  /**
   * A profile in files under the runner's temporary folder; the later steps
   * get `AWS_SHARED_CREDENTIALS_FILE`, `AWS_CONFIG_FILE` and `AWS_PROFILE`.
   */
  | {
    kind: "profile";
    profile: string;
    credentialsFile: string;
    configFile: string;
  };

/** What {@linkcode deliverToRunner} hands over. */
export interface RunnerCredentials {
  /** The credentials. */
  credentials: TemporaryCredentials;
  /** The region. */
  region: string;
  /** The Identity Pool identity id (an output). */
  identityId: string;
}

/**
 * The variables and files a profile on the runner uses: both AWS files in
 * `<tempDir>/cognito-authoriser/aws/`.
 */
export function runnerProfileFiles(
  runner: CiRunner,
): { credentialsFile: string; configFile: string } {
  const dir = `${runner.tempDir}/cognito-authoriser/aws`;
  return { credentialsFile: `${dir}/credentials`, configFile: `${dir}/config` };
}

/**
 * Hands credentials to the job: first masks the access key id, secret key
 * and session token, then exports the variables of `delivery`, then sets
 * the outputs `expiration` (ISO 8601), `identity-id` and, for a profile,
 * `profile`. Returns the names of the variables exported.
 */
export async function deliverToRunner(
  runner: CiRunner,
  delivery: RunnerDelivery,
  value: RunnerCredentials,
): Promise<string[]> {
  const { credentials, region } = value;
  await runner.mask([
    credentials.accessKeyId,
    credentials.secretAccessKey,
    credentials.sessionToken,
  ]);
  const variables = delivery.kind === "env"
    ? credentialsEnv(credentials, region)
    : {
      AWS_SHARED_CREDENTIALS_FILE: delivery.credentialsFile,
      AWS_CONFIG_FILE: delivery.configFile,
      AWS_PROFILE: delivery.profile,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
    };
  await runner.exportVariables(variables);
  await runner.setOutputs({
    expiration: isoSeconds(credentials.expiration),
    "identity-id": value.identityId,
    ...(delivery.kind === "profile" ? { profile: delivery.profile } : {}),
  });
  return Object.keys(variables);
}
