/**
 * Plans of the admin commands: the AWS calls a command will make, with the
 * documents it will send, worked out from read-only calls before anything
 * changes. A plan is printed, confirmed, then run step by step; a plan with
 * no steps means AWS already is as wanted.
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
  /** Documents the call sends, printed as JSON under the step. */
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

/**
 * The plan as text for people: the title, the context, each step numbered
 * with its documents as indented JSON, what is unchanged, and warnings.
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
        for (const line of JSON.stringify(json, null, 2).split("\n")) {
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
