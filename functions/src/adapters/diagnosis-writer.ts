import { createHash } from "node:crypto";
import { FieldValue } from "firebase-admin/firestore";
import type { DocumentData, Firestore } from "firebase-admin/firestore";
import { reviewFieldsOf } from "@dermadetect/contract";
import type { FollowUp, Referral, Role } from "@dermadetect/contract";
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
  referral?: Referral | null;
  follow_up?: FollowUp | null;
  /** The case's current diagnosis this one amends; it is kept, never overwritten. */
  amends?: string | null;
  doctor_name?: string;
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

/** A diagnosis's optional parts, null when absent: stored and answered that way, never missing. */
export function diagnosisOptionals(d: Pick<DiagnosisInput, "referral" | "follow_up" | "amends">): {
  referral: Referral | null;
  follow_up: FollowUp | null;
  amends: string | null;
} {
  return { referral: d.referral ?? null, follow_up: d.follow_up ?? null, amends: d.amends ?? null };
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
    ...diagnosisOptionals(d),
    doctor_name: d.doctor_name ?? null,
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
    const have = cSnap.data() as (CaseView & DocumentData) | undefined;
    if (!have || have.deleted_at != null) {
      throw new AppError(ErrorCode.RESOURCE_NOT_FOUND, "No such case");
    }
    const currentId = typeof have.diagnosis_id === "string" ? have.diagnosis_id : undefined;
    const current = currentId
      ? (await tx.get(firestore.doc(`diagnoses/${currentId}`))).data()
      : undefined;
    if (input.source === "api") checkAuthority(have, input, current, now);
    const scope = await ScopeWriter.open(tx, firestore, have.chw_id);
    const doc = {
      id: input.id,
      case_id: input.case_id,
      doctor_id: input.doctor_id,
      diagnosis_text: input.diagnosis_text,
      prescription: input.prescription,
      created_at: input.created_at,
      source: input.source,
      ...diagnosisOptionals(input),
      doctor_name: input.doctor_name ?? null,
      normalized_hash: diagnosisContentHash(input),
      ...(before?.normalization_error != null && {
        normalization_error: FieldValue.delete(),
      }),
    };
    const seq = scope.put("diagnoses", input.id, doc, inScope);
    // The newest diagnosis is the case's; every doctor who diagnosed it stays listed, so access
    // that follows the diagnosing doctor never moves away from anyone silently.
    const doctors = new Set<string>(
      Array.isArray(have.review_doctor_ids) ? (have.review_doctor_ids as string[]) : [],
    );
    if (typeof have.doctor_id === "string") doctors.add(have.doctor_id);
    doctors.add(input.doctor_id);
    const caseUpdate: Record<string, unknown> = {
      status: "DIAGNOSED",
      doctor_id: input.doctor_id,
      diagnosis_id: input.id,
      review_doctor_ids: [...doctors].sort(),
      review_claim: null,
      ...reviewFieldsOf({ ...(have as DocumentData), status: "DIAGNOSED" }, now),
    };
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

/**
 * Who may diagnose (issue 17): a case that needs a doctor (queued, or one the doctor asked the
 * CHW about); a diagnosed case only through an explicit amendment of its current diagnosis.
 */
function checkAuthority(
  have: DocumentData,
  input: DiagnosisInput,
  current: DocumentData | undefined,
  now: number,
): void {
  const diagnosed = have.status === "DIAGNOSED";
  if (input.amends) {
    if (!diagnosed || !current || current.id !== input.amends) {
      throw new DiagnosisConflict(
        "amends must name the case's current diagnosis",
        current ? diagnosisView(current) : null,
      );
    }
    return;
  }
  if (diagnosed) {
    throw new DiagnosisConflict(
      "The case is already diagnosed; send amends to amend that diagnosis",
      current ? diagnosisView(current) : null,
    );
  }
  const needs = reviewFieldsOf(have, now).needs_doctor || have.info_request != null;
  if (!needs) {
    throw new AppError(ErrorCode.CASE_NOT_IN_REVIEW, "This case does not need a doctor");
  }
}

/** 409 SYNC_4092 with the diagnosis that stands. */
export class DiagnosisConflict extends AppError {
  constructor(
    message: string,
    readonly diagnosis: Record<string, unknown> | null,
  ) {
    super(ErrorCode.ALREADY_DIAGNOSED, message);
  }

  override toJSON() {
    const base = super.toJSON();
    return { error: { ...base.error, diagnosis: this.diagnosis } };
  }
}
