import { ID_PATTERN, LIMITS } from "./limits";
import { normalizeTimestamps } from "./merge";
import type { ClientRecord } from "./merge";
import { PUSH_TABLES, REASONS, SYNC_TABLES } from "./records";
import type { PushTable, Reason } from "./records";
import { inspectJson, isCaseRecord, isPatientRecord, reasonOf } from "./validate";

/** Fields only the server writes, per table: a client sending one is rejected (seed format). */
export const SERVER_OWNED_FIELDS: Record<PushTable, readonly string[]> = {
  patients: ["chw_id", "created_at", "created_seq", "server_updated_at", "server_seq"],
  cases: [
    "chw_id",
    "status",
    "ai_analysis",
    "analysis",
    "content_version",
    "timeline",
    "doctor_id",
    // The doctor-review fields (review.ts), written only by the functions.
    "diagnosis_id",
    "review_doctor_ids",
    "needs_doctor",
    "needs_doctor_since",
    "queue_reason",
    "review_state",
    "review_claim",
    "info_request",
    "created_at",
    "created_seq",
    "server_updated_at",
    "server_seq",
  ],
};

/** Fields the server adds to each image entry. */
export const SERVER_OWNED_IMAGE_FIELDS: readonly string[] = ["state", "image_key", "reason"];

const idPattern = new RegExp(ID_PATTERN);

/** The id to report for a record: its own when usable, else `#<index>` in its list. */
export function resultId(raw: unknown, index: number): string {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === "string" && idPattern.test(id) ? id : `#${index}`;
}

/** A checked record: validated, timestamps in ms and clamped, or the reason it was refused. */
export type Checked =
  | { ok: true; table: PushTable; record: ClientRecord; skewMs: number }
  | { ok: false; reason: Reason };

/** True when the table is one a CHW pushes. */
export function isPushTable(table: string): table is PushTable {
  return (PUSH_TABLES as readonly string[]).includes(table);
}

/** Classifies a table name: pushable, pull-only, or unknown. */
export function tableReason(table: string): Reason | undefined {
  if (isPushTable(table)) return undefined;
  return (SYNC_TABLES as readonly string[]).includes(table)
    ? REASONS.READ_ONLY_TABLE
    : REASONS.UNKNOWN_TABLE;
}

function serverOwnedIn(table: PushTable, raw: Record<string, unknown>): boolean {
  if (SERVER_OWNED_FIELDS[table].some((f) => Object.hasOwn(raw, f))) return true;
  if (table !== "cases" || !Array.isArray(raw.images)) return false;
  return (raw.images as unknown[]).some(
    (img) =>
      img !== null &&
      typeof img === "object" &&
      SERVER_OWNED_IMAGE_FIELDS.some((f) => Object.hasOwn(img, f)),
  );
}

/**
 * Checks one seed-format record (also used for WatermelonDB records after decoding): table,
 * server-owned fields, prototype keys and depth, the schema, then the timestamps
 * (seconds → ms, clock-skew clamp). Never throws.
 */
export function checkRecord(table: string, raw: unknown, nowMs: number): Checked {
  const badTable = tableReason(table);
  if (badTable) return { ok: false, reason: badTable };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, reason: REASONS.INVALID_RECORD };
  }
  const push = table as PushTable;
  // Own-property checks only, so this is safe before the prototype-key scan; a server-owned
  // field is the more useful reason when a record has both problems.
  if (serverOwnedIn(push, raw as Record<string, unknown>)) {
    return { ok: false, reason: REASONS.SERVER_OWNED_FIELD };
  }
  const shape = inspectJson(raw, LIMITS.maxDepth);
  if (shape) return { ok: false, reason: shape };
  const validate = push === "patients" ? isPatientRecord : isCaseRecord;
  if (!validate(raw)) return { ok: false, reason: reasonOf(validate.errors) };
  const norm = normalizeTimestamps(raw, nowMs);
  if (!norm.ok) return norm;
  return { ok: true, table: push, record: norm.record, skewMs: norm.skewMs };
}
