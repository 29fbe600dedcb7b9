/**
 * Plans of the admin commands: the AWS calls a command will make, with the
 * documents it will send, worked out from read-only calls before anything
 * changes. A plan is printed, confirmed, then run step by step; a plan with
 * no steps means AWS already is as wanted.
 *
 * Printing a plan hides every value whose name looks secret (see
 * {@linkcode looksSecret}), wherever it sits in a step's documents: a
 * function's environment read back from AWS may hold keys and passwords that
 * were never ours to show.
 *
 * @module
 */

/** One call that changes AWS. */
export interface PlanStep {
  /** The API call as IAM names its permission, e.g. `iam:CreateRole`. */
  call: string;
  /** What it acts on, e.g. `role CognitoLongLivedRole`. */
  target: string;
  /** Further facts shown under the step (one line each). */
  details?: string[];
  /**
   * Documents the call sends, printed as JSON under the step, with the
   * values of secret-looking names hidden ({@linkcode hideSecrets}).
   */
  documents?: { label: string; json: unknown }[];
  /** Makes the call. Steps run in order and may use earlier steps' results. */
  run(): Promise<void>;
}

/** What a command will do. */
export interface Plan {
  /** One line saying what the plan is for. */
  title: string;
  /** Facts the plan rests on (account, region, names), one per line. */
  context: string[];
  /** The changing calls, in order. */
  steps: PlanStep[];
  /** What is already as wanted, one line each. */
  unchanged: string[];
  /** Things the reader should know before saying yes. */
  warnings: string[];
}

/** A new, empty plan. */
export function newPlan(title: string, context: string[] = []): Plan {
  return { title, context, steps: [], unchanged: [], warnings: [] };
}

/** What a plan shows instead of a secret value. */
export const HIDDEN = "(secret, not shown)";

/** Words that make a name secret: `DB_PASSWORD`, `clientSecret`, `GITHUB_TOKEN`. */
const SECRET_WORDS = new Set([
  "secret",
  "secrets",
  "password",
  "passwd",
  "pwd",
  "passphrase",
  "token",
  "tokens",
  "credential",
  "credentials",
  "apikey",
  "privatekey",
]);
/** Pairs of words that do: `PRIVATE_KEY`, `apiKey`, `SIGNING_KEY`. */
const SECRET_KEYS = new Set(["private", "api", "signing", "encryption"]);
/**
 * Last words that name a fact about a secret rather than the secret itself:
 * `ACCESS_TOKEN_CHECK`, `MAX_TOKEN_LIFETIME_SECONDS`, `SECRET_ARN`,
 * `AWS_WEB_IDENTITY_TOKEN_FILE`.
 */
const ABOUT_WORDS = new Set([
  "check",
  "lifetime",
  "seconds",
  "ttl",
  "duration",
  "expiry",
  "url",
  "uri",
  "endpoint",
  "arn",
  "id",
  "ids",
  "name",
  "path",
  "file",
  "header",
  "type",
  "mode",
  "enabled",
  "version",
  "length",
]);

/**
 * Whether a name (an environment variable, a JSON key) looks like it holds a
 * secret: one of its words is secret, password, token, credentials, private
 * key, API key... and its last word does not merely describe one (`..._CHECK`,
 * `..._ARN`, `..._SECONDS`, `..._ID`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { looksSecret } from "./plan.ts";
 *
 * assert.ok(looksSecret("IAM_USER_AWS_SECRET_ACCESS_KEY"));
 * assert.ok(looksSecret("clientSecret"));
 * assert.ok(looksSecret("DB_PASSWORD"));
 * assert.ok(!looksSecret("ACCESS_TOKEN_CHECK"));
 * assert.ok(!looksSecret("IAM_USER_ACCESS_KEY_ID"));
 * ```
 */
export function looksSecret(name: string): boolean {
  const words = name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase()
    .split(/[^a-z0-9]+/).filter(Boolean);
  if (words.length === 0 || ABOUT_WORDS.has(words[words.length - 1])) {
    return false;
  }
  return words.some((word, i) =>
    SECRET_WORDS.has(word) || (word === "key" && SECRET_KEYS.has(words[i - 1]))
  );
}

/**
 * A copy of a JSON value in which every value under a secret-looking name
 * ({@linkcode looksSecret}), at any depth, reads {@linkcode HIDDEN}. Empty
 * strings stay empty (they hide nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { hideSecrets } from "./plan.ts";
 *
 * assert.deepEqual(
 *   hideSecrets({ environment: { DB_PASSWORD: "hunter2", REGION: "eu-west-1" } }),
 *   { environment: { DB_PASSWORD: "(secret, not shown)", REGION: "eu-west-1" } },
 * );
 * ```
 */
export function hideSecrets(value: unknown, secret = false): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => hideSecrets(item, secret));
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map((
        [name, item],
      ) => [name, hideSecrets(item, secret || looksSecret(name))]),
    );
  }
  return secret && value !== "" && value !== null ? HIDDEN : value;
}

/**
 * The plan as text for people: the title, the context, each step numbered
 * with its documents as indented JSON (secrets hidden, see
 * {@linkcode hideSecrets}), what is unchanged, and warnings.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatPlan, newPlan } from "./plan.ts";
 *
 * const plan = newPlan("Plan: apply a policy");
 * plan.steps.push({
 *   call: "iam:PutRolePolicy",
 *   target: "role R, inline policy P",
 *   documents: [{ label: "policy", json: { Version: "2012-10-17" } }],
 *   run: () => Promise.resolve(),
 * });
 * assert.match(formatPlan(plan), /1\. iam:PutRolePolicy  role R/);
 * ```
 */
export function formatPlan(plan: Plan): string {
  const lines = [plan.title];
  for (const fact of plan.context) lines.push(`  ${fact}`);
  if (plan.steps.length === 0) {
    lines.push("", "No changes: AWS already is as this command would make it.");
  } else {
    lines.push(
      "",
      `${plan.steps.length} change${
        plan.steps.length === 1 ? "" : "s"
      }, in this order:`,
    );
    plan.steps.forEach((step, index) => {
      lines.push(`  ${index + 1}. ${step.call}  ${step.target}`);
      for (const detail of step.details ?? []) lines.push(`       ${detail}`);
      for (const { label, json } of step.documents ?? []) {
        lines.push(`       ${label}:`);
        const shown = JSON.stringify(hideSecrets(json), null, 2);
        for (const line of shown.split("\n")) {
          lines.push(`         ${line}`);
        }
      }
    });
  }
  if (plan.unchanged.length > 0) {
    lines.push("", "Already as wanted (left alone):");
    for (const item of plan.unchanged) lines.push(`  - ${item}`);
  }
  if (plan.warnings.length > 0) {
    lines.push("");
    for (const warning of plan.warnings) lines.push(`Warning: ${warning}`);
  }
  return lines.join("\n");
}

/** What {@linkcode runPlan} reports after each step. */
export interface StepReport {
  /** 1-based number of the step. */
  index: number;
  /** Number of steps. */
  total: number;
  /** The step. */
  step: PlanStep;
  /** Milliseconds the step took. */
  stepMs: number;
  /** Milliseconds since the plan started. */
  totalMs: number;
  /** Whether it worked (a failed step stops the plan). */
  ok: boolean;
}

/**
 * Runs the steps in order, reporting each with its time. Stops at the first
 * failure and rethrows it after reporting. `now` gives milliseconds.
 */
export async function runPlan(
  plan: Plan,
  report: (r: StepReport) => void,
  now: () => number = () => performance.now(),
): Promise<void> {
  const start = now();
  for (const [i, step] of plan.steps.entries()) {
    const stepStart = now();
    let ok = false;
    try {
      await step.run();
      ok = true;
    } finally {
      const end = now();
      report({
        index: i + 1,
        total: plan.steps.length,
        step,
        stepMs: end - stepStart,
        totalMs: end - start,
        ok,
      });
    }
  }
}
