import { ID_PATTERN, TOKEN_PATTERN } from "./ids";
import { LIMITS } from "./limits";
import { closedObject, openObject } from "./json-schema";
import { IMAGE_TYPES, RISK_LEVELS } from "./records";

/*
 * JSON Schemas of every sync payload (docs/design.md §2: additionalProperties false, bounds on every
 * string, array and number). Envelopes and records are separate schemas on purpose: the envelope
 * is checked first (a bad envelope is a 400), then each record on its own, so one bad record is
 * rejected with a reason while the rest of the batch still applies.
 */

const id = { type: "string", pattern: ID_PATTERN, minLength: 1, maxLength: 64 } as const;
const token = { type: "string", pattern: TOKEN_PATTERN, minLength: 1, maxLength: 128 } as const;
const timestamp = { type: "number", minimum: 0, maximum: LIMITS.maxTimestampMs } as const;
const nullableTimestamp = {
  type: ["number", "null"],
  minimum: 0,
  maximum: LIMITS.maxTimestampMs,
} as const;
const label = { type: "string", minLength: 1, maxLength: 64 } as const;
const risk = { type: "string", enum: [...RISK_LEVELS] } as const;
const yesNo = { type: "boolean" } as const;

/** Patient demographics. */
export const demographicsSchema = {
  $id: "demographics",
  // Open (docs/sync-protocol.md "Compatibility"): a newer app's keys are kept; depth, key count,
  // key pattern and record size are bounded by checkRecord before the schema runs.
  ...openObject(["name", "sex", "age_years", "village"], {
    name: { type: "string", minLength: 1, maxLength: 200 },
    sex: { type: "string", enum: ["female", "male", "other", "unknown"] },
    age_years: { type: "integer", minimum: 0, maximum: 130 },
    village: { type: "string", minLength: 1, maxLength: 200 },
    phone: { type: "string", pattern: "^[+0-9 ()-]{3,32}$", minLength: 3, maxLength: 32 },
  }),
} as const;

/** A patient record (seed format / syncBatches; WatermelonDB records after JSON decoding). */
export const patientRecordSchema = {
  $id: "patient-record",
  ...closedObject(["id", "demographics", "last_modified_at"], {
    id,
    demographics: { $ref: "demographics" },
    last_modified_at: timestamp,
    deleted_at: nullableTimestamp,
  }),
} as const;

/** The CHW's triage answers. */
export const triageDataSchema = {
  $id: "triage-data",
  ...openObject(["body_site", "duration_days", "symptoms", "danger_signs"], {
    body_site: label,
    duration_days: { type: "integer", minimum: 0, maximum: 36_500 },
    symptoms: { type: "array", maxItems: 32, items: label },
    danger_signs: { type: "array", maxItems: 32, items: label },
    notes: { type: "string", maxLength: 2000 },
    lesion: openObject({
      diameter_mm: { type: "number", minimum: 0, maximum: 1000 },
      asymmetry: yesNo,
      border_irregular: yesNo,
      color_variegated: yesNo,
      evolving: yesNo,
      bleeding: yesNo,
      ulcerated: yesNo,
      rapid_change: yesNo,
    }),
    on_device: openObject(["model_id", "model_version", "fixture", "risk_level"], {
      model_id: { type: "string", minLength: 1, maxLength: 128 },
      model_version: label,
      fixture: yesNo,
      risk_level: risk,
      rules_risk_level: risk,
      scores: {
        type: "array",
        maxItems: 32,
        items: openObject(["label", "score"], {
          label,
          score: { type: "number", minimum: 0, maximum: 1 },
        }),
      },
      rules_fired: { type: "array", maxItems: 32, items: label },
      computed_at: timestamp,
    }),
  }),
} as const;

/** An image as the device lists it on a case. */
export const imageRefSchema = {
  $id: "image-ref",
  ...closedObject(["sha256", "content_type", "bytes"], {
    sha256: { type: "string", pattern: "^[0-9a-f]{64}$", minLength: 64, maxLength: 64 },
    content_type: { type: "string", enum: Object.keys(IMAGE_TYPES) },
    bytes: { type: "integer", minimum: 1, maximum: LIMITS.maxImageBytes },
  }),
} as const;

/** A case record (seed format / syncBatches; WatermelonDB records after JSON decoding). */
export const caseRecordSchema = {
  $id: "case-record",
  // `images` is optional: absent means no photos yet (the stored list is kept as it is).
  ...closedObject(["id", "patient_id", "triage_data", "risk_level", "last_modified_at"], {
    id,
    patient_id: id,
    triage_data: { $ref: "triage-data" },
    risk_level: risk,
    images: {
      type: "array",
      maxItems: LIMITS.maxImagesPerCase,
      items: { $ref: "image-ref" },
    },
    last_modified_at: timestamp,
    deleted_at: nullableTimestamp,
  }),
} as const;

/**
 * Any record in an envelope: only its outer shape; each is validated on its own later. The
 * envelope's bound sits above the per-record one, so a record with too many keys is rejected
 * alone (TOO_MANY_KEYS) while its siblings apply.
 */
const recordSlot = { type: "object", maxProperties: 4 * LIMITS.maxKeysPerObject } as const;
const recordList = {
  type: "array",
  maxItems: LIMITS.maxRecordsPerBatch,
  items: recordSlot,
} as const;

/**
 * Seed-format change set. Known tables are listed; other table names are allowed through the
 * envelope (bounded) so their records can be rejected one by one with UNKNOWN_TABLE.
 */
export const seedChangesSchema = {
  $id: "seed-changes",
  type: "object",
  maxProperties: 8,
  propertyNames: { type: "string", pattern: "^[a-z_]{1,32}$", maxLength: 32 },
  additionalProperties: recordList,
  properties: { patients: recordList, cases: recordList },
} as const;

/** Body of `POST /v1/sync`. */
export const seedSyncRequestSchema = {
  $id: "seed-sync-request",
  ...closedObject(["last_sync_timestamp", "changes"], {
    batch_id: token,
    device_id: token,
    last_sync_timestamp: {
      type: ["integer", "null"],
      minimum: 0,
      maximum: Number.MAX_SAFE_INTEGER,
    },
    changes: { $ref: "seed-changes" },
  }),
} as const;

/** A `syncBatches/{batch_id}` document exactly as a device creates it. */
export const syncBatchDocSchema = {
  $id: "sync-batch-doc",
  ...closedObject(["chw_id", "device_id", "changes"], {
    chw_id: { type: "string", minLength: 1, maxLength: 128, pattern: "^[^/]+$" },
    device_id: token,
    changes: { $ref: "seed-changes" },
  }),
} as const;

/**
 * A WatermelonDB raw record's outer shape: flat scalar columns only. Bounds sit above the
 * per-record ones (keys, column size), so an oversize record is rejected alone.
 */
const watermelonRaw = {
  type: "object",
  maxProperties: 4 * LIMITS.maxKeysPerObject,
  propertyNames: { type: "string", minLength: 1, maxLength: 64 },
  additionalProperties: {
    type: ["string", "number", "boolean", "null"],
    maxLength: 4 * LIMITS.maxJsonColumnChars,
    minimum: -LIMITS.maxTimestampMs,
    maximum: LIMITS.maxTimestampMs,
  },
} as const;

/** One table of a WatermelonDB push. */
export const watermelonTableChangesSchema = {
  $id: "watermelon-table-changes",
  ...closedObject(["created", "updated", "deleted"], {
    created: { type: "array", maxItems: LIMITS.maxRecordsPerBatch, items: watermelonRaw },
    updated: { type: "array", maxItems: LIMITS.maxRecordsPerBatch, items: watermelonRaw },
    deleted: {
      type: "array",
      maxItems: LIMITS.maxRecordsPerBatch,
      items: { type: "string", minLength: 1, maxLength: 128 },
    },
  }),
} as const;

/** Body of `POST /v1/sync/push` (WatermelonDB protocol). */
export const watermelonPushRequestSchema = {
  $id: "watermelon-push-request",
  ...closedObject(["changes"], {
    changes: {
      type: "object",
      maxProperties: 8,
      propertyNames: { type: "string", pattern: "^[a-z_]{1,32}$", maxLength: 32 },
      additionalProperties: { $ref: "watermelon-table-changes" },
    },
  }),
} as const;

/** Query of `GET /v1/sync/pull` and `POST /v1/sync/push` (strings, as they arrive). */
export const pullQuerySchema = {
  $id: "pull-query",
  ...closedObject({
    last_pulled_at: { type: "string", pattern: "^(null|0|[1-9][0-9]{0,15})$", maxLength: 16 },
    schema_version: { type: "string", pattern: "^[0-9]{1,6}$", maxLength: 6 },
    migration: { type: "string", maxLength: 2000 },
    limit: { type: "string", pattern: "^[1-9][0-9]{0,3}$", maxLength: 4 },
  }),
} as const;

/** Every schema, for registering with one ajv instance. */
export const ALL_SCHEMAS = [
  demographicsSchema,
  patientRecordSchema,
  triageDataSchema,
  imageRefSchema,
  caseRecordSchema,
  seedChangesSchema,
  seedSyncRequestSchema,
  syncBatchDocSchema,
  watermelonTableChangesSchema,
  watermelonPushRequestSchema,
  pullQuerySchema,
] as const;
