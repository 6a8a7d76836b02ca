/*
 * Cost caps of the AI pipeline, as pure data. Every analysis a job starts (its first claim;
 * redeliveries of the same job never count again, so a case version costs one analysis at most)
 * is counted against three fixed windows: the CHW's hour, the CHW's UTC day, and the whole
 * project's hour. A job over any of them is not sent to the model: it ends `limited` and its
 * case goes to the doctors' queue without AI (a cap never hides a RED case). The counters live
 * in `analysisQuotas/{chw:<uid>|global}` (adapters/analysis-jobs.ts reads and writes them in
 * the claim transaction).
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

/** `analysisQuotas/global`: the project's count in the current hour. */
export interface GlobalCounter {
  hour?: number;
  hour_count?: number;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The fixed window an instant falls in. */
export const hourOf = (now: number): number => Math.floor(now / HOUR_MS);
export const dayOf = (now: number): number => Math.floor(now / DAY_MS);

/** The outcome of asking for one analysis: the counters to write, or the cap that refused it. */
export type QuotaDecision =
  | { ok: true; chw: Required<ChwCounter>; global: Required<GlobalCounter> }
  | { ok: false; quota: QuotaName; limit: number; used: number };

/** Counts in a window: a counter from an older window starts again at zero. */
const inWindow = (bucket: number | undefined, count: number | undefined, now: number) =>
  bucket === now ? Number(count ?? 0) : 0;

const over = (limit: number, used: number) => limit > 0 && used >= limit;

/** Takes one analysis from the quotas at `now`, or names the cap that is used up. */
export function takeQuota(
  chw: ChwCounter | undefined,
  global: GlobalCounter | undefined,
  limits: QuotaLimits,
  now: number,
): QuotaDecision {
  const hour = hourOf(now);
  const day = dayOf(now);
  const chwHour = inWindow(chw?.hour, chw?.hour_count, hour);
  const chwDay = inWindow(chw?.day, chw?.day_count, day);
  const globalHour = inWindow(global?.hour, global?.hour_count, hour);
  if (over(limits.perChwHour, chwHour))
    return { ok: false, quota: "chw_hour", limit: limits.perChwHour, used: chwHour };
  if (over(limits.perChwDay, chwDay))
    return { ok: false, quota: "chw_day", limit: limits.perChwDay, used: chwDay };
  if (over(limits.globalHour, globalHour))
    return { ok: false, quota: "global_hour", limit: limits.globalHour, used: globalHour };
  return {
    ok: true,
    chw: { hour, hour_count: chwHour + 1, day, day_count: chwDay + 1 },
    global: { hour, hour_count: globalHour + 1 },
  };
}
