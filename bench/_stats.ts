/**
 * Repeated measurements and their summaries: each case runs once to warm up,
 * then `runs` times, interleaved with the cases it is compared with (one of
 * each per round, the starting case rotating every round), so that a machine
 * that speeds up or slows down during the benchmark affects every case alike.
 *
 * @module
 */

/** Median, minimum and maximum of a series. */
export interface Summary {
  /** Median (mean of the two middle values for an even count). */
  median: number;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Every value, in the order measured. */
  samples: number[];
}

/** Summarizes a non-empty series. */
export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("no samples to summarize");
  const sorted = samples.toSorted((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2
    ? sorted[mid]
    : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted.at(-1)!, samples };
}

/**
 * Summarizes paired ratios `a[i] / b[i]` (rounds of the same interleaved
 * measurement), which cancels drift between rounds.
 */
export function ratios(a: number[], b: number[]): Summary {
  if (a.length !== b.length) throw new Error("ratio of unpaired series");
  return summarize(a.map((value, i) => value / b[i]));
}

/** One measured case: does the work once and returns a number (e.g. ms). */
export type Case = () => Promise<number>;

/**
 * Runs every case `warmup` times (results dropped), then `runs` rounds of
 * one run each, rotating which case goes first. Returns the samples per
 * case, index i of every series being round i.
 */
export async function interleave<K extends string>(
  cases: Record<K, Case>,
  options: { runs: number; warmup?: number },
): Promise<Record<K, number[]>> {
  const names = Object.keys(cases) as K[];
  const warmup = options.warmup ?? 1;
  for (let round = 0; round < warmup; round++) {
    for (const name of names) await cases[name]();
  }
  const samples = {} as Record<K, number[]>;
  for (const name of names) samples[name] = [];
  for (let round = 0; round < options.runs; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length];
      samples[name].push(await cases[name]());
    }
  }
  return samples;
}
