/**
 * Shared by the admin command files: loading settings and AWS clients, and
 * showing a plan, asking for confirmation and running it with one progress
 * line per step.
 *
 * @module
 */
import {
  type AdminSettings,
  configFilePath,
  loadConfigFile,
  loadSettings,
  resolveAdminSettings,
  type ResolvedAdminSettings,
  type ResolvedSettings,
  type Settings,
} from "../../lib/config.ts";
import { CancelledError, InputRequiredError } from "../../lib/errors.ts";
import { formatPlan, type Plan, runPlan } from "../../lib/plan.ts";
import { type AwsClients, createAwsClients } from "../../lib/admin/aws.ts";
import { colorEnabled, palette, type Prompter } from "../../lib/terminal.ts";
import { out } from "../run.ts";

/** `--yes` and `--dry-run`, taken by every command that changes AWS. */
export interface ChangeFlags {
  /** Go ahead without asking. */
  yes?: boolean;
  /** Print the plan and change nothing. */
  dryRun?: boolean;
}

/** Everything a command needs from its surroundings. */
export interface AdminContext {
  /** The tool's settings with their sources. */
  settings: ResolvedSettings;
  /** The admin-only settings (the authenticated role's name). */
  admin: ResolvedAdminSettings;
  /** The config file's raw object (to keep unknown keys when saving). */
  configRaw?: Record<string, unknown>;
  /** The SDK clients (the machine's own AWS credentials). */
  clients: AwsClients;
}

/** Loads settings and creates clients; call `clients.destroy()` after. */
export async function loadAdminContext(
  flags: Settings & AdminSettings,
  env: Record<string, string | undefined>,
): Promise<AdminContext> {
  const { authRoleName, ...settingFlags } = flags;
  const settings = await loadSettings(settingFlags, env);
  const file = await loadConfigFile(configFilePath(env));
  const admin = resolveAdminSettings(
    { authRoleName },
    env,
    file?.raw,
    settings.configPath,
  );
  // IAM is global; a region is still needed to sign. Regional commands
  // check the region themselves.
  const clients = createAwsClients(settings.values.region ?? "us-east-1");
  return { settings, admin, configRaw: file?.raw, clients };
}

/**
 * Prints the plan (stdout), then: with `--dry-run` stops; with no steps
 * stops; with `--yes` goes ahead; on a terminal asks; otherwise refuses
 * (nothing can be asked). Runs the steps with one progress line each on
 * stderr. Returns whether the plan was run.
 */
export async function showAndApply(
  plan: Plan,
  flags: ChangeFlags,
  prompter: Prompter | undefined,
  now: () => number = () => performance.now(),
): Promise<boolean> {
  out.data(formatPlan(plan));
  if (flags.dryRun) {
    out.info("Dry run: nothing was changed.");
    return false;
  }
  if (plan.steps.length === 0) return false;
  if (!flags.yes) {
    if (!prompter) {
      throw new InputRequiredError(
        "This command changes AWS and needs a yes: pass --yes to go ahead " +
          "without a terminal, or --dry-run to only see the plan.",
      );
    }
    const ok = await prompter.confirm(
      plan.steps.length === 1
        ? "Make this change?"
        : `Make these ${plan.steps.length} changes?`,
      false,
    );
    if (!ok) throw new CancelledError("Cancelled: nothing was changed.");
  }
  const paint = palette(colorEnabled(Deno.stderr));
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  await runPlan(plan, (r) => {
    const mark = r.ok ? paint.green("done  ") : paint.red("FAILED");
    out.info(
      `[${r.index}/${r.total}] ${mark} ${r.step.call} ${r.step.target} ` +
        paint.dim(`(${seconds(r.stepMs)}, ${seconds(r.totalMs)} in all)`),
    );
  }, now);
  return true;
}

/** A real sleep, for retries while IAM propagates. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
