import { expect } from "chai";
import { latencyChartSvg, loadCurve } from "./chart";
import { latencyRows, ratioPasses, renderReport, tally } from "./report";
import type { BenchOutcome } from "./report";

const machine = { cpuModel: "Test CPU", cores: 2, memoryGiB: 24, node: "v22.0.0", os: "Linux" };

const outcome = (over: Partial<BenchOutcome> = {}): BenchOutcome => ({
  file: "bench/x.bench.ts",
  name: "x",
  needs: "none",
  durationMs: 1200,
  results: [
    {
      id: "x.fast",
      issue: 3,
      title: "fast thing",
      figures: { ours_ms: 12.5, base_ms: 10 },
      ratio: { value: 1.25, target: 2, kind: "max", definition: "ours / base" },
      latency: [{ label: "ours", samples: 100, p50: 12.5, p95: 20, p99: 31 }],
    },
    {
      id: "x.lossless",
      issue: 9,
      title: "nothing lost",
      figures: { acked: 10, found: 9 },
      ratio: { value: 0.9, target: 1, kind: "min", definition: "found / acked" },
    },
  ],
  ...over,
});

describe("bench report", () => {
  it("judges max and min ratios at their edges, and NaN as a miss", () => {
    expect(ratioPasses({ value: 2, target: 2, kind: "max", definition: "" })).to.equal(true);
    expect(ratioPasses({ value: 2.01, target: 2, kind: "max", definition: "" })).to.equal(false);
    expect(ratioPasses({ value: 1, target: 1, kind: "min", definition: "" })).to.equal(true);
    expect(ratioPasses({ value: 0.99, target: 1, kind: "min", definition: "" })).to.equal(false);
    expect(ratioPasses({ value: Number.NaN, target: 1, kind: "min", definition: "" })).to.equal(
      false,
    );
  });

  it("counts met and missed ratios and benchmarks that did not run", () => {
    const t = tally([outcome(), outcome({ name: "broken", results: [], error: "boom" })]);
    expect(t).to.deep.equal({ results: 2, passed: 1, failed: 1, errors: 1 });
  });

  it("renders machine facts, verdicts, the chart link and every figure", () => {
    const md = renderReport({
      outcomes: [outcome(), outcome({ name: "broken", results: [], error: "boom" })],
      machine,
      startedAt: new Date("2026-11-22T00:00:00Z"),
      durationMs: 5000,
      chartFile: "latency.png",
      command: "npm run bench",
    });
    expect(md).to.contain("2026-11-22T00:00:00.000Z");
    expect(md).to.contain("| cores | 2 |");
    expect(md).to.contain("| node | v22.0.0 |");
    expect(md).to.match(/\| x\.fast \| #3 \| ours \/ base \| 1\.25 \| ≤ 2 \| pass \|/);
    expect(md).to.match(
      /\| x\.lossless \| #9 \| found \/ acked \| 0\.900 \| ≥ 1 \| \*\*FAIL\*\* \|/,
    );
    expect(md).to.contain("| broken | | did not run | | | ERROR |");
    expect(md).to.contain("Did not complete: boom");
    expect(md).to.contain("![latency percentiles (ms, log scale)](latency.png)");
    expect(md).to.contain("| ours | 100 | 12.50 | 20 | 31 |");
  });

  it("labels chart rows with their result id and draws one bar per percentile", () => {
    const rows = latencyRows([outcome()]);
    expect(rows.map((r) => r.label)).to.deep.equal(["x.fast: ours"]);
    const svg = latencyChartSvg(rows, "t");
    expect(svg.match(/<rect [^>]*fill="#(2b6cb0|dd6b20|c53030)"/g)).to.have.length(6); // 3 legend + 3 bars
    expect(svg).to.contain(">ours</text>");
    expect(svg).to.contain(">x.fast  n=100</text>");
  });

  it("draws the load curve: one line per route and percentile across the CHW steps", () => {
    const step = (chws: number, route: string, p50: number) => ({
      label: `load.${chws}-chws: ${chws} CHWs: ${route}`,
      samples: 10,
      p50,
      p95: p50 * 2,
      p99: p50 * 3,
    });
    const rows = [
      step(200, "GET /v1/sync/pull", 900),
      step(10, "GET /v1/sync/pull", 100),
      step(50, "GET /v1/sync/pull", 300),
      step(10, "POST /v1/sync/push", 150),
      step(50, "POST /v1/sync/push", 400),
      { label: "x.fast: ours", samples: 5, p50: 1, p95: 2 },
    ];
    const curve = loadCurve(rows);
    expect([...curve.keys()]).to.deep.equal(["GET /v1/sync/pull", "POST /v1/sync/push"]);
    expect(curve.get("GET /v1/sync/pull")!.map((p) => [p.chws, p.p50])).to.deep.equal([
      [10, 100],
      [50, 300],
      [200, 900],
    ]);
    const svg = latencyChartSvg(rows, "t");
    expect(svg.match(/<polyline /g)).to.have.length(6);
    // A single step draws no curve.
    expect(latencyChartSvg([step(10, "GET /v1/sync/pull", 1)], "t")).to.not.contain("<polyline");
  });
});
