import { onDocumentWritten } from "firebase-functions/v2/firestore";
import type { DocumentData, Firestore } from "firebase-admin/firestore";
import { DIAGNOSIS_LIMITS, UID_PATTERN, isId } from "@dermadetect/contract";
import { diagnosisContentHash, writeDiagnosis } from "../adapters/diagnosis-writer";
import { db } from "../adapters/firebase";
import { ScopeWriter } from "../adapters/scope-writer";
import { AppError, ErrorCode } from "../errors";
import { log } from "../logger";

/** One write to `diagnoses/{id}`: the document before and after (undefined when absent). */
export interface DiagnosisChange {
  id: string;
  before: DocumentData | undefined;
  after: DocumentData | undefined;
}

/** What the trigger needs. */
export interface DiagnosisTriggerDeps {
  db: Firestore;
  now: () => number;
}

/** What the trigger did with one write. */
export type DiagnosisTriggerOutcome =
  "normalized" | "unchanged" | "invalid" | "tombstoned" | "ignored";

const UID = new RegExp(UID_PATTERN);

/** The reason a console document cannot be normalised, or undefined when it can. */
function problemWith(d: DocumentData): string | undefined {
  if (!isId(d.case_id)) return "case_id is missing or invalid";
  const text: unknown = d.diagnosis_text;
  if (typeof text !== "string" || text.trim() === "" || text.length > DIAGNOSIS_LIMITS.textMax) {
    return "diagnosis_text is missing or too long";
  }
  const rx: unknown = d.prescription;
  if (rx != null && (typeof rx !== "string" || rx.length > DIAGNOSIS_LIMITS.prescriptionMax)) {
    return "prescription must be text";
  }
  if (d.doctor_id != null && (typeof d.doctor_id !== "string" || !UID.test(d.doctor_id))) {
    return "doctor_id is invalid";
  }
  return undefined;
}

/** Epoch ms from a number or a Firestore Timestamp; undefined for anything else. */
function millis(v: unknown): number | undefined {
  if (typeof v === "number" && Number.isFinite(v)) return v;
  const ts = v as { toMillis?: () => number } | null;
  return typeof ts?.toMillis === "function" ? ts.toMillis() : undefined;
}

/** Records why a console document was not normalised, on the document itself. */
async function markInvalid(deps: DiagnosisTriggerDeps, change: DiagnosisChange, why: string) {
  const after = change.after as DocumentData;
  await deps.db.doc(`diagnoses/${change.id}`).update({
    normalization_error: { code: ErrorCode.DIAGNOSIS_INVALID, message: why },
    normalized_hash: diagnosisContentHash(after),
  });
  log.warn("console diagnosis not normalised", {
    stage: "diagnosis_normalize",
    code: ErrorCode.DIAGNOSIS_INVALID,
    outcome: "invalid",
  });
  return "invalid" as const;
}

/**
 * Normalises diagnoses that admins write in the Firebase console: fills `id`, `chw_id` (from
 * the case), `doctor_id` (`console` when the admin left it out), `created_at` and the server
 * fields through the ScopeWriter, and sets the case DIAGNOSED, exactly as the API does; so the
 * diagnosis reaches the CHW's pull and listeners. Never re-triggers itself: a document whose
 * content hash equals its `normalized_hash` is left alone (our own write lands there). An
 * invalid document gets `normalization_error` and stays out of every scope. A console delete
 * of a delivered diagnosis becomes a tombstone, so devices learn of it.
 */
export async function handleDiagnosisWritten(
  change: DiagnosisChange,
  deps: DiagnosisTriggerDeps,
): Promise<DiagnosisTriggerOutcome> {
  const { id, before, after } = change;
  if (!after) {
    if (before?.server_seq == null || before.deleted_at != null) return "ignored";
    await deps.db.runTransaction(async (tx) => {
      const ref = deps.db.doc(`diagnoses/${id}`);
      if ((await tx.get(ref)).exists) return; // re-created meanwhile: that write wins
      const scope = await ScopeWriter.open(tx, deps.db, String(before.chw_id));
      const fields = { ...before };
      delete fields.server_seq;
      delete fields.server_updated_at;
      scope.put("diagnoses", id, { ...fields, deleted_at: deps.now() }, before);
      scope.commit();
    });
    return "tombstoned";
  }
  if (after.normalized_hash === diagnosisContentHash(after)) return "unchanged";
  const why = problemWith(after);
  if (why) return markInvalid(deps, change, why);
  const now = deps.now();
  try {
    await writeDiagnosis(
      deps.db,
      {
        id,
        case_id: after.case_id as string,
        doctor_id: (after.doctor_id as string | undefined) ?? "console",
        diagnosis_text: after.diagnosis_text as string,
        prescription: (after.prescription as string | null | undefined) ?? null,
        created_at: millis(after.created_at) ?? now,
        source: "console",
      },
      { actor: "console", role: "system", requestId: `diagnosis:${id}` },
      now,
    );
  } catch (e) {
    if (e instanceof AppError && e.code === ErrorCode.RESOURCE_NOT_FOUND) {
      return markInvalid(deps, change, "the case does not exist");
    }
    throw e;
  }
  log.info("console diagnosis normalised", {
    case_id: after.case_id as string,
    stage: "diagnosed",
  });
  return "normalized";
}

/** Firestore trigger on `diagnoses/{diagnosisId}` (deployed as `onDiagnosisWritten`). */
export const onDiagnosisWritten = onDocumentWritten(
  { document: "diagnoses/{diagnosisId}", retry: true },
  (event) =>
    handleDiagnosisWritten(
      {
        id: event.params.diagnosisId,
        before: event.data?.before.exists ? event.data.before.data() : undefined,
        after: event.data?.after.exists ? event.data.after.data() : undefined,
      },
      { db: db(), now: () => Date.now() },
    ),
);
