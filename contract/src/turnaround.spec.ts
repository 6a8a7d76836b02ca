import { expect } from "chai";
import { formatDuration, formatTurnaround, percentile, turnaround } from "./turnaround";
import type { CaseTimes } from "./turnaround";

const MIN = 60_000;

function row(chw: string, i: number, spans: [number, number, number, number]): CaseTimes {
  const captured = 1_800_000_000_000 + i * 3_600_000;
  const [sync, analysis, diagnosis, device] = spans.map((m) => m * MIN) as [
    number,
    number,
    number,
    number,
  ];
  return {
    case_id: `${chw}-${i}`,
    chw_id: chw,
    captured_at: captured,
    synced_at: captured + sync,
    analysed_at: captured + sync + analysis,
    diagnosed_at: captured + sync + analysis + diagnosis,
    delivered_at: captured + sync + analysis + diagnosis + device,
  };
}

describe("turnaround report", () => {
  it("uses nearest-rank percentiles", () => {
    const xs = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(percentile(xs, 50)).to.equal(10);
    expect(percentile(xs, 95)).to.equal(19);
    expect(percentile([7], 95)).to.equal(7);
    expect(percentile([], 50)).to.equal(undefined);
  });

  it("reports p50/p95 per stage, per CHW and overall", () => {
    const rows = [
      row("chw-a", 1, [10, 2, 30, 60]),
      row("chw-a", 2, [20, 4, 60, 120]),
      row("chw-b", 3, [5, 1, 10, 5]),
    ];
    const groups = turnaround(rows);
    expect(groups.map((g) => g.chw_id)).to.deep.equal(["chw-a", "chw-b", "ALL"]);
    const a = groups[0];
    const all = groups[2];
    expect(a?.stages.find((s) => s.stage === "capture→sync")).to.deep.equal({
      stage: "capture→sync",
      n: 2,
      p50_ms: 10 * MIN,
      p95_ms: 20 * MIN,
    });
    expect(all?.stages.find((s) => s.stage === "total")).to.deep.equal({
      stage: "total",
      n: 3,
      p50_ms: 102 * MIN,
      p95_ms: 204 * MIN,
    });
  });

  it("counts a stage only for cases that reached both ends, and drops negative spans", () => {
    const open: CaseTimes = { case_id: "x", chw_id: "c", captured_at: 1000, synced_at: 5000 };
    const skewed: CaseTimes = { case_id: "y", chw_id: "c", captured_at: 9000, synced_at: 2000 };
    const [c] = turnaround([open, skewed]);
    expect(c?.stages.map((s) => s.n)).to.deep.equal([1, 0, 0, 0, 0]);
    expect(c?.stages[0]?.p50_ms).to.equal(4000);
    expect(formatTurnaround(turnaround([open])))
      .to.contain("capture→sync")
      .and.contain("4s");
  });

  it("formats durations for people", () => {
    expect(formatDuration(undefined)).to.equal("-");
    expect(formatDuration(850)).to.equal("850 ms");
    expect(formatDuration(185_000)).to.equal("3m 05s");
    expect(formatDuration(3_720_000)).to.equal("1h 02m");
    expect(formatDuration(3 * 86_400_000 + 3_600_000)).to.equal("3d 01h");
  });
});
