/*
 * Cost caps of the AI pipeline, as pure data. Every analysis a job starts (its first claim;
 * redeliveries of the same job never count again, so a case version costs one analysis at most)
 * is counted against three fixed windows: the CHW's hour, the CHW's UTC day, and the whole
 * project's hour. A job over any of them is not sent to the model: it ends `limited` and its
 * case goes to the doctors' queue without AI (a cap never hides a RED case). The counters live
 * in `analysisQuotas/chw:<uid>` and the project's shards (adapters/analysis-jobs.ts reads and
 * writes them in the claim transaction).
 *
 * The project's hour is a sharded counter. One document read and written by every claim made
 * every concurrent claim in the project wait on it (the AI benchmark's drain of 50 RED cases
 * aborted 129 claim transactions on it), and a document sustains about one write a second. A
 * claim writes only its CHW's shard (`globalShardOf`), whose other writers are the few CHWs
 * hashed to it, so one CHW's burst, already in line on its own counter, adds no new contention.
 * The cap compares the sum of all shards: the CHW's own shard read in the transaction, the
 * others read just before without a lock. Claims committing on other shards at the same moment
 * are therefore not seen, so the project's hour can overshoot its cap by at most the claims in
 * flight at once (`analyzeCase`'s instances); the per-CHW caps stay exact.
 */

/** The caps (config.ts: `ANALYSIS_MAX_*`); 0 or less turns a cap off. */
export interface QuotaLimits {
  perChwHour: number;
  perChwDay: number;
  globalHour: number;
}

/** Which cap a job ran into. */
export type QuotaName = "chw_hour" | "chw_day" | "global_hour";

/** `analysisQuotas/chw:{uid}`: the CHW's counts in the current windows. */
export interface ChwCounter {
  hour?: number;
  hour_count?: number;
  day?: number;
  day_count?: number;
}

/** One shard of the project's count in the current hour. */
export interface GlobalCounter {
  hour?: number;
  hour_count?: number;
}

/** How many shards the project's hourly count is split over (each sustains ~1 write/s). */
export const GLOBAL_SHARDS = 16;

/** The shard a CHW's claims count on: a stable hash of the uid (FNV-1a), so one CHW uses one. */
export function globalShardOf(chwId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < chwId.length; i++) {
    h ^= chwId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % GLOBAL_SHARDS;
}

/** The project's hour as seen by one claim: its own shard, and the sum of the others. */
export interface GlobalView {
  shard: GlobalCounter | undefined;
  /** The other shards, read without a lock just before the claim's transaction reads `shard`. */
  others: readonly (GlobalCounter | undefined)[];
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The fixed window an instant falls in. */
export const hourOf = (now: number): number => Math.floor(now / HOUR_MS);
export const dayOf = (now: number): number => Math.floor(now / DAY_MS);

/** The outcome of asking for one analysis: the counters to write, or the cap that refused it. */
export type QuotaDecision =
  | { ok: true; chw: Required<ChwCounter>; shard: Required<GlobalCounter> }
  | { ok: false; quota: QuotaName; limit: number; used: number };

/** Counts in a window: a counter from an older window starts again at zero. */
const inWindow = (bucket: number | undefined, count: number | undefined, now: number) =>
  bucket === now ? Number(count ?? 0) : 0;

const over = (limit: number, used: number) => limit > 0 && used >= limit;

/** Takes one analysis from the quotas at `now`, or names the cap that is used up. */
export function takeQuota(
  chw: ChwCounter | undefined,
  global: GlobalView,
  limits: QuotaLimits,
  now: number,
): QuotaDecision {
  const hour = hourOf(now);
  const day = dayOf(now);
  const chwHour = inWindow(chw?.hour, chw?.hour_count, hour);
  const chwDay = inWindow(chw?.day, chw?.day_count, day);
  const shardHour = inWindow(global.shard?.hour, global.shard?.hour_count, hour);
  const globalHour = global.others.reduce(
    (sum, other) => sum + inWindow(other?.hour, other?.hour_count, hour),
    shardHour,
  );
  if (over(limits.perChwHour, chwHour))
    return { ok: false, quota: "chw_hour", limit: limits.perChwHour, used: chwHour };
  if (over(limits.perChwDay, chwDay))
    return { ok: false, quota: "chw_day", limit: limits.perChwDay, used: chwDay };
  if (over(limits.globalHour, globalHour))
    return { ok: false, quota: "global_hour", limit: limits.globalHour, used: globalHour };
  return {
    ok: true,
    chw: { hour, hour_count: chwHour + 1, day, day_count: chwDay + 1 },
    shard: { hour, hour_count: shardHour + 1 },
  };
}
