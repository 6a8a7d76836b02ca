import type { LatencySummary } from "./types";

const COLORS = { p50: "#2b6cb0", p95: "#dd6b20", p99: "#c53030" } as const;

const escapeXml = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Value label next to a bar: milliseconds with sensible precision. */
function ms(v: number): string {
  if (v >= 100) return v.toFixed(0);
  if (v >= 10) return v.toFixed(1);
  if (v >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

/**
 * Draws the latency percentiles of every row as grouped horizontal bars on a log-scale axis
 * (benchmarks span microsecond validations to second-long loads, so a linear axis would hide
 * most of them). Returns a self-contained SVG; fonts are named, not embedded, and the renderer
 * is given DejaVu Sans from an npm package so the output is the same on every machine.
 */
/** A load-curve row's label: `load.<n>-chws: <n> CHWs: <route>` (bench/load.bench.ts). */
const CURVE_LABEL = /^load\.(\d+)-chws: \d+ CHWs: (.+)$/;

/** The load curve's points: per route, its percentiles at each CHW count, in CHW order. */
export function loadCurve(
  rows: readonly LatencySummary[],
): Map<string, { chws: number; p50: number; p95: number; p99?: number }[]> {
  const curve = new Map<string, { chws: number; p50: number; p95: number; p99?: number }[]>();
  for (const r of rows) {
    const m = CURVE_LABEL.exec(r.label);
    if (!m || r.samples === 0) continue;
    const route = m[2]!;
    const points = curve.get(route) ?? [];
    points.push({
      chws: Number(m[1]),
      p50: r.p50,
      p95: r.p95,
      ...(r.p99 === undefined ? {} : { p99: r.p99 }),
    });
    curve.set(route, points);
  }
  for (const points of curve.values()) points.sort((a, b) => a.chws - b.chws);
  return curve;
}

const ROUTE_COLORS = ["#2b6cb0", "#2f855a", "#b7791f", "#6b46c1"];
const DASH = { p50: "", p95: "6 4", p99: "2 3" } as const;

/**
 * The load curve as lines (CHWs on a log x axis, ms on a log y axis; one colour per route, solid
 * p50, dashed p95, dotted p99), drawn below the bars at `top`. Returns the SVG parts and height.
 */
function curvePanel(
  rows: readonly LatencySummary[],
  top: number,
  width: number,
): { parts: string[]; height: number } {
  const curve = loadCurve(rows);
  if (![...curve.values()].some((pts) => pts.length >= 2)) return { parts: [], height: 0 };
  const all = [...curve.values()].flat();
  const xs = all.map((p) => p.chws);
  const ys = all.flatMap((p) => [p.p50, p.p95, p.p99 ?? p.p95]).filter((v) => v > 0);
  const x0 = Math.log10(Math.min(...xs));
  const x1 = Math.max(x0 + 0.1, Math.log10(Math.max(...xs)));
  const y0 = Math.floor(Math.log10(Math.min(...ys)));
  const y1 = Math.max(y0 + 1, Math.ceil(Math.log10(Math.max(...ys))));
  const left = 120;
  const plotW = width - left - 380;
  const plotTop = top + 50;
  const plotH = 260;
  const px = (c: number) => left + ((Math.log10(c) - x0) / (x1 - x0)) * plotW;
  const py = (v: number) =>
    plotTop + plotH - ((Math.log10(Math.max(v, 10 ** y0)) - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [
    `<text x="20" y="${top + 25}" font-size="16" font-weight="bold">Load curve: latency per route against simulated CHWs (log-log)</text>`,
    `<line x1="${left}" y1="${plotTop + plotH}" x2="${left + plotW}" y2="${plotTop + plotH}" stroke="#333"/>`,
    `<line x1="${left}" y1="${plotTop}" x2="${left}" y2="${plotTop + plotH}" stroke="#333"/>`,
    `<text x="${left + plotW / 2}" y="${plotTop + plotH + 38}" text-anchor="middle" fill="#333">simulated CHWs</text>`,
    `<text x="30" y="${plotTop + plotH / 2}" fill="#333">ms</text>`,
  ];
  for (const c of [...new Set(xs)]) {
    parts.push(
      `<line x1="${px(c)}" y1="${plotTop}" x2="${px(c)}" y2="${plotTop + plotH}" stroke="#eee"/>`,
      `<text x="${px(c)}" y="${plotTop + plotH + 18}" text-anchor="middle">${c}</text>`,
    );
  }
  for (let d = y0; d <= y1; d++) {
    parts.push(
      `<line x1="${left}" y1="${py(10 ** d)}" x2="${left + plotW}" y2="${py(10 ** d)}" stroke="#eee"/>`,
      `<text x="${left - 8}" y="${py(10 ** d) + 4}" text-anchor="end">${escapeXml(String(10 ** d >= 1 ? 10 ** d : (10 ** d).toPrecision(1)))}</text>`,
    );
  }
  let legendY = plotTop;
  [...curve.entries()].forEach(([route, points], i) => {
    const color = ROUTE_COLORS[i % ROUTE_COLORS.length]!;
    for (const pct of ["p50", "p95", "p99"] as const) {
      const pts = points.filter((p) => Number.isFinite(p[pct] ?? Number.NaN));
      if (pts.length < 2) continue;
      const d = pts.map((p) => `${px(p.chws).toFixed(1)},${py(p[pct]!).toFixed(1)}`).join(" ");
      parts.push(
        `<polyline data-route="${escapeXml(route)}" data-pct="${pct}" points="${d}" fill="none" stroke="${color}" stroke-width="2"${DASH[pct] ? ` stroke-dasharray="${DASH[pct]}"` : ""}/>`,
      );
    }
    parts.push(
      `<rect x="${left + plotW + 20}" y="${legendY}" width="14" height="4" fill="${color}"/>`,
      `<text x="${left + plotW + 40}" y="${legendY + 6}" font-size="12">${escapeXml(route.length > 44 ? `${route.slice(0, 43)}…` : route)}</text>`,
    );
    legendY += 20;
  });
  parts.push(
    `<text x="${left + plotW + 20}" y="${legendY + 14}" font-size="12" fill="#555">solid p50, dashed p95, dotted p99</text>`,
  );
  return { parts, height: plotH + 110 };
}

export function latencyChartSvg(rows: readonly LatencySummary[], title: string): string {
  const width = 1200;
  const labelW = 430;
  const plotX = labelW + 10;
  const plotW = width - plotX - 90;
  const barH = 11;
  const groupH = 3 * barH + 14;
  const top = 70;
  const barsBottom = top + Math.max(1, rows.length) * groupH + 60;
  const panel = curvePanel(rows, barsBottom, width);
  const height = barsBottom + panel.height;

  const values = rows.flatMap((r) => [r.p50, r.p95, r.p99 ?? r.p95]).filter((v) => v > 0);
  const minV = values.length ? Math.min(...values) : 1;
  const maxV = values.length ? Math.max(...values) : 10;
  const lo = Math.floor(Math.log10(minV));
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(maxV)));
  const x = (v: number) => plotX + ((Math.log10(Math.max(v, 10 ** lo)) - lo) / (hi - lo)) * plotW;

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans" font-size="13">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="20" y="30" font-size="18" font-weight="bold">${escapeXml(title)}</text>`,
  );
  // Legend.
  let lx = plotX;
  for (const [name, color] of Object.entries(COLORS)) {
    out.push(
      `<rect x="${lx}" y="42" width="14" height="12" fill="${color}"/>`,
      `<text x="${lx + 20}" y="53">${name}</text>`,
    );
    lx += 80;
  }
  out.push(`<text x="${lx + 20}" y="53" fill="#555">milliseconds, log scale</text>`);
  // Decade grid lines.
  const bottom = top + Math.max(1, rows.length) * groupH;
  for (let d = lo; d <= hi; d++) {
    const gx = x(10 ** d);
    out.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${bottom}" stroke="#ddd"/>`,
      `<text x="${gx}" y="${bottom + 18}" text-anchor="middle" fill="#333">${escapeXml(String(10 ** d >= 1 ? 10 ** d : (10 ** d).toPrecision(1)))}</text>`,
    );
  }
  if (rows.length === 0) {
    out.push(`<text x="${plotX}" y="${top + 20}">no latency figures in this run</text>`);
  }
  rows.forEach((r, i) => {
    const gy = top + i * groupH;
    // Two lines: what was measured, then which result it belongs to and the sample count.
    const cut = (t: string, n: number) => (t.length > n ? `${t.slice(0, n - 1)}…` : t);
    const sep = r.label.indexOf(": ");
    const what = sep >= 0 ? r.label.slice(sep + 2) : r.label;
    const from = sep >= 0 ? r.label.slice(0, sep) : "";
    out.push(
      `<text x="${labelW}" y="${gy + barH * 1.5 + 2}" text-anchor="end">${escapeXml(cut(what, 60))}</text>`,
      `<text x="${labelW}" y="${gy + barH * 2.5 + 8}" text-anchor="end" fill="#777" font-size="11">${escapeXml(cut(from, 50))}  n=${r.samples}</text>`,
    );
    const bars: Array<[keyof typeof COLORS, number | undefined]> = [
      ["p50", r.p50],
      ["p95", r.p95],
      ["p99", r.p99],
    ];
    bars.forEach(([name, v], j) => {
      if (v === undefined || !Number.isFinite(v)) return;
      const by = gy + j * barH;
      const w = Math.max(1, x(v) - plotX);
      out.push(
        `<rect x="${plotX}" y="${by}" width="${w.toFixed(1)}" height="${barH - 2}" fill="${COLORS[name]}"/>`,
        `<text x="${(plotX + w + 4).toFixed(1)}" y="${by + barH - 3}" font-size="10" fill="#222">${ms(v)}</text>`,
      );
    });
  });
  out.push(`<line x1="${plotX}" y1="${top - 6}" x2="${plotX}" y2="${bottom}" stroke="#333"/>`);
  out.push(...panel.parts);
  out.push("</svg>");
  return out.join("\n");
}
