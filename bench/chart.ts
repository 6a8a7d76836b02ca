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
export function latencyChartSvg(rows: readonly LatencySummary[], title: string): string {
  const width = 1200;
  const labelW = 430;
  const plotX = labelW + 10;
  const plotW = width - plotX - 90;
  const barH = 11;
  const groupH = 3 * barH + 14;
  const top = 70;
  const height = top + Math.max(1, rows.length) * groupH + 60;

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
  out.push("</svg>");
  return out.join("\n");
}
