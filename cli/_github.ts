/**
 * `login --format github` and `--format github-profile`: the runner side of
 * `login` in a GitHub Actions step (the Action in `action.yml` runs it).
 *
 * @module
 */
import type { TemporaryCredentials } from "../lib/credentials.ts";
import {
  type CiRunner,
  deliverToRunner,
  githubRunner,
  type RunnerDelivery,
  runnerProfileFiles,
} from "../lib/github_actions.ts";
import { out } from "./report.ts";

/** The two runner formats of `login`. */
export type GithubFormat = "github" | "github-profile";

/** Whether a `--format` value is one of the runner formats. */
export function isGithubFormat(
  format: string | undefined,
): format is GithubFormat {
  return format === "github" || format === "github-profile";
}

/** A login run on a runner: its environment and where credentials go. */
export interface GithubRun {
  runner: CiRunner;
  /** The environment `login` should use (files and cache in RUNNER_TEMP). */
  env: Record<string, string | undefined>;
  /** Where the credentials go. */
  delivery: RunnerDelivery;
}

/**
 * Checks that this is a GitHub Actions step (exit 57 otherwise), masks this
 * tool's own secrets from the environment, and points the session cache
 * (and, for a profile, the AWS files) into `RUNNER_TEMP`, so that nothing
 * secret is left in the workspace or outlives the job.
 */
export async function prepareGithubRun(
  format: GithubFormat,
  profile: string,
  env: Record<string, string | undefined>,
): Promise<GithubRun> {
  const runner = githubRunner(env);
  await runner.mask(
    ["COGNITO_PASSWORD", "COGNITO_NEW_PASSWORD", "COGNITO_CLIENT_SECRET"]
      .map((name) => env[name] ?? ""),
  );
  const runEnv = {
    ...env,
    XDG_CACHE_HOME: `${runner.tempDir}/cognito-authoriser/cache`,
  };
  if (format === "github") {
    return { runner, env: runEnv, delivery: { kind: "env" } };
  }
  const files = runnerProfileFiles(runner);
  return {
    runner,
    env: {
      ...runEnv,
      AWS_SHARED_CREDENTIALS_FILE: files.credentialsFile,
      AWS_CONFIG_FILE: files.configFile,
    },
    delivery: { kind: "profile", profile, ...files },
  };
}

/** Masks, exports and sets the outputs, and says what it did on stderr. */
export async function deliverGithub(
  run: GithubRun,
  credentials: TemporaryCredentials,
  region: string,
  identityId: string,
  kind: string,
  expires: string,
): Promise<void> {
  const names = await deliverToRunner(run.runner, run.delivery, {
    credentials,
    region,
    identityId,
  });
  out.info(
    `Exported ${kind} to the job's later steps (${names.join(", ")}; ` +
      `expires ${expires})` +
      (run.delivery.kind === "profile"
        ? `, as profile ${run.delivery.profile} in ${run.runner.tempDir}.`
        : "."),
  );
}
