import type { DocumentData } from "firebase-admin/firestore";
import { answerRequest, reviewChanges, reviewFieldsOf } from "@dermadetect/contract";

/**
 * The review fields (`needs_doctor`, `queue_reason`, …) a server write to a case must add, so
 * every writer keeps them in step with what it changes: `before` is the case as read in the
 * transaction, `update` what the writer merges into it. Nested maps are merged one level deep,
 * as Firestore's set-with-merge does for the fields the rule reads.
 */
export function withReview(
  before: DocumentData | undefined,
  update: DocumentData,
  now: number,
): DocumentData {
  const merged: DocumentData = { ...(before ?? {}) };
  for (const [k, v] of Object.entries(update) as [string, unknown][]) {
    const prev: unknown = merged[k];
    merged[k] = isMap(prev) && isMap(v) ? { ...(prev as DocumentData), ...(v as DocumentData) } : v;
  }
  return { ...update, ...reviewChanges(merged, reviewFieldsOf(merged, now)) };
}

function isMap(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !("toMillis" in v);
}

/**
 * A CHW's applied edit of a case (LWW proved it newer): answers the doctor's open request, and
 * keeps the review fields in step with what the edit changed (risk, a new analysis).
 */
export function chwCaseReview(
  before: DocumentData | undefined,
  data: Record<string, unknown>,
  now: number,
): Record<string, unknown> {
  const answer = before ? answerRequest(before, now) : undefined;
  if (answer) return { ...data, ...answer };
  const out = withReview(before, data, now);
  // Server fields a CHW write never set stay absent on a case that never needed a doctor.
  return out;
}
