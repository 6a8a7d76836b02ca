import { useState } from "react";
import type { Diagnosis } from "@/lib/case-types";
import { formatTime } from "@/lib/format";
import { format } from "@/lib/i18n/strings";
import { useLanguage, useStrings } from "@/lib/i18n/use-strings";
import { downloadReferralPdf } from "./referral-pdf";

/** The patient and case facts a referral note shows. */
export interface ReferralFacts {
  patientName: string;
  patientLine: string;
  bodySite: string;
  findings: string;
  photoUrls: string[];
}

/**
 * The printable referral note (the print stylesheet prints only it) and its PDF download, for
 * a diagnosis whose decision is a referral: the patient walks into the clinic with it.
 */
export function ReferralNote({ diagnosis, facts }: { diagnosis: Diagnosis; facts: ReferralFacts }) {
  const s = useStrings();
  const language = useLanguage();
  const [busy, setBusy] = useState(false);
  const referral = diagnosis.referral;
  if (!referral || referral.decision === "none") return null;
  const rows: [string, string][] = [
    [s.demographics, `${facts.patientName} · ${facts.patientLine}`],
    [s.bodySite, facts.bodySite],
    [s.diagnosisText, diagnosis.diagnosis_text],
    [s.referralFindings, facts.findings],
    [s.referralUrgency, referral.decision === "urgent" ? s.referralUrgent : s.referralRoutine],
    [s.referralTo, referral.destination ?? "-"],
    [s.prescription, diagnosis.prescription ?? "-"],
    [s.referralDoctor, diagnosis.doctor_name ?? diagnosis.doctor_id ?? "-"],
    [s.referralDate, formatTime(diagnosis.created_at ?? Date.now(), language)],
  ];
  const title = format(s.referralNoteFor, { name: facts.patientName });
  return (
    <section
      className="card print-area"
      aria-labelledby="referral-title"
      data-testid="referral-note"
    >
      <h2 id="referral-title">{title}</h2>
      <dl>
        {rows.map(([label, value]) => (
          <div key={label} style={{ display: "contents" }}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      <div className="photos">
        {facts.photoUrls.map((url, i) => (
          <img key={url} src={url} alt={format(s.photoAlt, { n: i + 1 })} className="thumb" />
        ))}
      </div>
      <div className="row no-print">
        <button type="button" data-testid="print-referral" onClick={() => window.print()}>
          {s.printNote}
        </button>
        <button
          type="button"
          data-testid="download-referral"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void downloadReferralPdf({
              title,
              rows,
              photoUrls: facts.photoUrls,
              fileName: `referral-${diagnosis.case_id}.pdf`,
            }).finally(() => setBusy(false));
          }}
        >
          {s.downloadPdf}
        </button>
      </div>
    </section>
  );
}
