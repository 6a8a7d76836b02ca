import { expect } from "chai";
import { GLOBAL_SHARDS, dayOf, globalShardOf, hourOf, takeQuota } from "./analysis-quota";
import type { QuotaLimits } from "./analysis-quota";

const limits: QuotaLimits = { perChwHour: 2, perChwDay: 3, globalHour: 5 };
const T = Date.UTC(2026, 11, 3, 10, 30);

describe("analysis quotas", () => {
  it("counts per CHW per hour, per CHW per day and globally per hour, naming the cap that refuses", () => {
    let chw = {};
    let shard = {};
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = takeQuota(chw, { shard, others: [] }, limits, T);
      outcomes.push(d.ok ? "ok" : d.quota);
      if (d.ok) [chw, shard] = [d.chw, d.shard];
    }
    expect(outcomes).to.deep.equal(["ok", "ok", "chw_hour"]);
    // The next hour opens the hourly cap; the day's third analysis is the last.
    const next = T + 3_600_000;
    const third = takeQuota(chw, { shard, others: [] }, limits, next);
    expect(third.ok).to.equal(true);
    if (!third.ok) return;
    expect(third.chw).to.deep.equal({
      hour: hourOf(next),
      hour_count: 1,
      day: dayOf(T),
      day_count: 3,
    });
    expect(takeQuota(third.chw, { shard: third.shard, others: [] }, limits, next)).to.deep.include({
      ok: false,
      quota: "chw_day",
      limit: 3,
    });
  });

  it("refuses every CHW once the global hour is used up, and another CHW's use never counts", () => {
    const busy = { hour: hourOf(T), hour_count: 2, day: dayOf(T), day_count: 2 };
    const one = { shard: { hour: hourOf(T), hour_count: 1 }, others: [] };
    const fresh = takeQuota(undefined, one, limits, T);
    expect(fresh.ok).to.equal(true);
    expect(takeQuota(busy, one, limits, T)).to.deep.include({ quota: "chw_hour" });
    const full = { shard: { hour: hourOf(T), hour_count: 5 }, others: [] };
    expect(takeQuota(undefined, full, limits, T)).to.deep.include({
      ok: false,
      quota: "global_hour",
    });
    const lastHour = { shard: { hour: hourOf(T) - 1, hour_count: 99 }, others: [] };
    expect(takeQuota(undefined, lastHour, limits, T).ok).to.equal(true);
  });

  it("treats a cap of 0 as off", () => {
    const off = { perChwHour: 0, perChwDay: 0, globalHour: 0 };
    const huge = { hour: hourOf(T), hour_count: 1e6, day: dayOf(T), day_count: 1e6 };
    const global = { shard: { hour: hourOf(T), hour_count: 1e6 }, others: [] };
    expect(takeQuota(huge, global, off, T).ok).to.equal(true);
  });

  it("caps the project's hour on the sum of its shards, and counts the claim on its own shard only", () => {
    const hour = hourOf(T);
    const others = [{ hour, hour_count: 2 }, { hour: hour - 1, hour_count: 99 }, undefined];
    const d = takeQuota(undefined, { shard: { hour, hour_count: 2 }, others }, limits, T);
    // 2 + 2 used (last hour's 99 no longer counts): the fifth analysis is allowed ...
    expect(d).to.deep.include({ ok: true, shard: { hour, hour_count: 3 } });
    // ... and one more on any other shard uses the hour up, whichever shard it was counted on.
    const fuller = [...others, { hour, hour_count: 1 }];
    expect(
      takeQuota(undefined, { shard: { hour, hour_count: 2 }, others: fuller }, limits, T),
    ).to.deep.include({ ok: false, quota: "global_hour", limit: 5, used: 5 });
    expect(
      takeQuota(undefined, { shard: undefined, others: [{ hour, hour_count: 5 }] }, limits, T),
    ).to.deep.include({ ok: false, quota: "global_hour" });
  });

  it("puts one CHW on one shard and spreads many CHWs over all of them", () => {
    expect(globalShardOf("chw-a")).to.equal(globalShardOf("chw-a"));
    const perShard = new Array<number>(GLOBAL_SHARDS).fill(0);
    for (let i = 0; i < 1_600; i++) perShard[globalShardOf(`uid-${i}-${i * 7919}`)]! += 1;
    // 100 expected per shard; a hash this skewed would put most of a surge back on a few.
    expect(Math.min(...perShard)).to.be.above(60);
    expect(Math.max(...perShard)).to.be.below(140);
  });
});
