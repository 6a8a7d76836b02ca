import { ID_PATTERN } from "./ids";
import { LIMITS } from "./limits";
import { normalizeTimestamps } from "./merge";
import type { ClientRecord } from "./merge";
import { PUSH_TABLES, REASONS, SYNC_TABLES } from "./records";
import type { PushTable, Reason } from "./records";
import { jsonBytes, splitRecord } from "./interop";
import { inspectJson, isCaseRecord, isPatientRecord, reasonOf } from "./validate";

/**
 * Fields only the server writes, per table. A client that sends one (typically an echo of what
 * it pulled) is not refused: the field is never stored and is named in `ignored_fields`.
 */
export const SERVER_OWNED_FIELDS: Record<PushTable, readonly string[]> = {
  patients: [
    "chw_id",
    "created_at",
    "created_seq",
    "server_updated_at",
    "server_seq",
    "key_order",
    "review_pending",
    "review_doctor_ids",
  ],
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
    "key_order",
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

/**
 * A checked record: validated, timestamps in ms and clamped, or the reason it was refused.
 * `ignored` names the top-level fields that were dropped (never stored).
 */
export type Checked =
  | { ok: true; table: PushTable; record: ClientRecord; skewMs: number; ignored?: string[] }
  | { ok: false; reason: Reason; ignored?: string[] };

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

/**
 * Checks one seed-format record (also used for WatermelonDB records after decoding): table,
 * prototype keys, depth, key counts and key pattern over the whole record; then the fields the
 * server does not store are dropped (bookkeeping silently, the rest named), the stored part's
 * size is bounded, the schema runs (open maps keep unknown keys), and the timestamps are
 * normalised (seconds → ms, clock-skew clamp). Never throws.
 */
export function checkRecord(table: string, raw: unknown, nowMs: number): Checked {
  const badTable = tableReason(table);
  if (badTable) return { ok: false, reason: badTable };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, reason: REASONS.INVALID_RECORD };
  }
  const push = table as PushTable;
  const shape = inspectJson(raw);
  if (shape) return { ok: false, reason: shape };
  const { record, ignored } = splitRecord(push, raw as Record<string, unknown>);
  const named = ignored.length > 0 ? { ignored } : {};
  if (jsonBytes(record) > LIMITS.maxRecordBytes) {
    return { ok: false, reason: REASONS.TOO_LARGE, ...named };
  }
  const validate = push === "patients" ? isPatientRecord : isCaseRecord;
  if (!validate(record)) return { ok: false, reason: reasonOf(validate.errors), ...named };
  const norm = normalizeTimestamps(record as unknown as ClientRecord, nowMs);
  if (!norm.ok) return { ...norm, ...named };
  return { ok: true, table: push, record: norm.record, skewMs: norm.skewMs, ...named };
}
