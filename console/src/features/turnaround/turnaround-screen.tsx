import { useEffect, useRef, useState } from "react";
import type { ApiClient, ApiResult } from "@/lib/api-client";
import type { TurnaroundReport } from "@/lib/case-types";
import { format } from "@/lib/i18n/strings";
import { useStrings } from "@/lib/i18n/use-strings";
import { formatWaiting } from "@/lib/format";
import { drawTurnaroundChart } from "./turnaround-chart";

const PERIODS = [7, 30, 90] as const;

/** Turnaround per stage, p50/p95, from `GET /v1/reports/turnaround` (same as the CLI report). */
export function TurnaroundScreen({ api }: { api: ApiClient }) {
  const s = useStrings();
  const [days, setDays] = useState<number>(30);
  const [result, setResult] = useState<ApiResult<TurnaroundReport>>();
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    let live = true;
    setResult(undefined);
    void api.get<TurnaroundReport>(`/v1/reports/turnaround?days=${days}`).then((r) => {
      if (live) setResult(r);
    });
    return () => {
      live = false;
    };
  }, [api, days]);
  const all =
    result?.kind === "ok" ? result.value.groups.find((g) => g.chw_id === "ALL") : undefined;
  useEffect(() => {
    if (!all || !canvas.current) return;
    return drawTurnaroundChart(canvas.current, all.stages, {
      p50: s.p50,
      p95: s.p95,
      minutes: s.minutes,
    });
  }, [all, s]);
  const dur = (ms: number | undefined) => (ms === undefined ? "-" : formatWaiting(ms, s));
  return (
    <section data-testid="turnaround-screen" aria-labelledby="ta-title">
      <h1 id="ta-title">{s.turnaroundTitle}</h1>
      <p className="muted">{s.turnaroundIntro}</p>
      <label>
        {s.period}
        <select
          data-testid="turnaround-period"
          value={days}
          onChange={(e) => setDays(Number(e.target.value))}
        >
          {PERIODS.map((n) => (
            <option key={n} value={n}>
              {format(s.lastDays, { n })}
            </option>
          ))}
        </select>
      </label>
      {!result && <p>{s.loading}</p>}
      {result && result.kind !== "ok" && (
        <p role="alert" className="error">
          {format(s.turnaroundFailed, {
            message: result.kind === "offline" ? s.errorOffline : result.error.message,
          })}
        </p>
      )}
      {all && all.cases === 0 && <p>{s.turnaroundEmpty}</p>}
      {all && (
        <div className="card" style={{ height: 320 }}>
          <canvas
            ref={canvas}
            role="img"
            aria-label={s.chartLabel}
            data-testid="turnaround-chart"
          />
        </div>
      )}
      {result?.kind === "ok" &&
        result.value.groups.map((g) => (
          <table key={g.chw_id} className="queue" data-testid={`turnaround-${g.chw_id}`}>
            <caption>
              {g.chw_id === "ALL" ? s.everyone : g.chw_id} · {s.cases}: {g.cases}
            </caption>
            <thead>
              <tr>
                <th scope="col">{s.stage}</th>
                <th scope="col">n</th>
                <th scope="col">{s.p50}</th>
                <th scope="col">{s.p95}</th>
              </tr>
            </thead>
            <tbody>
              {g.stages.map((st) => (
                <tr key={st.stage}>
                  <td>{st.stage}</td>
                  <td>{st.n}</td>
                  <td>{dur(st.p50_ms)}</td>
                  <td>{dur(st.p95_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
    </section>
  );
}
