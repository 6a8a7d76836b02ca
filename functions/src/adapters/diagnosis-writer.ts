import { createHash } from "node:crypto";
import { FieldValue } from "firebase-admin/firestore";
import type { DocumentData, Firestore } from "firebase-admin/firestore";
import type { Role } from "@dermadetect/contract";
import type { CaseView } from "../domain/case-view";
import { AppError, ErrorCode } from "../errors";
import { writeAudit } from "./audit";
import { ScopeWriter } from "./scope-writer";

/** A diagnosis to store: from a doctor through the API, or from the console via the trigger. */
export interface DiagnosisInput {
  id: string;
  case_id: string;
  doctor_id: string;
  diagnosis_text: string;
  prescription: string | null;
  /** Epoch ms; kept from the console document when it has one. */
  created_at: number;
  source: "api" | "console";
}

/** `diagnoses/{id}` as stored (server fields included). */
export interface StoredDiagnosis extends DiagnosisInput {
  chw_id: string;
  server_seq: number;
  /** Hash of the content fields when last normalised: the trigger's self-write guard. */
  normalized_hash: string;
}

/** Who asked, for the audit record. */
export interface DiagnosisActor {
  actor: string;
  role: Role | "system";
  requestId: string;
}

/**
 * Hash of the fields a person writes. The trigger compares it with `normalized_hash`: equal
 * means "already normalised" (our own write, or an edit of server fields only), so it never
 * re-triggers itself; a console edit of the content changes it and is normalised again.
 */
export function diagnosisContentHash(d: DocumentData): string {
  const content = [
    d.case_id ?? null,
    d.doctor_id ?? null,
    d.diagnosis_text ?? null,
    d.prescription ?? null,
  ];
  return createHash("sha256").update(JSON.stringify(content)).digest("hex");
}

/** Public shape of a stored diagnosis (what the API answers). */
export function diagnosisView(d: DocumentData): Record<string, unknown> {
  return {
    id: d.id,
    case_id: d.case_id,
    chw_id: d.chw_id,
    doctor_id: d.doctor_id,
    diagnosis_text: d.diagnosis_text,
    prescription: d.prescription ?? null,
    created_at: d.created_at,
    server_seq: d.server_seq,
  };
}

/**
 * Stores a diagnosis and sets its case DIAGNOSED (`doctor_id`, `timeline.diagnosed_at` of the
 * first diagnosis) in one transaction through the ScopeWriter of the case's CHW, so both
 * reach the CHW's pull and listeners, with the audit record in the same commit.
 *
 * API writes are idempotent on the id: the same id for the same case and doctor answers the
 * stored diagnosis unchanged (`duplicate`); for another case or doctor it is a conflict.
 * Console writes (`source: console`) normalise the document the admin created.
 */
export async function writeDiagnosis(
  firestore: Firestore,
  input: DiagnosisInput,
  who: DiagnosisActor,
  now: number,
): Promise<{ diagnosis: DocumentData; duplicate: boolean }> {
  return firestore.runTransaction(async (tx) => {
    const dRef = firestore.doc(`diagnoses/${input.id}`);
    const cRef = firestore.doc(`cases/${input.case_id}`);
    const [dSnap, cSnap] = await Promise.all([tx.get(dRef), tx.get(cRef)]);
    const before = dSnap.data();
    const inScope = before?.server_seq != null ? before : undefined;
    if (input.source === "api" && inScope) {
      if (inScope.case_id !== input.case_id || inScope.doctor_id !== input.doctor_id) {
        throw new AppError(
          ErrorCode.DIAGNOSIS_ID_CONFLICT,
          "This diagnosis id is already used for another case or doctor",
        );
      }
      return { diagnosis: inScope, duplicate: true };
    }
    const have = cSnap.data() as CaseView | undefined;
    if (!have || have.deleted_at != null) {
      throw new AppError(ErrorCode.RESOURCE_NOT_FOUND, "No such case");
    }
    const scope = await ScopeWriter.open(tx, firestore, have.chw_id);
    const doc = {
      id: input.id,
      case_id: input.case_id,
      doctor_id: input.doctor_id,
      diagnosis_text: input.diagnosis_text,
      prescription: input.prescription,
      created_at: input.created_at,
      source: input.source,
      normalized_hash: diagnosisContentHash(input),
      ...(before?.normalization_error != null && {
        normalization_error: FieldValue.delete(),
      }),
    };
    const seq = scope.put("diagnoses", input.id, doc, inScope);
    const caseUpdate: Record<string, unknown> = { status: "DIAGNOSED", doctor_id: input.doctor_id };
    if (have.timeline?.diagnosed_at == null) caseUpdate.timeline = { diagnosed_at: now };
    scope.put("cases", input.case_id, caseUpdate, cSnap.exists ? have : undefined);
    scope.commit();
    writeAudit(tx, firestore, {
      actor: who.actor,
      role: who.role,
      action: input.source === "api" ? "diagnosis.create" : "diagnosis.normalize",
      resource: { collection: "diagnoses", ids: [input.id] },
      outcome: "ok",
      request_id: who.requestId,
    });
    const stored: DocumentData = { ...doc, chw_id: have.chw_id, server_seq: seq };
    delete stored.normalization_error;
    return { diagnosis: stored, duplicate: false };
  });
}
