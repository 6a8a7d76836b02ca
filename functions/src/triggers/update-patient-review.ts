import { onDocumentWritten } from "firebase-functions/v2/firestore";
import type { DocumentData, Firestore } from "firebase-admin/firestore";
import { db } from "../adapters/firebase";
import { affectsReview, reviewOf, sameReview } from "../domain/patient-review";
import { log } from "../logger";

/** A write to `cases/{caseId}` as the trigger sees it. */
export interface CaseWrite {
  caseId: string;
  before: DocumentData | undefined;
  after: DocumentData | undefined;
}

/** Read-compare-write rounds of one delivery before it gives the event back for redelivery. */
export const MAX_ROUNDS = 5;

/**
 * Every round lost its write to a concurrent change of the patient. Transient (so
 * `isRetryable` in domain/retry.ts says yes): the trigger throws it and, with retry on in the
 * code and in terraform's `retry_policy`, the platform redelivers the event, whose first read
 * then starts from whatever the concurrent writers left.
 */
export class ReviewNotSettledError extends Error {
  readonly transient = true;
  constructor() {
    super(`patient review did not settle in ${MAX_ROUNDS} rounds`);
    this.name = "ReviewNotSettledError";
  }
}

/**
 * Keeps `review_pending` / `review_doctor_ids` on the case's patient in step with its cases, so
 * firestore.rules can let doctors read the patients of the cases they may see. Runs after the
 * case write commits and never inside another writer's transaction: it reads the patient and
 * its cases, writes only when the fields differ (guarded by the patient's update time), and
 * reads again until a read agrees with what is stored, so concurrent case changes converge.
 * After MAX_ROUNDS lost writes it throws ReviewNotSettledError, so the event is redelivered
 * rather than leaving the doctor rules on a stale summary.
 * The fields are not CHW data, so this write does not advance the CHW's pull cursor.
 */
export async function handleCaseReviewWrite(
  write: CaseWrite,
  deps: { db: () => Firestore },
): Promise<void> {
  if (!affectsReview(write.before, write.after)) return;
  const patients = new Map<string, string>();
  for (const d of [write.before, write.after]) {
    if (typeof d?.patient_id === "string" && typeof d.chw_id === "string") {
      patients.set(d.patient_id, d.chw_id);
    }
  }
  for (const [patientId, chwId] of patients) {
    await refreshPatientReview(deps.db(), patientId, chwId, write.caseId);
  }
}

async function refreshPatientReview(
  firestore: Firestore,
  patientId: string,
  chwId: string,
  caseId: string,
): Promise<void> {
  if (patientId.includes("/") || patientId.length === 0) return;
  const ref = firestore.collection("patients").doc(patientId);
  const cases = firestore
    .collection("cases")
    .where("patient_id", "==", patientId)
    .where("chw_id", "==", chwId);
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const [patient, snap] = await Promise.all([ref.get(), cases.get()]);
    // No patient yet, or a case naming another scope's patient: nothing a doctor may reach.
    if (!patient.exists || patient.get("chw_id") !== chwId) return;
    const want = reviewOf(snap.docs.map((d) => d.data()));
    if (sameReview(patient.data(), want)) return;
    try {
      await ref.update({ ...want }, { lastUpdateTime: patient.updateTime! });
      log.info("patient review updated", { case_id: caseId, stage: "review", attempt: round + 1 });
    } catch (e) {
      // Someone else changed the patient since the read: read again.
      if ((e as { code?: unknown }).code !== 9) throw e;
    }
  }
  // Ids and counts only: the patient's id and fields stay out of the logs.
  log.warn("patient review did not settle, will retry", {
    case_id: caseId,
    stage: "review",
    attempt: MAX_ROUNDS,
  });
  throw new ReviewNotSettledError();
}

/** Firestore trigger: every write to a case (cheap no-op unless status, doctor or patient changed). */
export const updatePatientReview = onDocumentWritten(
  { document: "cases/{caseId}", retry: true },
  (event) =>
    handleCaseReviewWrite(
      {
        caseId: event.params.caseId,
        before: event.data?.before.data(),
        after: event.data?.after.data(),
      },
      { db },
    ),
);
