/**
 * The interface every benchmark implements. `npm run bench` (bench/run.ts) discovers
 * `bench/*.bench.ts` and `mobile/bench/*.bench.ts`, runs the ones needing emulators under one
 * emulator stack, and writes bench/REPORT.md with every result and a latency chart.
 * Benchmarks compare side by side in one run and report ratios: these machines are shared and
 * noisy, so absolute times are printed but targets are set on ratios.
 */
export interface BenchRatio {
  /** measured value, e.g. 1.42 for "1.42x the baseline" */
  value: number;
  /** the target from the issue, e.g. 2.0 */
  target: number;
  /** "max": value must be at most target; "min": at least. */
  kind: "max" | "min";
  /** what is divided by what, e.g. "POST /v1/sync (500 records) / admin batched writes". */
  definition: string;
}

/** Latency percentiles in milliseconds, for the report's chart. */
export interface LatencySummary {
  label: string;
  samples: number;
  p50: number;
  p95: number;
  p99?: number;
}

/** One measured result. */
export interface BenchResult {
  /** stable id, e.g. "sync.push500-vs-admin" */
  id: string;
  /** issue number this figure answers */
  issue: number;
  title: string;
  /** named figures with units in the name, e.g. { push_ms: 812, admin_ms: 530 } */
  figures: Record<string, number>;
  ratio?: BenchRatio;
  latency?: LatencySummary[];
  notes?: string;
}

/** A benchmark module's default export. */
export interface Bench {
  name: string;
  /** "emulators": needs the local stack (firestore, auth, pubsub, functions and local services) running. */
  needs: "none" | "emulators";
  run(): Promise<BenchResult[]>;
}

/** Percentile of a sample (nearest-rank); the input need not be sorted. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

/** The report's latency row for a set of samples: their count, p50, p95 and p99. */
export function latencySummary(label: string, samples: readonly number[]): LatencySummary {
  return {
    label,
    samples: samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
  };
}
