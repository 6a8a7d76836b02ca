import { useState } from "react";
import type { ReactNode } from "react";
import type { Strings } from "@/lib/i18n/strings";
import { format } from "@/lib/i18n/strings";
import { useLanguage, useStrings } from "@/lib/i18n/use-strings";
import { formatTime, sexLabel } from "@/lib/format";
import { KNOWN_DEMOGRAPHICS, KNOWN_TRIAGE, otherDetails } from "@/lib/other-details";
import type { AiAnalysis, CaseReview, Diagnosis, StoredCase } from "@/lib/case-types";
import { PhotoViewer } from "./photo-viewer";
import type { ClaimState } from "./use-case-review";

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

function OtherDetails({ object, known }: { object: unknown; known: readonly string[] }) {
  const s = useStrings();
  const rows = otherDetails(object, known);
  if (rows.length === 0) return null;
  return (
    <div data-testid="other-details">
      <h3>{s.otherDetails}</h3>
      <dl>
        {rows.map((r) => (
          <Row key={r.key} label={r.key}>
            {r.value}
          </Row>
        ))}
      </dl>
    </div>
  );
}

function list(values: readonly string[] | undefined, s: Strings): string {
  return values && values.length > 0 ? values.join(", ") : s.none;
}

function AiPanel({ c }: { c: StoredCase }) {
  const s = useStrings();
  const ai: AiAnalysis | null | undefined = c.ai_analysis;
  let body: ReactNode;
  if (ai) {
    const f = ai.findings;
    const check = ai.urgency_check;
    body = (
      <>
        {check && !check.agrees && (
          <p className="urgency-flag" role="alert" data-testid="ai-urgency-flag">
            {format(s.aiUrgencyDisagrees, {
              model: check.model_urgency,
              expected: check.case_urgency,
              reasons: check.reasons.join(", ") || s.none,
            })}
          </p>
        )}
        {ai.fixture && (
          <p className="stand-in" data-testid="ai-stand-in">
            {s.aiStandIn}
          </p>
        )}
        <p className="disclaimer" data-testid="ai-disclaimer">
          {ai.disclaimer}
        </p>
        <dl>
          <Row label={s.differential}>
            <ol>
              {f.differential.map((d) => (
                <li key={d.condition}>
                  {d.condition} ({s[`likelihood_${d.likelihood}`]})
                  {d.rationale ? `: ${d.rationale}` : ""}
                </li>
              ))}
            </ol>
          </Row>
          <Row label={s.urgency}>{f.urgency}</Row>
          <Row label={s.recommendedAction}>{f.recommended_action}</Row>
          <Row label={s.redFlags}>{list(f.red_flags, s)}</Row>
          <Row label={s.confidence}>{Math.round(f.confidence * 100)} %</Row>
          <Row label={s.limitations}>{list(f.limitations, s)}</Row>
          {f.image_quality && <Row label={s.imageQuality}>{f.image_quality}</Row>}
          <Row label={s.model}>
            {ai.model}
            {ai.served_model && ai.served_model !== ai.model ? ` (${ai.served_model})` : ""}
          </Row>
          <Row label={s.promptVersion}>{ai.prompt_version}</Row>
          <Row label={s.latency}>{ai.latency_ms} ms</Row>
        </dl>
      </>
    );
  } else if (c.analysis?.state === "failed") {
    body = <p>{format(s.aiFailed, { message: c.analysis.error?.message ?? "-" })}</p>;
  } else if (c.analysis?.state === "limited") {
    body = (
      <p className="urgency-flag" data-testid="ai-limited">
        {format(s.aiLimited, { quota: c.analysis.limited?.quota ?? "-" })}
      </p>
    );
  } else if (c.analysis?.state === "queued") {
    body = <p>{s.aiQueued}</p>;
  } else {
    body = <p>{s.aiNone}</p>;
  }
  return (
    <section className="card" data-testid="ai-analysis" aria-labelledby="ai-title">
      <h2 id="ai-title">{s.aiAnalysis}</h2>
      {body}
    </section>
  );
}

/** One case's diagnoses, oldest first, amendments marked. */
export function DiagnosisList({ diagnoses }: { diagnoses: readonly Diagnosis[] }) {
  const s = useStrings();
  const language = useLanguage();
  return (
    <ul className="diagnoses">
      {diagnoses.map((d) => (
        <li key={d.id} data-testid={`diagnosis-${d.id}`}>
          {d.amends && <em>{s.amendmentOf}. </em>}
          <strong>{d.diagnosis_text}</strong>
          {d.prescription && <div>{d.prescription}</div>}
          {d.referral && d.referral.decision !== "none" && (
            <div>
              {d.referral.decision === "urgent" ? s.referralUrgent : s.referralRoutine}
              {d.referral.destination ? `: ${d.referral.destination}` : ""}
            </div>
          )}
          <div className="muted">
            {format(s.diagnosisBy, {
              name: d.doctor_name ?? d.doctor_id ?? "-",
              time: formatTime(d.created_at, language),
            })}
          </div>
        </li>
      ))}
    </ul>
  );
}

/** Everything a doctor reads before diagnosing; `actions` holds the forms the app composes in. */
export function CaseReviewView({
  review,
  claim,
  photoUrl,
  backHref,
  actions,
}: {
  review: CaseReview;
  claim: ClaimState;
  photoUrl: (url: string) => string;
  backHref: string;
  actions?: ReactNode;
}) {
  const s = useStrings();
  const language = useLanguage();
  const [open, setOpen] = useState<number | null>(null);
  const c = review.case;
  const d = review.patient?.demographics;
  const t = c.triage_data;
  const od = t?.on_device;
  const lesion = t?.lesion;
  const openPhoto = open === null ? undefined : review.photos.find((p) => p.index === open);
  return (
    <section data-testid="case-review-screen" aria-labelledby="review-title">
      <p>
        <a href={backHref}>← {s.backToQueue}</a>
      </p>
      <h1 id="review-title">
        {d?.name ?? s.unknownPatient}{" "}
        <span className={`badge risk-${c.risk_level}`} data-testid="case-risk">
          {c.risk_level}
        </span>
      </h1>
      {claim.kind === "other" && (
        <p role="status" className="warning" data-testid="claimed-by-other">
          {format(s.claimedByOther, {
            name: claim.claim.doctor_name,
            time: formatTime(claim.claim.expires_at, language),
          })}
        </p>
      )}
      {claim.kind === "mine" && (
        <p className="muted" data-testid="claimed-by-me">
          {format(s.claimedByYou, { time: formatTime(claim.claim.expires_at, language) })}
        </p>
      )}
      <div className="grid">
        <section className="card" aria-labelledby="demo-title">
          <h2 id="demo-title">{s.demographics}</h2>
          <dl>
            <Row label={s.name}>{d?.name ?? "-"}</Row>
            <Row label={s.age}>{d?.age_years ?? "-"}</Row>
            <Row label={s.sex}>{d ? sexLabel(d.sex, s) : "-"}</Row>
            <Row label={s.village}>{d?.village ?? "-"}</Row>
            {d?.phone && <Row label={s.phone}>{d.phone}</Row>}
            <Row label={s.status}>{c.status}</Row>
          </dl>
          <OtherDetails object={d} known={KNOWN_DEMOGRAPHICS} />
        </section>
        <section className="card" aria-labelledby="triage-title">
          <h2 id="triage-title">{s.triage}</h2>
          <dl>
            <Row label={s.bodySite}>{t?.body_site ?? "-"}</Row>
            <Row label={s.durationDays}>{t?.duration_days ?? "-"}</Row>
            <Row label={s.symptoms}>{list(t?.symptoms, s)}</Row>
            <Row label={s.dangerSigns}>
              <span data-testid="danger-signs">{list(t?.danger_signs, s)}</span>
            </Row>
            {t?.notes && <Row label={s.notes}>{t.notes}</Row>}
          </dl>
          {lesion && (
            <>
              <h3>{s.lesionFeatures}</h3>
              <dl>
                {Object.entries(lesion).map(([k, v]) => (
                  <Row key={k} label={k === "diameter_mm" ? s.diameterMm : k.replace(/_/g, " ")}>
                    {typeof v === "boolean" ? (v ? s.yes : s.no) : String(v)}
                  </Row>
                ))}
              </dl>
            </>
          )}
          <OtherDetails object={t} known={KNOWN_TRIAGE} />
        </section>
        <section className="card" aria-labelledby="od-title" data-testid="on-device">
          <h2 id="od-title">{s.onDevice}</h2>
          {od ? (
            <>
              {od.fixture && (
                <p className="demo-tag" data-testid="demo-model">
                  {s.demoModel}
                </p>
              )}
              <dl>
                <Row label={s.model}>
                  {od.model_id} {od.model_version}
                </Row>
                <Row label={s.modelRisk}>{od.risk_level}</Row>
                {od.rules_risk_level && <Row label={s.rulesRisk}>{od.rules_risk_level}</Row>}
                <Row label={s.rulesFired}>{list(od.rules_fired, s)}</Row>
                {od.scores && (
                  <Row label={s.scores}>
                    {od.scores.map((x) => `${x.label} ${x.score.toFixed(2)}`).join(", ")}
                  </Row>
                )}
              </dl>
            </>
          ) : (
            <p>{s.onDeviceNone}</p>
          )}
          <p>
            {s.caseRisk}: <strong>{c.risk_level}</strong>
          </p>
        </section>
      </div>
      <section className="card" aria-labelledby="photos-title">
        <h2 id="photos-title">{s.photos}</h2>
        {review.photos.length === 0 ? (
          <p>{s.noPhotos}</p>
        ) : (
          <ul className="photos">
            {review.photos.map((p) => (
              <li key={p.sha256}>
                {p.url ? (
                  <button
                    type="button"
                    className="photo-button"
                    aria-label={format(s.openPhoto, { n: p.index + 1 })}
                    onClick={() => setOpen(p.index)}
                  >
                    <img
                      data-testid={`case-photo-${p.index}`}
                      src={photoUrl(p.url)}
                      alt={format(s.photoAlt, { n: p.index + 1 })}
                    />
                  </button>
                ) : (
                  <span>{format(s.photoNotReady, { n: p.index + 1, state: p.state })}</span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      {openPhoto?.url && (
        <PhotoViewer
          src={photoUrl(openPhoto.url)}
          n={openPhoto.index + 1}
          onClose={() => setOpen(null)}
        />
      )}
      <AiPanel c={c} />
      {review.diagnoses.length > 0 && (
        <section className="card" aria-labelledby="dx-title">
          <h2 id="dx-title">{s.diagnosesTitle}</h2>
          <DiagnosisList diagnoses={review.diagnoses} />
        </section>
      )}
      {actions}
      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title">{s.history}</h2>
        {review.history.length === 0 ? (
          <p>{s.historyNone}</p>
        ) : (
          <ul>
            {review.history.map((h) => (
              <li key={h.case.id}>
                {formatTime(h.case.created_at ?? h.case.last_modified_at, language)} ·{" "}
                {h.case.triage_data?.body_site} · {h.case.risk_level} · {h.case.status}
                <DiagnosisList diagnoses={h.diagnoses} />
              </li>
            ))}
          </ul>
        )}
      </section>
    </section>
  );
}
