import { LIMITS } from "./limits";
import { SERVER_OWNED_FIELDS, checkRecord, tableReason } from "./check-record";
import type { Checked } from "./check-record";
import { CHW_FIELDS } from "./interop";
import { REASONS } from "./records";
import type { PushTable, WatermelonRaw } from "./records";

/*
 * The WatermelonDB edge of the contract (docs/design.md §5): WatermelonDB columns are scalar, so the
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

/** Device-local columns WatermelonDB adds; dropped silently on push. */
const DEVICE_COLUMNS = ["_status", "_changed", "created_at", "updated_at"];

/**
 * Turns a pushed WatermelonDB raw record into a checked record: device columns and the
 * server-owned columns a device pulled and sends back are dropped silently (WatermelonDB pushes
 * every column of its schema), JSON columns decoded, `updated_at` as the LWW time when
 * `last_modified_at` is absent, then the same checks as the seed format, which name any other
 * column (a newer app's) in `ignored_fields`.
 */
export function fromWatermelonRaw(table: string, raw: WatermelonRaw, nowMs: number): Checked {
  const badTable = tableReason(table);
  if (badTable) return { ok: false, reason: badTable };
  const push = table as PushTable;
  const out: Record<string, unknown> = {};
  const jsonColumns = JSON_COLUMNS[push] ?? [];
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    if (key === "__proto__" || key === "constructor" || key === "prototype") {
      return { ok: false, reason: REASONS.FORBIDDEN_KEY };
    }
    if (DEVICE_COLUMNS.includes(key) || SERVER_OWNED_FIELDS[push].includes(key)) continue;
    if (jsonColumns.includes(key) && CHW_FIELDS[push].includes(key)) {
      if (typeof value !== "string") return { ok: false, reason: REASONS.INVALID_JSON_COLUMN };
      if (value.length > LIMITS.maxJsonColumnChars) return { ok: false, reason: REASONS.TOO_LARGE };
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

/**
 * The WatermelonDB schema versions this server knows (docs/sync-protocol.md "Compatibility"):
 * the columns each version added, per table. A device pulls with `schema_version=<n>`; columns
 * added after its version are not sent (WatermelonDB would drop them anyway, and they cost
 * bytes), everything else is. A device newer than the server gets every column there is.
 */
export const WATERMELON_COLUMNS_ADDED: Record<
  number,
  Partial<Record<string, readonly string[]>>
> = {
  1: {},
  2: {
    cases: ["info_request", "review_state"],
    diagnoses: ["referral", "follow_up", "amends", "doctor_name"],
  },
};

/** The newest WatermelonDB schema version the server serves. */
export const WATERMELON_SCHEMA_VERSION = Math.max(
  ...Object.keys(WATERMELON_COLUMNS_ADDED).map(Number),
);

/** A pulled record without the columns a device on `version` does not have. */
export function forSchemaVersion(
  table: string,
  record: Record<string, unknown>,
  version: number,
): Record<string, unknown> {
  if (version >= WATERMELON_SCHEMA_VERSION) return record;
  const out = { ...record };
  for (const [v, tables] of Object.entries(WATERMELON_COLUMNS_ADDED)) {
    if (Number(v) <= version) continue;
    for (const column of tables[table] ?? []) delete out[column];
  }
  return out;
}
