/**
 * The benchmark's figures, the Markdown table it prints, and the
 * machine-readable `bench/results.json`.
 *
 * @module
 */
import type { Summary } from "./_stats.ts";

/** Units a figure can be in. */
export type Unit = "ms" | "MB" | "KB" | "x";

/** A goal a figure is checked against (a goal, not an assertion). */
export interface Target {
  /** How the target reads, e.g. `< 80 ms`. */
  text: string;
  /** The figure's median must be at most (`<=`) or below (`<`) this. */
  op: "<" | "<=";
  /** The limit, in the figure's unit. */
  value: number;
}

/** One line of the results. */
export interface Figure {
  /** Stable id for machines, e.g. `coldStart.authHelp`. */
  id: string;
  /** Section number and name, e.g. `1. Cold start`. */
  section: string;
  /** What was measured, for people. */
  label: string;
  /** Unit of median/min/max. */
  unit: Unit;
  /** Median, min, max and the samples; absent when unavailable. */
  value?: Summary;
  /** Paired ratio to the empty `deno run` floor of the same rounds. */
  vsFloor?: Summary;
  /** The goal, if the issue sets one. */
  target?: Target;
  /** Whether the median meets the target. */
  met?: boolean;
  /** Why the figure could not be measured. */
  unavailable?: string;
  /** A short remark (how it was measured, what it includes). */
  note?: string;
}

/** Requests one login sent, counted at the servers. */
export interface RequestCount {
  /** e.g. `first login, no proxy`. */
  scenario: string;
  /** `service:Action` (InitiateAuth with its AuthFlow) and how many. */
  counts: Record<string, number>;
  /** Total requests. */
  total: number;
  /** The protocol minimum for this scenario. */
  minimum: number;
  /** Requests beyond the minimum (`service:Action` and count). */
  extra: Record<string, number>;
  /** Required requests that did not happen. */
  missing: Record<string, number>;
  /** Whether every round gave the same counts. */
  stable: boolean;
  /** How many logins were counted. */
  rounds: number;
}

/** Makes a figure, checking it against its target. */
export function figure(
  fields: Omit<Figure, "met">,
): Figure {
  const { value, target } = fields;
  const met = value && target
    ? (target.op === "<"
      ? value.median < target.value
      : value.median <= target.value)
    : undefined;
  return { ...fields, met };
}

/** A figure that could not be measured, with the reason. */
export function unavailable(
  fields: Omit<Figure, "met" | "value" | "unavailable">,
  reason: string,
): Figure {
  return { ...fields, unavailable: reason };
}

function format(value: number, unit: Unit): string {
  switch (unit) {
    case "ms":
      return value >= 100 ? value.toFixed(0) : value.toFixed(1);
    case "MB":
      return value.toFixed(1);
    case "KB":
      return value.toFixed(1);
    case "x":
      return value >= 10 ? value.toFixed(1) : value.toFixed(2);
  }
}

function withUnit(value: number, unit: Unit): string {
  return unit === "x"
    ? `${format(value, unit)}x`
    : `${format(value, unit)} ${unit}`;
}

/** The figures as Markdown tables, one per section. */
export function figuresTable(figures: Figure[]): string {
  const lines: string[] = [];
  let section = "";
  for (const f of figures) {
    if (f.section !== section) {
      section = f.section;
      if (lines.length) lines.push("");
      lines.push(`**${section}**`, "");
      lines.push("| figure | median | min | max | ×floor | target | |");
      lines.push("| --- | ---: | ---: | ---: | ---: | --- | --- |");
    }
    const mark = f.met === undefined ? "" : f.met ? "met" : "**missed**";
    if (!f.value) {
      lines.push(
        `| ${f.label} | n/a | | | | ${f.target?.text ?? ""} | ${
          f.unavailable ?? ""
        } |`,
      );
      continue;
    }
    const v = f.value;
    const floor = f.vsFloor ? `${format(f.vsFloor.median, "x")}x` : "";
    lines.push(
      `| ${f.label} | ${withUnit(v.median, f.unit)} | ${
        format(v.min, f.unit)
      } | ${format(v.max, f.unit)} | ${floor} | ${
        f.target?.text ?? ""
      } | ${mark} |`,
    );
  }
  return lines.join("\n");
}

/** The request counts as a Markdown table. */
export function requestsTable(counts: RequestCount[]): string {
  const lines = [
    "| login | requests received (service:Action) | total | minimum | extra | |",
    "| --- | --- | ---: | ---: | --- | --- |",
  ];
  for (const c of counts) {
    const list = Object.entries(c.counts).map(([k, n]) => `${k} ${n}`).join(
      ", ",
    );
    const extra = [
      ...Object.entries(c.extra).map(([k, n]) => `+${n} ${k}`),
      ...Object.entries(c.missing).map(([k, n]) => `-${n} ${k}`),
    ].join(", ");
    const ok = c.total === c.minimum && !extra ? "met" : "**missed**";
    lines.push(
      `| ${c.scenario} | ${list} | ${c.total} | ${c.minimum} | ${
        extra || "none"
      }${c.stable ? "" : " (differed between rounds)"} | ${ok} |`,
    );
  }
  return lines.join("\n");
}

/** What {@linkcode printResults} prints besides the figures. */
export interface PrintedResults {
  commit: string;
  dirty: boolean;
  date: string;
  machine: Record<string, unknown>;
  runs: { slow: number; lambdaCold: number; fast: number };
  durationSeconds?: number;
  figures: Figure[];
  requests: RequestCount[];
  imports: Record<string, unknown>;
  targets?: { issue17: TargetRow[]; noRegression: TargetRow[] };
  notes: string[];
}

/** Prints the whole report on stdout: a header line, then the tables. */
export function printResults(results: PrintedResults, file: string): void {
  const m = results.machine;
  console.log(
    `commit ${results.commit.slice(0, 12)}${
      results.dirty ? " (dirty)" : ""
    } · ${results.date} · ${m.nproc} CPUs · deno ${m.deno}${
      m.awsCliV2 ? ` · ${m.awsCliV2}` : ""
    } · medians of ${results.runs.slow} runs (login), ${results.runs.lambdaCold} (Lambda cold), ${results.runs.fast} (the rest), each after 1 warm-up · ${results.durationSeconds} s\n`,
  );
  const order = (f: Figure) => f.section;
  console.log(
    figuresTable(
      results.figures.toSorted((a, b) => order(a).localeCompare(order(b))),
    ),
  );
  console.log(`\n**Requests per login, counted at the servers**\n`);
  console.log(requestsTable(results.requests));
  const imports = results.imports as Record<
    string,
    { sdkPackages?: string[]; npmPackages?: string[]; localModules?: [] }
  >;
  const loaded = Object.entries(imports).filter(([, v]) => v?.npmPackages);
  if (loaded.length) {
    console.log(
      `\n**What paths that call no AWS load (strace)** (target: no SDK package)\n`,
    );
    for (const [path, v] of loaded) {
      const sdk = v.sdkPackages!;
      console.log(
        `- ${path}: ${v.localModules!.length} local files read; npm: ${
          v.npmPackages!.join(", ") || "none"
        }; SDK: ${
          sdk.length ? `**${sdk.join(", ")}** (missed)` : "none (met)"
        }`,
      );
    }
  }
  if (results.targets) {
    console.log(`\n**Issue 17's targets**\n`);
    console.log(targetsTable(results.targets.issue17));
    console.log(`\n**Already met: no regression**\n`);
    console.log(targetsTable(results.targets.noRegression));
  }
  for (const note of results.notes) console.log(`\nNote: ${note}`);
  console.log(`\nWrote ${file}`);
}

/** One line of a targets summary. */
export interface TargetRow {
  /** The figure's id, or `requests` for the request counts. */
  id: string;
  /** What is checked. */
  label: string;
  /** The median (with its unit), or a count such as `8 of 8 scenarios`. */
  result: string;
  /** The target as it reads. */
  target: string;
  /** Whether it is met; undefined when it could not be measured. */
  met?: boolean;
}

/**
 * The rows of a targets summary: the figures with these ids (in this
 * order; missing ones are left out) and, with `requests`, one row saying
 * whether every counted scenario made exactly the protocol's requests.
 */
export function targetRows(
  figures: Figure[],
  ids: string[],
  requests?: RequestCount[],
): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const id of ids) {
    const f = figures.find((f) => f.id === id);
    if (!f?.target) continue;
    rows.push({
      id,
      label: f.label,
      result: f.value ? withUnit(f.value.median, f.unit) : "n/a",
      target: f.target.text,
      met: f.value ? f.met : undefined,
    });
  }
  if (requests) {
    const exact = requests.filter((c) =>
      c.total === c.minimum && !Object.keys(c.extra).length &&
      !Object.keys(c.missing).length && c.stable
    );
    rows.push({
      id: "requests",
      label: "requests: exactly the protocol's, every scenario",
      result: `${exact.length} of ${requests.length} scenarios`,
      target: "all",
      met: requests.length > 0 && exact.length === requests.length,
    });
  }
  return rows;
}

/** A targets summary as a Markdown table. */
export function targetsTable(rows: TargetRow[]): string {
  return [
    "| target | result | goal | |",
    "| --- | ---: | --- | --- |",
    ...rows.map((r) =>
      `| ${r.label} | ${r.result} | ${r.target} | ${
        r.met === undefined ? "n/a" : r.met ? "met" : "**missed**"
      } |`
    ),
  ].join("\n");
}
