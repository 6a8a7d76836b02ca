import { useEffect, useState } from "react";
import { RISK_LEVELS } from "@dermadetect/contract";
import { format } from "@/lib/i18n/strings";
import { useStrings } from "@/lib/i18n/use-strings";
import { formatWaiting, sexLabel } from "@/lib/format";
import type { StoredCase } from "@/lib/case-types";
import {
  aiStateOf,
  countQueue,
  filterOptions,
  filterQueue,
  reviewStateOf,
  waitingSince,
} from "./queue-model";
import type { QueueFilters, QueueItem, QueueView } from "./queue-model";

/** The queue filters picked from a list of values. */
type ChoiceKey = "risk" | "chw" | "village";

function claimOf(c: StoredCase, now: number, uid: string): string | undefined {
  const claim = c.review_claim;
  return claim && claim.expires_at > now && claim.doctor_id !== uid ? claim.doctor_name : undefined;
}

/** A ticking clock so waiting times move without a reload. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** The queue: counts, filters and one row per case, RED first then the longest waiting. */
export function QueueView({
  items,
  now,
  uid,
  loading,
  error,
  caseHref,
}: {
  items: QueueItem[];
  now: number;
  uid: string;
  loading: boolean;
  error?: string;
  caseHref: (caseId: string) => string;
}) {
  const s = useStrings();
  const [filters, setFilters] = useState<QueueFilters>({ view: "queue" });
  const rows = filterQueue(items, filters);
  const counts = countQueue(items);
  const options = filterOptions(items);
  const set = (patch: Partial<QueueFilters>) => setFilters((f) => ({ ...f, ...patch }));
  const views: [QueueView, string][] = [
    ["queue", s.viewQueue],
    ["answered", s.viewAnswered],
    ["waiting_for_chw", s.viewWaitingChw],
    ["reviewed", s.viewReviewed],
  ];
  // The filters that narrow by one value, each with "all" first; the risk order is the contract's.
  const choiceFilters: { key: ChoiceKey; label: string; choices: readonly string[] }[] = [
    { key: "risk", label: s.filterRisk, choices: RISK_LEVELS },
    { key: "chw", label: s.filterChw, choices: options.chws },
    { key: "village", label: s.filterVillage, choices: options.villages },
  ];
  return (
    <section data-testid="queue-screen" aria-labelledby="queue-title">
      <h1 id="queue-title">{s.queueTitle}</h1>
      <p className="muted">{s.queueLive}</p>
      <ul className="counts" aria-label="counts">
        <li data-testid="count-queue">{format(s.countWaiting, { n: counts.queue })}</li>
        <li data-testid="count-red" className="risk-RED-text">
          {format(s.countRed, { n: counts.red })}
        </li>
        <li>{format(s.countAnswered, { n: counts.answered })}</li>
        <li>{format(s.countWaitingChw, { n: counts.waiting_for_chw })}</li>
        <li>{format(s.countReviewed, { n: counts.reviewed })}</li>
      </ul>
      <fieldset className="filters">
        <legend>{s.filters}</legend>
        <label>
          {s.filterView}
          <select
            data-testid="filter-view"
            value={filters.view}
            onChange={(e) => set({ view: e.target.value as QueueView })}
          >
            {views.map(([v, label]) => (
              <option key={v} value={v}>
                {label}
              </option>
            ))}
          </select>
        </label>
        {choiceFilters.map(({ key, label, choices }) => (
          <label key={key}>
            {label}
            <select
              data-testid={`filter-${key}`}
              value={filters[key] ?? ""}
              onChange={(e) => set({ [key]: e.target.value || undefined })}
            >
              <option value="">{s.all}</option>
              {choices.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          </label>
        ))}
        <span className="muted" data-testid="count-shown">
          {format(s.countTotal, { n: rows.length })}
        </span>
      </fieldset>
      {error && (
        <p role="alert" className="error">
          {format(s.queueError, { message: error })}
        </p>
      )}
      {loading ? (
        <p>{s.loading}</p>
      ) : rows.length === 0 ? (
        <p data-testid="queue-empty">{s.queueEmpty}</p>
      ) : (
        <table className="queue">
          <thead>
            <tr>
              <th scope="col">{s.colPatient}</th>
              <th scope="col">{s.colAge}</th>
              <th scope="col">{s.colSex}</th>
              <th scope="col">{s.colVillage}</th>
              <th scope="col">{s.colBodySite}</th>
              <th scope="col">{s.colRisk}</th>
              <th scope="col">{s.colOnDevice}</th>
              <th scope="col">{s.colAi}</th>
              <th scope="col">{s.colWaiting}</th>
              <th scope="col">{s.colState}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ case: c, patient }) => {
              const d = patient?.demographics;
              const name = d?.name ?? s.unknownPatient;
              const od = c.triage_data?.on_device;
              const other = claimOf(c, now, uid);
              return (
                <tr key={c.id} data-testid={`queue-case-${c.id}`}>
                  <td data-label={s.colPatient}>
                    <a href={caseHref(c.id)} aria-label={format(s.openCase, { name })}>
                      {name}
                    </a>
                  </td>
                  <td data-label={s.colAge}>{d?.age_years ?? "-"}</td>
                  <td data-label={s.colSex}>{sexLabel(d?.sex, s)}</td>
                  <td data-label={s.colVillage}>{d?.village ?? "-"}</td>
                  <td data-label={s.colBodySite}>{c.triage_data?.body_site ?? "-"}</td>
                  <td data-label={s.colRisk}>
                    <span className={`badge risk-${c.risk_level}`}>{c.risk_level}</span>
                  </td>
                  <td data-label={s.colOnDevice}>
                    {od ? (
                      <span>
                        {od.risk_level}
                        {od.fixture && <span className="demo-tag"> ({s.demoModel})</span>}
                      </span>
                    ) : (
                      "-"
                    )}
                  </td>
                  <td data-label={s.colAi}>{s[`ai_${aiStateOf(c)}`]}</td>
                  <td data-label={s.colWaiting}>{formatWaiting(now - waitingSince(c), s)}</td>
                  <td data-label={s.colState}>
                    <span>
                      {s[`review_${reviewStateOf(c)}`]}
                      {other && (
                        <span className="claim">
                          {" · "}
                          {format(s.beingReviewedBy, { name: other })}
                        </span>
                      )}
                    </span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
