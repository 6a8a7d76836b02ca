import { LIMITS } from "./limits";
import { SERVER_OWNED_FIELDS, checkRecord, tableReason } from "./check-record";
import type { Checked } from "./check-record";
import { REASONS } from "./records";
import type { PushTable, WatermelonRaw } from "./records";

/*
 * The WatermelonDB edge of the contract (DESIGN.md §5): WatermelonDB columns are scalar, so the
 * object-valued fields travel as JSON strings. Pushed raw records also carry the device's own
 * bookkeeping (`_status`, `_changed`, `created_at`, `updated_at`) and every column the device
 * pulled, server-owned ones included: those are dropped here, not rejected, because a device
 * that edits a pulled record sends them back unchanged.
 */

/** Object-valued columns that travel JSON-encoded on the WatermelonDB routes. */
export const JSON_COLUMNS: Record<string, readonly string[]> = {
  patients: ["demographics"],
  cases: [
    "triage_data",
    "images",
    "ai_analysis",
    "analysis",
    "timeline",
    "review_claim",
    "info_request",
    "review_doctor_ids",
  ],
  diagnoses: ["prescription", "referral", "follow_up"],
};

/** CHW-owned columns a pushed record may carry, per table. */
const CHW_COLUMNS: Record<PushTable, readonly string[]> = {
  patients: ["id", "demographics", "last_modified_at", "deleted_at"],
  cases: [
    "id",
    "patient_id",
    "triage_data",
    "risk_level",
    "images",
    "last_modified_at",
    "deleted_at",
  ],
};

/** Device-local columns WatermelonDB adds; ignored on push. */
const DEVICE_COLUMNS = ["_status", "_changed", "created_at", "updated_at"];

/**
 * Turns a pushed WatermelonDB raw record into a checked record: device and server columns
 * dropped, JSON columns decoded, `updated_at` as the LWW time when `last_modified_at` is absent,
 * then the same checks as the seed format.
 */
export function fromWatermelonRaw(table: string, raw: WatermelonRaw, nowMs: number): Checked {
  const badTable = tableReason(table);
  if (badTable) return { ok: false, reason: badTable };
  const push = table as PushTable;
  const out: Record<string, unknown> = {};
  const jsonColumns = JSON_COLUMNS[push] ?? [];
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (DEVICE_COLUMNS.includes(key) || SERVER_OWNED_FIELDS[push].includes(key)) continue;
    if (!CHW_COLUMNS[push].includes(key)) {
      if (key === "__proto__" || key === "constructor" || key === "prototype") {
        return { ok: false, reason: REASONS.FORBIDDEN_KEY };
      }
      return { ok: false, reason: REASONS.UNKNOWN_FIELD };
    }
    if (jsonColumns.includes(key)) {
      if (typeof value !== "string" || value.length > LIMITS.maxJsonColumnChars) {
        return { ok: false, reason: REASONS.INVALID_JSON_COLUMN };
      }
      try {
        out[key] = JSON.parse(value) as unknown;
      } catch {
        return { ok: false, reason: REASONS.INVALID_JSON_COLUMN };
      }
      continue;
    }
    // WatermelonDB stores an unset optional number as null; absent and null mean the same.
    if (value === null && key === "deleted_at") continue;
    out[key] = value;
  }
  if (out.last_modified_at == null && typeof raw.updated_at === "number") {
    out.last_modified_at = raw.updated_at;
  }
  return checkRecord(push, out, nowMs);
}

/** Encodes a record for a WatermelonDB pull: object-valued fields become JSON strings. */
export function toWatermelonRaw(record: Record<string, unknown>): WatermelonRaw {
  const out: WatermelonRaw = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    if (value !== null && typeof value === "object") out[key] = JSON.stringify(value);
    else out[key] = value as string | number | boolean | null;
  }
  return out;
}
