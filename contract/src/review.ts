/**
 * The doctor-review contract (docs/console-api.md): the server-owned review fields of a case,
 * the structured diagnosis, the doctor's request to the CHW, and the pure rule that decides
 * whether a case needs a doctor. Shared by the functions (which write these fields), the CHW
 * app (which shows them) and the console (which reads them live).
 */

import { closedObject } from "./json-schema";

/** Why a case is in the doctors' queue. */
export const QUEUE_REASONS = ["PENDING_DIAGNOSIS", "AI_FAILED", "AI_OVERDUE", "ANSWERED"] as const;
/** A queue reason. */
export type QueueReason = (typeof QUEUE_REASONS)[number];

/** Where a case is in the doctor's review; null while it never needed a doctor. */
export const REVIEW_STATES = ["waiting", "waiting_for_chw", "answered", "reviewed"] as const;
/** A review state. */
export type ReviewState = (typeof REVIEW_STATES)[number];

/** A RED case whose analysis has not arrived this long after it was requested joins the queue. */
export const AI_OVERDUE_MS = 5 * 60_000;
/** How long opening a case keeps it claimed for one doctor. */
export const CLAIM_TTL_MS = 10 * 60_000;

/** `cases.review_claim`: the doctor who opened the case and until when it is theirs. */
export interface ReviewClaim {
  doctor_id: string;
  doctor_name: string;
  /** Epoch ms. */
  expires_at: number;
}

/** What a doctor may ask the CHW for. */
export const INFO_REQUEST_KINDS = ["photo", "information"] as const;
/** A kind of request. */
export type InfoRequestKind = (typeof INFO_REQUEST_KINDS)[number];

/** `cases.info_request`: the doctor's open (or answered) question to the CHW. */
export interface InfoRequest {
  id: string;
  kind: InfoRequestKind;
  message: string;
  requested_by: string;
  requested_by_name: string;
  /** Epoch ms. */
  requested_at: number;
  /** Epoch ms of the CHW's answer (an edit of the case or a new verified photo); null while open. */
  answered_at: number | null;
}

/** The server-owned review fields of `cases/{id}`. */
export interface CaseReviewFields {
  needs_doctor: boolean;
  /** Epoch ms when the case (last) entered the queue; null while not in it. */
  needs_doctor_since: number | null;
  queue_reason: QueueReason | null;
  review_state: ReviewState | null;
}

/** Referral decisions a doctor records. */
export const REFERRAL_DECISIONS = ["none", "routine", "urgent"] as const;
/** A referral decision. */
export type ReferralDecision = (typeof REFERRAL_DECISIONS)[number];

/** Bounds of the structured diagnosis and request fields. */
export const REVIEW_LIMITS = {
  destinationMax: 200,
  followUpNoteMax: 1_000,
  followUpDaysMax: 365,
  requestMessageMax: 1_000,
} as const;

/** The referral part of a diagnosis. */
export interface Referral {
  decision: ReferralDecision;
  /** Where to go (clinic, hospital); expected when the decision is a referral. */
  destination?: string;
}

/** When and why the CHW should see the patient again. */
export interface FollowUp {
  in_days?: number;
  note?: string;
}

/** Body of `POST /v1/cases/{id}/requests`. */
export interface InfoRequestBody {
  /** Client-generated id; the route is idempotent on it. */
  id: string;
  kind: InfoRequestKind;
  message: string;
}

const idSchema = { type: "string", minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_-]+$" };

/** JSON Schema of the referral (closed). */
export const referralSchema = {
  ...closedObject(["decision"], {
    decision: { type: "string", enum: [...REFERRAL_DECISIONS] },
    destination: { type: "string", minLength: 1, maxLength: REVIEW_LIMITS.destinationMax },
  }),
  // A referral names where the patient goes: the note the patient carries must say it.
  if: { properties: { decision: { enum: ["routine", "urgent"] } } },
  then: {
    required: ["destination"],
    properties: { destination: { type: "string" } },
  },
} as const;

/** JSON Schema of the follow-up (closed). */
export const followUpSchema = closedObject({
  in_days: { type: "integer", minimum: 0, maximum: REVIEW_LIMITS.followUpDaysMax },
  note: { type: "string", minLength: 1, maxLength: REVIEW_LIMITS.followUpNoteMax },
});

/** JSON Schema of `InfoRequestBody` (closed). */
export const infoRequestBodySchema = {
  $id: "info-request-body",
  ...closedObject(["id", "kind", "message"], {
    id: idSchema,
    kind: { type: "string", enum: [...INFO_REQUEST_KINDS] },
    message: { type: "string", minLength: 1, maxLength: REVIEW_LIMITS.requestMessageMax },
  }),
} as const;

/** The parts of a stored case the review rule reads. */
export interface ReviewInput {
  status?: unknown;
  risk_level?: unknown;
  deleted_at?: unknown;
  analysis?: { state?: unknown } | null;
  timeline?: { analysis_requested_at?: unknown; synced_at?: unknown } | null;
  info_request?: Partial<InfoRequest> | null;
  needs_doctor?: unknown;
  needs_doctor_since?: unknown;
  queue_reason?: unknown;
}

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** Why a case would enter the queue now, ignoring requests and earlier queue membership. */
function reasonNow(c: ReviewInput, now: number, overdueMs: number): QueueReason | undefined {
  if (c.status === "PENDING_DIAGNOSIS") return "PENDING_DIAGNOSIS";
  if (c.risk_level !== "RED" || c.status === "DIAGNOSED") return undefined;
  const state = c.analysis?.state;
  // A cost cap ended the analysis without a result: as good as failed for the doctor.
  if (state === "failed" || state === "limited") return "AI_FAILED";
  if (state === "done") return undefined;
  const asked = num(c.timeline?.analysis_requested_at) ?? num(c.timeline?.synced_at);
  if (asked !== undefined && now - asked >= overdueMs) return "AI_OVERDUE";
  return undefined;
}

/**
 * The review fields a case should have at `now`. A case leaves the queue only by a diagnosis or
 * a request to the CHW: once in, it stays in (a RED case re-edited while waiting for a doctor
 * is never dropped out of sight while its new analysis runs), keeping its waiting time.
 */
export function reviewFieldsOf(
  c: ReviewInput,
  now: number,
  overdueMs: number = AI_OVERDUE_MS,
): CaseReviewFields {
  const wasIn = c.needs_doctor === true;
  const since = (fallback: number) => (wasIn ? (num(c.needs_doctor_since) ?? fallback) : fallback);
  if (c.deleted_at != null) {
    return {
      needs_doctor: false,
      needs_doctor_since: null,
      queue_reason: null,
      review_state: null,
    };
  }
  if (c.status === "DIAGNOSED") {
    return {
      needs_doctor: false,
      needs_doctor_since: null,
      queue_reason: null,
      review_state: "reviewed",
    };
  }
  const req = c.info_request;
  if (req && req.answered_at == null) {
    return {
      needs_doctor: false,
      needs_doctor_since: null,
      queue_reason: null,
      review_state: "waiting_for_chw",
    };
  }
  if (req && num(req.answered_at) !== undefined) {
    const answered = num(req.answered_at) as number;
    return {
      needs_doctor: true,
      needs_doctor_since: since(answered),
      queue_reason: "ANSWERED",
      review_state: "answered",
    };
  }
  const reason = reasonNow(c, now, overdueMs);
  if (reason) {
    return {
      needs_doctor: true,
      needs_doctor_since: since(now),
      queue_reason: reason,
      review_state: "waiting",
    };
  }
  if (wasIn) {
    const kept = (QUEUE_REASONS as readonly unknown[]).includes(c.queue_reason)
      ? (c.queue_reason as QueueReason)
      : "PENDING_DIAGNOSIS";
    return {
      needs_doctor: true,
      needs_doctor_since: since(now),
      queue_reason: kept,
      review_state: "waiting",
    };
  }
  return { needs_doctor: false, needs_doctor_since: null, queue_reason: null, review_state: null };
}

/** Only the fields that differ from what the case stores (empty when nothing changes). */
export function reviewChanges(
  c: ReviewInput & { review_state?: unknown },
  want: CaseReviewFields,
): Partial<CaseReviewFields> {
  const out: Partial<CaseReviewFields> = {};
  const have = c as Record<string, unknown>;
  for (const k of Object.keys(want) as (keyof CaseReviewFields)[]) {
    if ((have[k] ?? null) !== want[k]) (out as Record<string, unknown>)[k] = want[k];
  }
  return out;
}

/**
 * The fields that mark an open request answered, or undefined when nothing is open. The sync
 * core calls it for every applied CHW edit of the case (LWW already proved it newer) and the
 * image verifier for every newly verified photo.
 */
export function answerRequest(
  c: ReviewInput & { review_state?: unknown },
  now: number,
): Record<string, unknown> | undefined {
  const req = c.info_request;
  if (!req || req.answered_at != null || c.status === "DIAGNOSED" || c.deleted_at != null) {
    return undefined;
  }
  const answered = { ...c, info_request: { ...req, answered_at: now } };
  const fields = reviewFieldsOf({ ...answered, needs_doctor: false }, now);
  return { info_request: { ...req, answered_at: now }, ...fields };
}

/** The diagnosis the CHW should act on: the one no other diagnosis of the case amends. */
export function currentDiagnosis<
  D extends { id: string; amends?: string | null; created_at?: number },
>(diagnoses: readonly D[]): D | undefined {
  const amended = new Set(diagnoses.map((d) => d.amends).filter((a): a is string => !!a));
  const open = diagnoses.filter((d) => !amended.has(d.id));
  const pool = open.length > 0 ? open : [...diagnoses];
  return pool.sort((a, b) => (b.created_at ?? 0) - (a.created_at ?? 0))[0];
}
