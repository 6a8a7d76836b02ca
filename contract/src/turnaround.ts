/**
 * Turnaround statistics for admins (`npm run report -- turnaround`): how long each stage of a
 * case takes, from capture on the phone to the diagnosis back on the phone. Pure: the CLI
 * (`report.ts`) reads Firestore and hands the rows here.
 */

/** The instants of one case (epoch ms), from `cases.timeline` and `diagnosisDeliveries`. */
export interface CaseTimes {
  case_id: string;
  chw_id: string;
  captured_at?: number;
  synced_at?: number;
  analysed_at?: number;
  diagnosed_at?: number;
  /** First pull answer that carried the case's diagnosis to the device. */
  delivered_at?: number;
}

/** Stages reported, each from one instant to the next; `total` is capture → back on device. */
export const STAGES = [
  { name: "capture→sync", from: "captured_at", to: "synced_at" },
  { name: "sync→analysis", from: "synced_at", to: "analysed_at" },
  { name: "analysis→diagnosis", from: "analysed_at", to: "diagnosed_at" },
  { name: "diagnosis→device", from: "diagnosed_at", to: "delivered_at" },
  { name: "total", from: "captured_at", to: "delivered_at" },
] as const;

/** Count, p50 and p95 of one stage (ms); undefined percentiles when no case reached it. */
export interface StageStats {
  stage: string;
  n: number;
  p50_ms?: number;
  p95_ms?: number;
}

/** A block of the report: one CHW, or everyone. */
export interface TurnaroundGroup {
  chw_id: string;
  cases: number;
  stages: StageStats[];
}

/** Nearest-rank percentile of sorted values (p in (0, 100]). */
export function percentile(sorted: readonly number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

function statsFor(rows: readonly CaseTimes[]): StageStats[] {
  return STAGES.map(({ name, from, to }) => {
    const d = rows
      .map((r) => {
        const a = r[from];
        const b = r[to];
        return a != null && b != null ? b - a : NaN;
      })
      // A negative span means a clock or ordering problem upstream; it is not a duration.
      .filter((v) => Number.isFinite(v) && v >= 0)
      .sort((a, b) => a - b);
    return { stage: name, n: d.length, p50_ms: percentile(d, 50), p95_ms: percentile(d, 95) };
  });
}

/** Stage statistics per CHW (sorted by id) and overall (`chw_id: "ALL"`, last). */
export function turnaround(rows: readonly CaseTimes[]): TurnaroundGroup[] {
  const byChw = new Map<string, CaseTimes[]>();
  for (const r of rows) byChw.set(r.chw_id, [...(byChw.get(r.chw_id) ?? []), r]);
  const groups = [...byChw.keys()].sort().map((chw) => ({
    chw_id: chw,
    cases: byChw.get(chw)?.length ?? 0,
    stages: statsFor(byChw.get(chw) ?? []),
  }));
  return [...groups, { chw_id: "ALL", cases: rows.length, stages: statsFor(rows) }];
}

/** `1h 02m`, `3m 05s`, `850 ms`: short human durations for the table. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return "-";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${String(h % 24).padStart(2, "0")}h`;
}

/** The report as a plain-text table: one line per CHW and stage, with n, p50 and p95. */
export function formatTurnaround(groups: readonly TurnaroundGroup[]): string {
  const lines = [
    `${"chw".padEnd(24)} ${"stage".padEnd(20)} ${"n".padStart(6)} ${"p50".padStart(10)} ${"p95".padStart(10)}`,
  ];
  for (const g of groups) {
    for (const s of g.stages) {
      lines.push(
        `${g.chw_id.slice(0, 24).padEnd(24)} ${s.stage.padEnd(20)} ${String(s.n).padStart(6)} ` +
          `${formatDuration(s.p50_ms).padStart(10)} ${formatDuration(s.p95_ms).padStart(10)}`,
      );
    }
  }
  return lines.join("\n");
}
