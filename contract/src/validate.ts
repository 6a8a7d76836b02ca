import type { ErrorObject } from "ajv";
import { compiled } from "./compiled";
import { diagnosisRequestSchema, imageUploadRequestSchema } from "./case-images";
import type { DiagnosisRequest, ImageUploadRequest } from "./case-images";
import { KEY_PATTERN, LIMITS } from "./limits";
import { infoRequestBodySchema } from "./review";
import type { InfoRequestBody } from "./review";
import { REASONS } from "./records";
import type {
  CaseRecord,
  PatientRecord,
  PullQuery,
  Reason,
  SeedSyncRequest,
  SyncBatchDoc,
  WatermelonPushRequest,
} from "./records";
import {
  caseRecordSchema,
  patientRecordSchema,
  pullQuerySchema,
  seedSyncRequestSchema,
  syncBatchDocSchema,
  watermelonPushRequestSchema,
} from "./schemas";
import { chwWebConfigSchema, consoleConfigSchema } from "./web-config";
import type { ChwWebConfig, ConsoleConfig } from "./web-config";

/** Validates a `POST /v1/sync` envelope (records are checked one by one later). */
export const isSeedSyncRequest = compiled<SeedSyncRequest>(seedSyncRequestSchema);
/** Validates a `syncBatches` document envelope. */
export const isSyncBatchDoc = compiled<SyncBatchDoc>(syncBatchDocSchema);
/** Validates a WatermelonDB push envelope. */
export const isWatermelonPushRequest = compiled<WatermelonPushRequest>(watermelonPushRequestSchema);
/** Validates the pull (and push) query string. */
export const isPullQuery = compiled<PullQuery>(pullQuerySchema);
/** Validates one patient record. */
export const isPatientRecord = compiled<PatientRecord>(patientRecordSchema);
/** Validates one case record. */
export const isCaseRecord = compiled<CaseRecord>(caseRecordSchema);

/** Validates the body of `POST /v1/cases/{id}/images`. */
export const isImageUploadRequest = compiled<ImageUploadRequest>(imageUploadRequestSchema);
/** Validates the body of `POST /v1/cases/{id}/diagnoses`. */
export const isDiagnosisRequest = compiled<DiagnosisRequest>(diagnosisRequestSchema);
/** Body of `POST /v1/cases/{id}/requests` (a doctor's request to the CHW). */
export const isInfoRequestBody = compiled<InfoRequestBody>(infoRequestBodySchema);
/** Validates the clinician console's /config.json. */
export const isConsoleConfig = compiled<ConsoleConfig>(consoleConfigSchema);
/** Validates the config bundled into a CHW web app build. */
export const isChwWebConfig = compiled<ChwWebConfig>(chwWebConfigSchema);

/** Keys that could reach an object's prototype when copied carelessly: refused everywhere. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "prototype"]);

/** Bounds of a JSON walk (defaults: the per-record limits). */
export interface JsonBounds {
  maxDepth?: number;
  maxKeysPerObject?: number;
  /** Pattern every key must match. */
  keyPattern?: RegExp;
}

const keyPattern = new RegExp(KEY_PATTERN);
const ANY_KEY = /(?:)/;

/**
 * Walks a JSON value without recursion: FORBIDDEN_KEY for a prototype key at any depth,
 * TOO_DEEP past `maxDepth` levels of objects/arrays, TOO_MANY_KEYS for an object with more than
 * `maxKeysPerObject` keys, INVALID_KEY for a key that does not match the key pattern;
 * otherwise undefined.
 */
export function inspectJson(value: unknown, bounds: JsonBounds | number = {}): Reason | undefined {
  // A bare number bounds the depth only (prototype keys are always refused).
  const b: JsonBounds =
    typeof bounds === "number"
      ? { maxDepth: bounds, maxKeysPerObject: Number.MAX_SAFE_INTEGER, keyPattern: ANY_KEY }
      : bounds;
  const maxDepth = b.maxDepth ?? LIMITS.maxDepth;
  const maxKeys = b.maxKeysPerObject ?? LIMITS.maxKeysPerObject;
  const pattern = b.keyPattern ?? keyPattern;
  const stack: { v: unknown; d: number }[] = [{ v: value, d: 1 }];
  while (stack.length > 0) {
    const { v, d } = stack.pop() as { v: unknown; d: number };
    if (v === null || typeof v !== "object") continue;
    if (d > maxDepth) return REASONS.TOO_DEEP;
    if (Array.isArray(v)) {
      for (const item of v) stack.push({ v: item, d: d + 1 });
      continue;
    }
    const keys = Object.keys(v);
    for (const key of keys) if (FORBIDDEN_KEYS.has(key)) return REASONS.FORBIDDEN_KEY;
    if (keys.length > maxKeys) return REASONS.TOO_MANY_KEYS;
    for (const key of keys) {
      if (!pattern.test(key)) return REASONS.INVALID_KEY;
      stack.push({ v: (v as Record<string, unknown>)[key], d: d + 1 });
    }
  }
  return undefined;
}

/** Maps ajv's first error to a reason code (never ajv's text: it can echo values). */
export function reasonOf(errors: readonly ErrorObject[] | null | undefined): Reason {
  const first = errors?.[0];
  return first?.keyword === "additionalProperties" ? REASONS.UNKNOWN_FIELD : REASONS.INVALID_RECORD;
}

/** The first schema error as a safe, value-free hint: `/triage_data/symptoms: maxItems`. */
export function errorHint(errors: readonly ErrorObject[] | null | undefined): string {
  const first = errors?.[0];
  if (!first) return "invalid";
  const where = first.instancePath || "/";
  const extra =
    first.keyword === "additionalProperties"
      ? ` (${String((first.params as { additionalProperty?: unknown }).additionalProperty).slice(0, 64)})`
      : "";
  return `${where}: ${first.keyword}${extra}`;
}
