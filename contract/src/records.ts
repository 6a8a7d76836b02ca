/**
 * Record shapes of the sync contract (docs/design.md §5, docs/sync-protocol.md). "Client" shapes are
 * what a device sends; "stored" shapes add the server-owned fields the server keeps.
 */

/** Tables a device syncs. `diagnoses` is pulled only: CHWs never push diagnoses. */
export const SYNC_TABLES = ["patients", "cases", "diagnoses"] as const;
/** One of the synced tables. */
export type SyncTable = (typeof SYNC_TABLES)[number];
/** Tables a CHW may push changes to. */
export const PUSH_TABLES = ["patients", "cases"] as const;
/** One of the tables a CHW pushes. */
export type PushTable = (typeof PUSH_TABLES)[number];

/** Risk levels; RED is high risk. */
export const RISK_LEVELS = ["RED", "YELLOW", "GREEN"] as const;
/** A triage risk level. */
export type RiskLevel = (typeof RISK_LEVELS)[number];

/** Server-owned case status. */
export const CASE_STATUSES = ["TRIAGED", "PENDING_DIAGNOSIS", "DIAGNOSED"] as const;
/** A case status. */
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** Image content types accepted, with the object-key extension each maps to. */
export const IMAGE_TYPES = {
  "image/jpeg": "jpg",
  "image/png": "png",
  "image/webp": "webp",
} as const;
/** An accepted image content type. */
export type ImageContentType = keyof typeof IMAGE_TYPES;

/** States of one image on a case (docs/design.md §7). */
export const IMAGE_STATES = ["queued", "uploaded", "verified", "rejected", "analysed"] as const;
/** An image state. */
export type ImageState = (typeof IMAGE_STATES)[number];

/**
 * An open map as stored and pulled: the typed keys plus whatever keys a newer app added, kept
 * verbatim (docs/sync-protocol.md "Compatibility"). The plain interfaces below name the keys
 * this version knows; read a pulled map as `Open<Demographics>` to reach the others.
 */
export type Open<T> = T & Record<string, unknown>;

/** Patient demographics (CHW-owned). */
export interface Demographics {
  name: string;
  sex: "female" | "male" | "other" | "unknown";
  age_years: number;
  village: string;
  phone?: string;
}

/** A patient as a device sends it. Timestamps are epoch ms (seconds accepted on input). */
export interface PatientRecord {
  id: string;
  demographics: Demographics;
  last_modified_at: number;
  deleted_at?: number | null;
}

/** Features of the lesion the CHW recorded (the ABCDE signs and size). */
export interface LesionFeatures {
  diameter_mm?: number;
  asymmetry?: boolean;
  border_irregular?: boolean;
  color_variegated?: boolean;
  evolving?: boolean;
  bleeding?: boolean;
  ulcerated?: boolean;
  rapid_change?: boolean;
}

/** What the on-device triage computed (provenance travels with the case). */
export interface OnDeviceTriage {
  model_id: string;
  model_version: string;
  /** True when the model's metadata marks it a test fixture ("demo model — not for clinical use"). */
  fixture: boolean;
  risk_level: RiskLevel;
  rules_risk_level?: RiskLevel;
  scores?: { label: string; score: number }[];
  rules_fired?: string[];
  computed_at?: number;
}

/** The CHW's triage answers. */
export interface TriageData {
  body_site: string;
  duration_days: number;
  symptoms: string[];
  danger_signs: string[];
  notes?: string;
  lesion?: LesionFeatures;
  on_device?: OnDeviceTriage;
}

/** An image as the device lists it on a case. */
export interface ImageRef {
  sha256: string;
  content_type: ImageContentType;
  bytes: number;
}

/** A case as a device sends it. */
export interface CaseRecord {
  id: string;
  patient_id: string;
  triage_data: TriageData;
  risk_level: RiskLevel;
  /** The photos the device holds for the case; absent means none yet. */
  images?: ImageRef[];
  last_modified_at: number;
  deleted_at?: number | null;
}

/** An image entry as the server stores it: the device's fields plus server state. */
export interface StoredImage extends ImageRef {
  state: ImageState;
  image_key: string;
  reason?: string;
}

/** Seed-format change set (`POST /v1/sync` and `syncBatches.changes`). */
export interface SeedChanges {
  patients?: PatientRecord[];
  cases?: CaseRecord[];
}

/** Body of `POST /v1/sync`. `last_sync_timestamp` is the server cursor from the last answer. */
export interface SeedSyncRequest {
  batch_id?: string;
  device_id?: string;
  last_sync_timestamp: number | null;
  changes: SeedChanges;
}

/** A `syncBatches/{batch_id}` document as the device creates it. */
export interface SyncBatchDoc {
  chw_id: string;
  device_id: string;
  changes: SeedChanges;
}

/** A WatermelonDB raw record as pushed (object columns JSON-encoded, `_status`/`_changed` ignored). */
export type WatermelonRaw = Record<string, string | number | boolean | null>;

/** One table's WatermelonDB change set. */
export interface WatermelonTableChanges {
  created: WatermelonRaw[];
  updated: WatermelonRaw[];
  deleted: string[];
}

/** Body of `POST /v1/sync/push`. */
export interface WatermelonPushRequest {
  changes: Record<string, WatermelonTableChanges>;
}

/** Query of `GET /v1/sync/pull` (all values arrive as strings). */
export interface PullQuery {
  last_pulled_at?: string;
  schema_version?: string;
  migration?: string;
  limit?: string;
}

/** Per-record outcomes (docs/design.md §5). */
export const OUTCOMES = ["applied", "duplicate", "stale", "rejected"] as const;
/** A per-record outcome. */
export type Outcome = (typeof OUTCOMES)[number];

/**
 * Reason codes that accompany outcomes (docs/sync-protocol.md §Outcomes). Rejections say what
 * to fix; stale and duplicate say why nothing was written; applied may say the time was clamped.
 */
export const REASONS = {
  /** rejected: a field has the wrong type, a value is out of bounds, or a required field is missing. */
  INVALID_RECORD: "INVALID_RECORD",
  /**
   * Kept for old clients that match on it; no longer returned: an unknown top-level field is
   * ignored and named in `ignored_fields`, unknown keys inside the open maps are kept.
   */
  UNKNOWN_FIELD: "UNKNOWN_FIELD",
  /**
   * Kept for old clients that match on it; no longer returned: a server-owned field a client
   * sends (often an echo of what it pulled) is never stored and is named in `ignored_fields`.
   */
  SERVER_OWNED_FIELD: "SERVER_OWNED_FIELD",
  /** rejected: a `__proto__`, `constructor` or `prototype` key anywhere in the record. */
  FORBIDDEN_KEY: "FORBIDDEN_KEY",
  /** rejected: the record nests deeper than the contract allows (`LIMITS.maxDepth` levels). */
  TOO_DEEP: "TOO_DEEP",
  /** rejected: the record's stored JSON is larger than `LIMITS.maxRecordBytes`. */
  TOO_LARGE: "TOO_LARGE",
  /** rejected: an object inside the record has more than `LIMITS.maxKeysPerObject` keys. */
  TOO_MANY_KEYS: "TOO_MANY_KEYS",
  /** rejected: a key inside an open map does not match `KEY_PATTERN`. */
  INVALID_KEY: "INVALID_KEY",
  /** rejected: a JSON-string column (WatermelonDB routes) is not valid JSON. */
  INVALID_JSON_COLUMN: "INVALID_JSON_COLUMN",
  /** rejected: the table is not one the contract knows. */
  UNKNOWN_TABLE: "UNKNOWN_TABLE",
  /** rejected: the table is pull-only for this role (diagnoses from a CHW). */
  READ_ONLY_TABLE: "READ_ONLY_TABLE",
  /** rejected: a timestamp is negative, before 2015, or otherwise unusable. */
  INVALID_TIMESTAMP: "INVALID_TIMESTAMP",
  /** rejected: the id belongs to another CHW's record; nothing was changed. */
  NOT_OWNER: "NOT_OWNER",
  /** rejected: the case points at a patient of another CHW. */
  PATIENT_NOT_OWNED: "PATIENT_NOT_OWNED",
  /** stale: the server holds a newer version (by last_modified_at). */
  OLDER_THAN_STORED: "OLDER_THAN_STORED",
  /** stale: same last_modified_at, and the deterministic tie-break kept the stored version. */
  TIE_LOST: "TIE_LOST",
  /** stale: the record is deleted; deletes win and a tombstone is never resurrected. */
  DELETED: "DELETED",
  /** duplicate: the server already holds exactly this version. */
  SAME_VERSION: "SAME_VERSION",
  /** duplicate: a delete of a record the server never had (WatermelonDB rule: ignored). */
  DELETE_OF_MISSING: "DELETE_OF_MISSING",
  /** applied: a timestamp was ahead of server time by more than 5 minutes and was clamped. */
  CLOCK_SKEW_CLAMPED: "CLOCK_SKEW_CLAMPED",
} as const;
/** A reason code. */
export type Reason = (typeof REASONS)[keyof typeof REASONS];

/** One per-record result. `id` is `#<index>` when the record carried no usable id. */
export interface RecordResult {
  table: string;
  id: string;
  outcome: Outcome;
  reason?: Reason;
  /** The record's `server_seq` after an applied write. */
  server_seq?: number;
  /**
   * Top-level fields of the record that were not stored: unknown to this server (a newer app's
   * column) or server-owned. `images[].<key>` names a key dropped from an image entry.
   */
  ignored_fields?: string[];
}
