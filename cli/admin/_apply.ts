/**
 * Shared by the admin command files: the role flags, loading settings and
 * AWS clients, putting an inline policy on the chosen role, and showing a
 * plan, asking for confirmation and running it with one progress line per
 * step.
 *
 * @module
 */
import {
  describeSource,
  loadSettings,
  type ResolvedSettings,
  type SettingName,
  type Settings,
  validateSettings,
} from "../../lib/config.ts";
import { CancelledError, InputRequiredError } from "../../lib/errors.ts";
import { formatPlan, type Plan, runPlan } from "../../lib/plan.ts";
import { type AwsClients, createAwsClients } from "../../lib/admin/aws.ts";
import type { RoleChoice } from "../../lib/admin/roles.ts";
import {
  planRolePolicy,
  type RolePolicyRequest,
} from "../../lib/admin/role_policy.ts";
import { colorEnabled, palette, type Prompter } from "../terminal.ts";
import { out } from "../report.ts";

/** `--yes` and `--dry-run`, taken by every command that changes AWS. */
export interface ChangeFlags {
  /** Go ahead without asking. */
  yes?: boolean;
  /** Print the plan and change nothing. */
  dryRun?: boolean;
}

/** `--role-name`, `--identity-pool-id` and `--region`: which role to act on. */
export interface RoleFlags {
  /** `--role-name`. */
  roleName?: string;
  /** `--identity-pool-id`: its authenticated role is meant otherwise. */
  identityPoolId?: string;
  /** `--region`. */
  region?: string;
}

/** The settings the {@linkcode RoleFlags} give. */
export function roleSettings(flags: RoleFlags): Settings {
  return {
    authRoleName: flags.roleName,
    identityPoolId: flags.identityPoolId,
    region: flags.region,
  };
}

/**
 * The settings the commands that wire the proxy function to a user pool's
 * app client need (`lambda deploy`, `setup-identity-pool`).
 */
export const PROXY_SETTINGS = [
  "userPoolId",
  "clientId",
  "region",
  "lambdaFunctionName",
] as const;

/** Everything a command needs from its surroundings. */
export interface AdminContext<K extends SettingName = never> {
  /** The settings (flags, environment, config file) with their sources. */
  settings: ResolvedSettings;
  /** The checked setting values, with the required ones present. */
  values: Settings & Required<Pick<Settings, K>>;
  /**
   * The role to act on: the one named (flag, environment or config file),
   * else the Identity Pool's authenticated role.
   */
  role: RoleChoice;
  /** The SDK clients (the machine's own AWS credentials). */
  clients: AwsClients;
}

/**
 * Loads and checks the settings (`required` must be set) and creates the
 * clients, runs `work` with them, and destroys the clients after.
 */
export async function withAdminContext<K extends SettingName, T>(
  flags: Settings,
  env: Record<string, string | undefined>,
  required: readonly K[],
  work: (context: AdminContext<K>) => Promise<T>,
): Promise<T> {
  const settings = await loadSettings(flags, env);
  const values = validateSettings(settings, required);
  const source = settings.sources.authRoleName;
  const role: RoleChoice = {
    roleName: settings.values.authRoleName,
    roleNameSource: source &&
      describeSource(
        "authRoleName",
        source,
        settings.configPath,
        settings.envNames?.authRoleName,
      ),
    identityPoolId: settings.values.identityPoolId,
  };
  // IAM is global; a region is still needed to sign. Regional commands
  // check the region themselves.
  const clients = createAwsClients(settings.values.region ?? "us-east-1");
  try {
    return await work({ settings, values, role, clients });
  } finally {
    clients.destroy();
  }
}

/**
 * Puts one inline policy on the role the flags choose: checks the settings
 * (`required` must be set), plans with `planRolePolicy` (which reads the role
 * and its current policy) and shows and applies the plan.
 */
export function applyRolePolicy<K extends SettingName>(
  flags: RoleFlags & ChangeFlags,
  env: Record<string, string | undefined>,
  prompter: Prompter | undefined,
  required: readonly K[],
  request: (
    settings: Settings & Required<Pick<Settings, K>>,
  ) => Omit<RolePolicyRequest, "role">,
): Promise<void> {
  return withAdminContext(
    roleSettings(flags),
    env,
    required,
    async ({ values, role, clients }) => {
      const plan = await planRolePolicy(clients, { role, ...request(values) });
      await showAndApply(plan, flags, prompter);
    },
  );
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
