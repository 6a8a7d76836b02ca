import { useRef, useState } from "react";
import type { FormEvent } from "react";
import type { ApiResult } from "@/lib/api-client";
import { newId } from "@/lib/api-client";
import type { Diagnosis, DiagnosisRequest, Referral } from "@/lib/case-types";
import { format } from "@/lib/i18n/strings";
import { useStrings } from "@/lib/i18n/use-strings";
import { RadioOptions } from "@/lib/radio-options";

/** What the form shows after a submit. */
type Outcome =
  { kind: "idle" } | { kind: "saved"; diagnosis: Diagnosis } | { kind: "error"; message: string };

/** Builds the request from the fields; answers the first problem instead when there is one. */
export function buildDiagnosisRequest(
  id: string,
  f: {
    text: string;
    prescription: string;
    decision: Referral["decision"];
    destination: string;
    followUpDays: string;
    followUpNote: string;
    amends?: string;
  },
):
  | { ok: true; request: DiagnosisRequest }
  | { ok: false; problem: "text" | "destination" | "followUp" } {
  const text = f.text.trim();
  if (!text) return { ok: false, problem: "text" };
  const destination = f.destination.trim();
  if (f.decision !== "none" && !destination) return { ok: false, problem: "destination" };
  const days = f.followUpDays.trim();
  if (days && !/^([1-9][0-9]?|[1-2][0-9]{2}|3[0-5][0-9]|36[0-5])$/.test(days))
    return { ok: false, problem: "followUp" };
  const note = f.followUpNote.trim();
  return {
    ok: true,
    request: {
      id,
      diagnosis_text: text,
      ...(f.prescription.trim() ? { prescription: f.prescription.trim() } : {}),
      referral:
        f.decision === "none" ? { decision: "none" } : { decision: f.decision, destination },
      ...(days || note
        ? { follow_up: { ...(days ? { in_days: Number(days) } : {}), ...(note ? { note } : {}) } }
        : {}),
      ...(f.amends ? { amends: f.amends } : {}),
    },
  };
}

/**
 * The diagnosis form. The id is made once per diagnosis and kept across failed attempts, so a
 * retry after a lost answer is the same request (the API is idempotent on it). A case that
 * already has a diagnosis offers an amendment, stored beside it, never an overwrite.
 */
export function DiagnosisForm({
  existing,
  submit,
  onSaved,
}: {
  /** This case's diagnoses, oldest first. */
  existing: readonly Diagnosis[];
  submit: (request: DiagnosisRequest) => Promise<ApiResult<Diagnosis>>;
  onSaved?: (d: Diagnosis) => void;
}) {
  const s = useStrings();
  const id = useRef(newId());
  const [known, setKnown] = useState<readonly Diagnosis[]>(existing);
  const [amending, setAmending] = useState(false);
  const [text, setText] = useState("");
  const [prescription, setPrescription] = useState("");
  const [decision, setDecision] = useState<Referral["decision"]>("none");
  const [destination, setDestination] = useState("");
  const [followUpDays, setFollowUpDays] = useState("");
  const [followUpNote, setFollowUpNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "idle" });
  const latest = known[known.length - 1];

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    const built = buildDiagnosisRequest(id.current, {
      text,
      prescription,
      decision,
      destination,
      followUpDays,
      followUpNote,
      amends: amending ? latest?.id : undefined,
    });
    if (!built.ok) {
      const message =
        built.problem === "text"
          ? s.diagnosisRequired
          : built.problem === "destination"
            ? s.destinationRequired
            : s.followUpInvalid;
      return setOutcome({ kind: "error", message });
    }
    setBusy(true);
    const r = await submit(built.request);
    setBusy(false);
    if (r.kind === "ok") {
      setOutcome({ kind: "saved", diagnosis: r.value });
      setKnown((k) => [...k, r.value]);
      setAmending(false);
      id.current = newId(); // the next one (an amendment) is a new diagnosis
      onSaved?.(r.value);
      return;
    }
    if (r.kind === "offline") return setOutcome({ kind: "error", message: s.diagnosisOffline });
    if (r.error.code === "SYNC_4092") {
      // Someone diagnosed it meanwhile: show theirs and offer an amendment instead.
      const theirs = r.error.body.diagnosis as Diagnosis | undefined;
      if (theirs) setKnown((k) => [...k, theirs]);
      setOutcome({ kind: "error", message: s.alreadyDiagnosed });
      return;
    }
    if (r.error.code === "SYNC_4093") return setOutcome({ kind: "error", message: s.caseNotOpen });
    setOutcome({ kind: "error", message: format(s.diagnosisFailed, { message: r.error.message }) });
  }

  const showForm = known.length === 0 || amending;
  return (
    <section className="card" aria-labelledby="diagnosis-title" data-testid="diagnosis-section">
      <h2 id="diagnosis-title">{amending ? s.amendTitle : s.diagnosisTitle}</h2>
      {outcome.kind === "saved" && (
        <p role="status" className="ok" data-testid="diagnosis-saved">
          {s.diagnosisSaved}
        </p>
      )}
      {known.length > 0 && !amending && (
        <>
          <p data-testid="already-diagnosed">{s.alreadyDiagnosed}</p>
          {latest && (
            <p data-testid="current-diagnosis">
              <strong>{latest.diagnosis_text}</strong>
            </p>
          )}
          <button type="button" data-testid="amend-diagnosis" onClick={() => setAmending(true)}>
            {s.amend}
          </button>
        </>
      )}
      {showForm && (
        <form onSubmit={(e) => void onSubmit(e)} className="stack" noValidate>
          <label>
            {s.diagnosisText}
            <textarea
              data-testid="diagnosis-text"
              required
              maxLength={4000}
              rows={3}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
          </label>
          <label>
            {s.prescription}
            <textarea
              data-testid="prescription"
              maxLength={4000}
              rows={2}
              value={prescription}
              onChange={(e) => setPrescription(e.target.value)}
            />
          </label>
          <fieldset>
            <legend>{s.referral}</legend>
            <RadioOptions
              name="referral"
              labels={{
                none: s.referralNone,
                routine: s.referralRoutine,
                urgent: s.referralUrgent,
              }}
              value={decision}
              onChange={setDecision}
            />
            {decision !== "none" && (
              <label>
                {s.referralDestination}
                <input
                  data-testid="referral-destination"
                  maxLength={200}
                  value={destination}
                  onChange={(e) => setDestination(e.target.value)}
                />
              </label>
            )}
          </fieldset>
          <div className="row">
            <label>
              {s.followUpDays}
              <input
                data-testid="follow-up-days"
                inputMode="numeric"
                maxLength={3}
                value={followUpDays}
                onChange={(e) => setFollowUpDays(e.target.value)}
              />
            </label>
            <label>
              {s.followUpNote}
              <input
                data-testid="follow-up-note"
                maxLength={500}
                value={followUpNote}
                onChange={(e) => setFollowUpNote(e.target.value)}
              />
            </label>
          </div>
          {outcome.kind === "error" && (
            <p role="alert" className="error" data-testid="diagnosis-error">
              {outcome.message}
            </p>
          )}
          <button type="submit" data-testid="submit-diagnosis" disabled={busy}>
            {busy ? s.submitting : amending ? s.submitAmendment : s.submitDiagnosis}
          </button>
        </form>
      )}
    </section>
  );
}
