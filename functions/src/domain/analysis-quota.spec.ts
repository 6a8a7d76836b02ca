import { expect } from "chai";
import { dayOf, hourOf, takeQuota } from "./analysis-quota";
import type { QuotaLimits } from "./analysis-quota";

const limits: QuotaLimits = { perChwHour: 2, perChwDay: 3, globalHour: 5 };
const T = Date.UTC(2026, 11, 3, 10, 30);

describe("analysis quotas", () => {
  it("counts per CHW per hour, per CHW per day and globally per hour, naming the cap that refuses", () => {
    let chw = {};
    let global = {};
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const d = takeQuota(chw, global, limits, T);
      outcomes.push(d.ok ? "ok" : d.quota);
      if (d.ok) [chw, global] = [d.chw, d.global];
    }
    expect(outcomes).to.deep.equal(["ok", "ok", "chw_hour"]);
    // The next hour opens the hourly cap; the day's third analysis is the last.
    const next = T + 3_600_000;
    const third = takeQuota(chw, global, limits, next);
    expect(third.ok).to.equal(true);
    if (!third.ok) return;
    expect(third.chw).to.deep.equal({
      hour: hourOf(next),
      hour_count: 1,
      day: dayOf(T),
      day_count: 3,
    });
    expect(takeQuota(third.chw, third.global, limits, next)).to.deep.include({
      ok: false,
      quota: "chw_day",
      limit: 3,
    });
  });

  it("refuses every CHW once the global hour is used up, and another CHW's use never counts", () => {
    const busy = { hour: hourOf(T), hour_count: 2, day: dayOf(T), day_count: 2 };
    const fresh = takeQuota(undefined, { hour: hourOf(T), hour_count: 1 }, limits, T);
    expect(fresh.ok).to.equal(true);
    expect(takeQuota(busy, { hour: hourOf(T), hour_count: 1 }, limits, T)).to.deep.include({
      quota: "chw_hour",
    });
    expect(takeQuota(undefined, { hour: hourOf(T), hour_count: 5 }, limits, T)).to.deep.include({
      ok: false,
      quota: "global_hour",
    });
    expect(takeQuota(undefined, { hour: hourOf(T) - 1, hour_count: 99 }, limits, T).ok).to.equal(
      true,
    );
  });

  it("treats a cap of 0 as off", () => {
    const off = { perChwHour: 0, perChwDay: 0, globalHour: 0 };
    const huge = { hour: hourOf(T), hour_count: 1e6, day: dayOf(T), day_count: 1e6 };
    expect(takeQuota(huge, { hour: hourOf(T), hour_count: 1e6 }, off, T).ok).to.equal(true);
  });
});
