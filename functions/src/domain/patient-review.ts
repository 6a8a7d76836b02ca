/**
 * What security rules need to know about a patient for doctors: whether one of the patient's
 * cases awaits diagnosis, and which doctors diagnosed one of them. Rules cannot look up a
 * patient's cases in a list query, so the server keeps these two fields on the patient
 * (docs/decisions/2026-11-access-control.md).
 */
export interface PatientReview {
  review_pending: boolean;
  review_doctor_ids: string[];
}

/** A case document; only these fields decide its patient's review state. */
export interface CaseReviewFields {
  patient_id?: unknown;
  status?: unknown;
  doctor_id?: unknown;
  deleted_at?: unknown;
  [field: string]: unknown;
}

/** A patient's review state from all of its cases; tombstoned cases count for nothing. */
export function reviewOf(cases: readonly CaseReviewFields[]): PatientReview {
  const live = cases.filter((c) => c.deleted_at == null);
  const doctors = new Set<string>();
  for (const c of live) {
    if (typeof c.doctor_id === "string" && c.doctor_id.length > 0) doctors.add(c.doctor_id);
    // Every doctor who diagnosed or amended the case keeps reading its patient.
    if (Array.isArray(c.review_doctor_ids)) {
      for (const d of c.review_doctor_ids) if (typeof d === "string" && d) doctors.add(d);
    }
  }
  return {
    review_pending: live.some((c) => c.status === "PENDING_DIAGNOSIS" || c.needs_doctor === true),
    review_doctor_ids: [...doctors].sort(),
  };
}

/** True when a case write can change its patient's (or its former patient's) review state. */
export function affectsReview(
  before: CaseReviewFields | undefined,
  after: CaseReviewFields | undefined,
): boolean {
  const keys: Array<keyof CaseReviewFields> = [
    "patient_id",
    "status",
    "doctor_id",
    "deleted_at",
    "needs_doctor",
    "review_doctor_ids",
  ];
  return keys.some(
    (k) => JSON.stringify(before?.[k] ?? null) !== JSON.stringify(after?.[k] ?? null),
  );
}

/**
 * True when the stored fields already say what `want` says (no write needed). Absent fields
 * mean "not pending, no doctors", so a patient whose cases never reached a doctor is never written.
 */
export function sameReview(have: Partial<PatientReview> | undefined, want: PatientReview): boolean {
  const ids = Array.isArray(have?.review_doctor_ids) ? have.review_doctor_ids : [];
  return (
    (have?.review_pending ?? false) === want.review_pending &&
    ids.length === want.review_doctor_ids.length &&
    ids.every((id, i) => id === want.review_doctor_ids[i])
  );
}
