import { createHash } from "node:crypto";
import {
  LIMITS,
  canonicalJson,
  isSeedSyncRequest,
  isSyncBatchDoc,
  isWatermelonPushRequest,
} from "@dermadetect/contract";
import type {
  RecordResult,
  SeedSyncRequest,
  SyncBatchDoc,
  WatermelonPushRequest,
} from "@dermadetect/contract";
import { countRecords, seedItems, watermelonItems } from "../domain/batch-items";
import type { BatchItem } from "../domain/plan-batch";
import type { PullPage, SyncBatchOutcome, SyncSource, SyncStore } from "../domain/sync-store";
import { AppError, ErrorCode } from "../errors";
import { log } from "../logger";

/*
 * The sync core: what a batch and a pull mean, whichever way they arrive (POST /v1/sync,
 * POST /v1/sync/push, a `syncBatches` document). The HTTP routes and the `applySync` trigger
 * only parse their input and shape their answer; everything between goes through here, and
 * storage goes through the SyncStore port, so the whole path runs in unit tests against an
 * in-memory store.
 */

/** Wire format of a change set: the seed's JSON objects, or WatermelonDB's raw rows. */
export type ChangeFormat = "seed" | "watermelon";

/** Each envelope a batch can arrive in. */
export interface Envelopes {
  /** `POST /v1/sync`. */
  seed: SeedSyncRequest;
  /** `POST /v1/sync/push`. */
  watermelon: WatermelonPushRequest;
  /** A `syncBatches/{batch_id}` document. */
  outbox: SyncBatchDoc;
}

const envelope: {
  [K in keyof Envelopes]: {
    is: (v: unknown) => v is Envelopes[K];
    mismatch: string;
    /** The record-count message; the document route never echoed the count. */
    tooMany: (n: number) => string;
  };
} = {
  seed: {
    is: (v): v is SeedSyncRequest => isSeedSyncRequest(v),
    mismatch: "The body does not match the seed sync request",
    tooMany: (n) => `A batch may carry at most ${LIMITS.maxRecordsPerBatch} records (got ${n})`,
  },
  watermelon: {
    is: (v): v is WatermelonPushRequest => isWatermelonPushRequest(v),
    mismatch: "The body does not match the WatermelonDB push",
    tooMany: (n) => `A batch may carry at most ${LIMITS.maxRecordsPerBatch} records (got ${n})`,
  },
  outbox: {
    is: (v): v is SyncBatchDoc => isSyncBatchDoc(v),
    mismatch: "The document does not match {chw_id, device_id, changes}",
    tooMany: () => `A batch may carry at most ${LIMITS.maxRecordsPerBatch} records`,
  },
};

/**
 * Checks a batch envelope before anything is applied: the record count first (a clear 413
 * without validating 10,000 records), then the envelope's schema. Records themselves are
 * checked one by one later, so one bad record never fails its batch. Throws a coded AppError.
 */
export function checkEnvelope<K extends keyof Envelopes>(kind: K, body: unknown): Envelopes[K] {
  const spec = envelope[kind];
  const n = countRecords((body as { changes?: unknown } | null)?.changes);
  if (n > LIMITS.maxRecordsPerBatch)
    throw new AppError(ErrorCode.TOO_MANY_RECORDS, spec.tooMany(n));
  if (!spec.is(body)) throw new AppError(ErrorCode.BAD_REQUEST, spec.mismatch);
  return body;
}

/** A batch id derived from the content, for clients that send none: a resend is a replay. */
export function derivedBatchId(prefix: string, content: unknown): string {
  return `${prefix}-${createHash("sha256").update(canonicalJson(content)).digest("hex").slice(0, 40)}`;
}

/** One batch as the core receives it, from any route. */
export interface ReceivedBatch {
  format: ChangeFormat;
  chwId: string;
  /** The client's batch id; absent for clients that send none (derived from the content). */
  batchId?: string;
  /** The seed change set, or WatermelonDB's `changes` (already envelope-checked). */
  changes: SeedSyncRequest["changes"] | WatermelonPushRequest["changes"];
  /** The seed format's device id, part of the derived batch id. */
  deviceId?: string;
  source: SyncSource;
  requestId: string;
  nowMs: number;
  /** The outbox document is the batch's receipt (SyncBatchInput.outboxReceipt). */
  outboxReceipt?: { retentionMs: number };
}

function itemsOf(batch: ReceivedBatch): BatchItem[] {
  return batch.format === "seed"
    ? seedItems(batch.changes as Record<string, unknown[]>, batch.nowMs)
    : watermelonItems(batch.changes as WatermelonPushRequest["changes"], batch.nowMs);
}

function batchIdOf(batch: ReceivedBatch): string {
  if (batch.batchId !== undefined) return batch.batchId;
  return batch.format === "seed"
    ? derivedBatchId("auto", { d: batch.deviceId, c: batch.changes })
    : derivedBatchId("wmdb", batch.changes);
}

/**
 * Applies one batch: builds the checked items (every record gets one, so results line up with
 * what was sent), applies them through the store and logs the tally (counts only: never
 * record contents).
 */
export async function receiveBatch(
  store: SyncStore,
  batch: ReceivedBatch,
): Promise<SyncBatchOutcome> {
  const started = Date.now();
  const items = itemsOf(batch);
  const batchId = batchIdOf(batch);
  const out = await store.applyBatch({
    chwId: batch.chwId,
    batchId,
    items,
    source: batch.source,
    requestId: batch.requestId,
    nowMs: batch.nowMs,
    ...(batch.outboxReceipt && { outboxReceipt: batch.outboxReceipt }),
  });
  const tally = (o: RecordResult["outcome"]) => out.results.filter((r) => r.outcome === o).length;
  log.info("sync batch", {
    request_id: batch.requestId,
    uid: batch.chwId,
    batch_id: batchId,
    stage: batch.source,
    record_count: items.length,
    applied: tally("applied"),
    duplicate: tally("duplicate"),
    stale: tally("stale"),
    rejected: tally("rejected"),
    outcome: out.replayed ? "replayed" : "applied",
    transaction_attempts: out.attempts,
    duration_ms: Date.now() - started,
  });
  return out;
}

/**
 * Echo suppression for push-then-pull (`POST /v1/sync`): when nothing but this request changed
 * the scope since the device's cursor, the pull starts after this request's own writes (their
 * seqs are in `results`).
 */
export function cursorAfterOwnWrites(out: SyncBatchOutcome, cursor: number): number {
  return out.ownSpan && out.ownSpan.from === cursor ? out.ownSpan.to : cursor;
}

/** One pull as the core receives it. */
export interface PullRequest {
  chwId: string;
  cursor: number;
  limit: number;
  /** The audit action, e.g. `sync.pull.https`. */
  action: string;
  requestId: string;
}

/**
 * Reads one pull page, notes the diagnoses it carries back to the device, and audits the read
 * (ids only; an empty page reads no patient data and is not audited).
 */
export async function pullChanges(store: SyncStore, pull: PullRequest): Promise<PullPage> {
  const page = await store.pullPage(pull.chwId, pull.cursor, pull.limit);
  await store.noteDeliveries(pull.chwId, page.records.diagnoses, pull.requestId);
  const ids = [...page.records.patients, ...page.records.cases, ...page.records.diagnoses].map(
    (r) => String(r.id),
  );
  if (ids.length > 0) {
    await store.auditPull({
      chwId: pull.chwId,
      action: pull.action,
      ids,
      requestId: pull.requestId,
    });
  }
  return page;
}
