import type { Manifest, RecordResult, SyncTable } from "@dermadetect/contract";
import type { BatchItem } from "./plan-batch";

/*
 * The port the sync core talks to. The core (functions/src/sync/) decides what a batch or a
 * pull means; a SyncStore is where records, receipts, audit entries and delivery stamps live.
 * Production uses the Firestore adapter (adapters/sync-store.ts); unit tests use an in-memory
 * one, so every route and the outbox trigger can be exercised without an emulator.
 */

/** Where a batch came from (recorded in audit entries and logs). */
export type SyncSource = "https" | "watermelon" | "outbox";

/** A batch ready to apply: checked records plus who sent it. */
export interface SyncBatchInput {
  chwId: string;
  /** Client batch id (or a content hash for clients that send none); the idempotency key. */
  batchId: string;
  items: readonly BatchItem[];
  source: SyncSource;
  requestId: string;
  nowMs: number;
  /**
   * The batch arrived as the outbox document `syncBatches/{batchId}`, which is then its receipt:
   * the outcome is written onto it in the same commit as the records (kept `retentionMs`), and
   * no separate receipt is written. Only a batch applied in one chunk; otherwise the receipts are
   * separate and `resultWritten` is false, and the caller writes the outcome back.
   */
  outboxReceipt?: { retentionMs: number };
}

/** What applying a batch answers. */
export interface SyncBatchOutcome {
  results: RecordResult[];
  /** Largest clock skew among the batch's records (ms), 0 when nothing was clamped. */
  clockSkewMs: number;
  /** True when every chunk had been applied before (a replay): nothing was written. */
  replayed: boolean;
  /**
   * When this request's writes took the scope from seq `from` to `to` with nothing else in
   * between (and no stale re-stamps), every change in (from, to] is the caller's own, so a
   * device whose cursor is `from` may skip to `to` (the results carry each record's server_seq).
   */
  ownSpan?: { from: number; to: number };
  /**
   * Transaction attempts the batch took over all its chunks (one per chunk when nothing
   * contended): more means another writer of the scope held it meanwhile (docs/hot-spots.md).
   */
  attempts?: number;
  /** True when the outbox document already carries this outcome (`outboxReceipt`). */
  resultWritten?: boolean;
}

/** One pull page of a CHW's scope. */
export interface PullPage {
  records: Record<SyncTable, Record<string, unknown>[]>;
  /** The cursor to send next time: every change with server_seq ≤ cursor is in this or earlier pages. */
  cursor: number;
  /** True when more changes remain beyond `cursor`: pull again. */
  hasMore: boolean;
  manifest: Manifest;
}

/** A read of patient data, for the audit log (ids only, never contents). */
export interface PullAudit {
  chwId: string;
  action: string;
  ids: string[];
  requestId: string;
}

/** Everything the sync core needs from storage. */
export interface SyncStore {
  /** Applies a batch atomically per chunk and idempotently per `batchId` (a resend is a replay). */
  applyBatch(batch: SyncBatchInput): Promise<SyncBatchOutcome>;
  /** The changes of a CHW's scope after `cursor`, at most `limit` records, one consistent view. */
  pullPage(chwId: string, cursor: number, limit: number): Promise<PullPage>;
  /** Records a pull of patient data; a failure fails the pull (nothing is served unaudited). */
  auditPull(entry: PullAudit): Promise<void>;
  /** Notes that these diagnoses reached the CHW's device; never fails (a lost stamp is logged). */
  noteDeliveries(
    chwId: string,
    diagnoses: ReadonlyArray<Record<string, unknown>>,
    requestId: string,
  ): Promise<void>;
}
