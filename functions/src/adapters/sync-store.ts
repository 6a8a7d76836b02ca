import { FieldValue, Timestamp } from "firebase-admin/firestore";
import type {
  DocumentData,
  DocumentReference,
  DocumentSnapshot,
  Firestore,
  Transaction,
} from "firebase-admin/firestore";
import { LIMITS, pullView } from "@dermadetect/contract";
import type { RecordResult, SyncTable } from "@dermadetect/contract";
import { chunkItems, docsToRead, planBatch } from "../domain/plan-batch";
import type { BatchItem, PlannedWrite, StoredDoc } from "../domain/plan-batch";
import type { PullPage, SyncBatchInput, SyncBatchOutcome, SyncStore } from "../domain/sync-store";
import { jobKeyFor, jobsExist, requestAnalysis } from "./analysis-jobs";
import { auditRead, writeAudit } from "./audit";
import { noteDiagnosisDeliveries } from "./diagnosis-delivery";
import { chwCaseReview } from "./case-review";
import { ScopeWriter, scopeRef } from "./scope-writer";
import type { ScopeDoc } from "./scope-writer";

/*
 * The Firestore SyncStore (the port is in domain/sync-store.ts). The effectful half of applySyncBatch: one Firestore transaction per chunk that reads the
 * receipt, the scope and the chunk's documents, lets the pure planner decide, then writes the
 * records (ScopeWriter), analysis jobs (outbox), the receipt and an audit entry together.
 * Transaction bodies may run more than once, so they only read, compute and queue writes:
 * no logging, no publishing, no mutation of anything outside the body.
 */

/** `syncReceipts/{chw_id}__{batch_id}`, with `__c{n}` per chunk for multi-chunk batches. */
export function receiptId(chwId: string, batchId: string, chunk: number, chunks: number): string {
  const base = `${chwId}__${batchId}`;
  return chunks > 1 ? `${base}__c${chunk}` : base;
}

/** Batch ids the security rules admit for outbox documents: only these can have one. */
const OUTBOX_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * `syncBatches/{batch_id}`, where an outbox batch of one chunk keeps its outcome: that document
 * is its receipt, for a redelivery of the trigger and for the same batch sent over HTTP.
 */
function outboxDocRef(db: Firestore, batchId: string): DocumentReference | undefined {
  return OUTBOX_ID.test(batchId) ? db.doc(`syncBatches/${batchId}`) : undefined;
}

/** The outcome an outbox document carries, when the sync core applied it for this CHW. */
function outboxReplay(snap: DocumentSnapshot | undefined, chwId: string): ChunkOutcome | undefined {
  if (!snap?.exists) return undefined;
  const d = snap.data() as DocumentData;
  if (d.chw_id !== chwId || d.status !== "applied" || !Array.isArray(d.results)) return undefined;
  return {
    results: d.results as RecordResult[],
    skewMs: Number(d.clock_skew_ms ?? 0),
    replayed: true,
    touched: 0,
    attempts: 0,
    resultWritten: true,
  };
}

interface ReceiptDoc {
  chw_id: string;
  batch_id: string;
  chunk: number;
  chunks: number;
  results: RecordResult[];
  clock_skew_ms: number;
  created_at: FieldValue;
  expire_at: Timestamp;
}

/**
 * Applies a batch through the one core every route uses: one transaction per chunk (a chunk is
 * the whole batch unless its writes would exceed one transaction), each atomic and idempotent
 * through its receipt, in batch order.
 */
export async function applySyncBatch(
  db: Firestore,
  batch: SyncBatchInput,
  options: ApplyOptions = {},
): Promise<SyncBatchOutcome> {
  const chunks = chunkItems(batch.items, options.maxTransactionBytes ?? LIMITS.maxTransactionBytes);
  const results: RecordResult[] = [];
  let clockSkewMs = 0;
  let replayed = true;
  let span: { from: number; to: number } | undefined;
  let contiguous = true;
  let attempts = 0;
  // A batch of one chunk may have been applied as an outbox document (any route checks it);
  // an outbox batch of one chunk keeps its outcome there instead of in a receipt.
  const outboxRef = chunks.length === 1 ? outboxDocRef(db, batch.batchId) : undefined;
  let resultWritten = false;
  for (const [n, items] of chunks.entries()) {
    const receiptRef = db.doc(
      `syncReceipts/${receiptId(batch.chwId, batch.batchId, n, chunks.length)}`,
    );
    const out = await runChunk(
      { db, batch, items, receiptRef, outboxRef, chunk: n, chunks: chunks.length },
      options,
    );
    resultWritten = out.resultWritten === true && batch.outboxReceipt !== undefined;
    results.push(...out.results);
    attempts += out.attempts;
    clockSkewMs = Math.max(clockSkewMs, out.skewMs);
    replayed &&= out.replayed;
    if (!out.seqs || out.touched > 0 || (span && span.to !== out.seqs.from)) contiguous = false;
    else span = { from: span?.from ?? out.seqs.from, to: out.seqs.to };
  }
  return {
    results,
    clockSkewMs,
    replayed,
    ownSpan: contiguous ? span : undefined,
    attempts,
    ...(resultWritten && { resultWritten }),
  };
}

interface ChunkOutcome {
  results: RecordResult[];
  skewMs: number;
  replayed: boolean;
  /** The scope's seq before and after this chunk (absent on replay). */
  seqs?: { from: number; to: number };
  touched: number;
  /** Transaction attempts (0 for a replay answered from the receipt before any transaction). */
  attempts: number;
  /** The outbox document carries this outcome (written with the chunk, or read from it). */
  resultWritten?: boolean;
}

/** One chunk being applied: the batch it belongs to, its items, and its receipt. */
interface ChunkRun {
  db: Firestore;
  batch: SyncBatchInput;
  items: readonly BatchItem[];
  receiptRef: DocumentReference;
  /** The batch's outbox document, for a batch of one chunk whose id could name one. */
  outboxRef: DocumentReference | undefined;
  /** This chunk's index and the batch's chunk count (recorded on the receipt). */
  chunk: number;
  chunks: number;
}

/** The chunk's documents as read before its transaction, and the scope version they belong to. */
interface PreRead {
  scopeVersion: string | undefined;
  have: Map<string, StoredDoc>;
}

/** Test seams: a smaller transaction budget, and a hook between a chunk's pre-read and its transaction. */
export interface ApplyOptions {
  maxTransactionBytes?: number;
  afterPreRead?: (chunk: number) => Promise<void>;
}

/**
 * A reconnect burst queues dozens of one CHW's batches on its one scope document; each waits
 * for the one before it. The SDK's default of 5 attempts can run out behind a queue that long,
 * failing a batch that only had to wait its turn (docs/hot-spots.md).
 */
const TRANSACTION_OPTIONS = { maxAttempts: 10 };

/** gRPC ALREADY_EXISTS: a document created with `create` appeared after it was read. */
const ALREADY_EXISTS = 6;

function replayOf(r: ReceiptDoc): ChunkOutcome {
  return { results: r.results, skewMs: r.clock_skew_ms, replayed: true, touched: 0, attempts: 0 };
}

/**
 * Applies one chunk. Its records are read before the transaction, which then reads only the
 * receipt, the scope document and any analysis jobs: a transaction holding 500 read locks costs
 * several times a plain read, and holds up every other writer of the scope meanwhile. The
 * pre-read is used only when the scope document is unchanged inside the transaction; since
 * every write to a record of the scope also writes the scope document (ScopeWriter), that
 * proves the records are unchanged too. A record of another scope is only ever rejected, never
 * written, and a new record is written with a must-not-exist precondition, so a record created
 * by someone else meanwhile fails the commit, and the chunk runs again reading inside the
 * transaction.
 */
async function runChunk(run: ChunkRun, options: ApplyOptions): Promise<ChunkOutcome> {
  const { db, batch, items, receiptRef, outboxRef, chunk } = run;
  // The scope before the records: a scoped write the record reads miss moves the scope after
  // this read, and the transaction sees that.
  const [scopeSnap, receiptSnap, outboxSnap] = await db.getAll(
    scopeRef(db, batch.chwId),
    receiptRef,
    ...(outboxRef ? [outboxRef] : []),
  );
  // A receipt is written once and never changed: a replay needs no transaction.
  if (receiptSnap?.exists) return replayOf(receiptSnap.data() as ReceiptDoc);
  const fromOutbox = outboxReplay(outboxSnap, batch.chwId);
  if (fromOutbox) return fromOutbox;
  const pre: PreRead = {
    scopeVersion: scopeSnap?.updateTime?.valueOf(),
    // Records the device claims are new are not read: their create precondition checks them.
    have: await readRecords(
      docsToRead(items, { trustNew: true }),
      (refs) => db.getAll(...refs),
      db,
    ),
  };
  await options.afterPreRead?.(chunk);
  // Counted per body run: the SDK runs the body again after each ABORTED commit.
  let attempts = 0;
  const counted = (p: PreRead | undefined) => (tx: Transaction) => {
    attempts += 1;
    return applyChunk(tx, run, p);
  };
  let out: ChunkOutcome;
  try {
    out = await db.runTransaction(counted(pre), TRANSACTION_OPTIONS);
  } catch (e) {
    if ((e as { code?: unknown }).code !== ALREADY_EXISTS) throw e;
    out = await db.runTransaction(counted(undefined), TRANSACTION_OPTIONS);
  }
  return { ...out, attempts };
}

async function readRecords(
  paths: string[],
  getAll: (refs: DocumentReference[]) => Promise<DocumentSnapshot[]>,
  db: Firestore,
): Promise<Map<string, StoredDoc>> {
  const snaps = paths.length > 0 ? await getAll(paths.map((p) => db.doc(p))) : [];
  const have = new Map<string, StoredDoc>();
  snaps.forEach((s, i) => {
    if (s.exists) have.set(paths[i] as string, s.data() as StoredDoc);
  });
  return have;
}

async function applyChunk(
  tx: Transaction,
  run: ChunkRun,
  pre: PreRead | undefined,
): Promise<ChunkOutcome> {
  const { db, batch, items, receiptRef, outboxRef, chunk, chunks } = run;
  // Read phase: receipts, scope, records (unless the pre-read still holds), then the analysis
  // jobs the plan needs.
  const [receipt, outboxSnap] = await tx.getAll(receiptRef, ...(outboxRef ? [outboxRef] : []));
  if (receipt!.exists) return replayOf(receipt!.data() as ReceiptDoc);
  const fromOutbox = outboxReplay(outboxSnap, batch.chwId);
  if (fromOutbox) return fromOutbox;
  const scope = await ScopeWriter.open(tx, db, batch.chwId);
  // When the scope moved since the pre-read (in a reconnect burst it nearly always has), the
  // records are read again here, under the scope's lock; records the device claims are new are
  // still not read, as in the pre-read: their create precondition checks them, and a failed one
  // reruns the chunk reading everything (pre undefined). Fewer reads here is less time holding
  // the scope for the batches queued behind this one (docs/hot-spots.md).
  const have =
    pre && pre.scopeVersion === scope.version
      ? pre.have
      : await readRecords(
          docsToRead(items, { trustNew: pre !== undefined }),
          (refs) => tx.getAll(...refs),
          db,
        );
  const plan = planBatch({ chwId: batch.chwId, nowMs: batch.nowMs, items, have });
  const wanted = plan.writes.filter((w) => w.analyseVersion !== undefined);
  const jobExists = await jobsExist(
    tx,
    db,
    wanted.map((w) => jobKeyFor(w.id, w.analyseVersion!)),
  );

  // Write phase.
  const seqFrom = scope.current.seq;
  const seqs = new Map<string, number>();
  for (const w of plan.writes) {
    const before = have.get(`${w.table}/${w.id}`);
    const data = toDocument(w, before, scope.current.seq + 1);
    const jobIdx = wanted.indexOf(w);
    if (jobIdx >= 0) {
      const request = requestAnalysis(tx, db, {
        caseId: w.id,
        chwId: batch.chwId,
        contentVersion: w.analyseVersion!,
        now: batch.nowMs,
        exists: jobExists[jobIdx] === true,
      });
      // A replay of the same version leaves the case's analysis fields as they are.
      if (request.queued) {
        data.analysis = request.analysis;
        (data.timeline as Record<string, unknown>).analysis_requested_at = batch.nowMs;
      }
    }
    const reviewed =
      w.table === "cases" && !w.touch ? chwCaseReview(before, data, batch.nowMs) : data;
    seqs.set(
      `${w.table}/${w.id}`,
      scope.put(w.table, w.id, reviewed, before, { create: before === undefined }),
    );
  }
  const results = plan.results.map((r) => {
    const seq =
      r.outcome === "applied" || r.outcome === "stale" ? seqs.get(`${r.table}/${r.id}`) : undefined;
    return seq === undefined ? r : { ...r, server_seq: seq };
  });
  scope.commit();
  const onOutbox = batch.outboxReceipt && outboxRef;
  if (onOutbox) {
    // The outbox document is the receipt: one write fewer per batch, and the outcome reaches the
    // device in the same commit as the records. Merged, so a document removed meanwhile (TTL,
    // an operator) cannot fail the commit of records already planned.
    tx.set(
      outboxRef,
      {
        status: "applied",
        results,
        pending: FieldValue.delete(),
        ...(plan.skewMs > 0 && { clock_skew_ms: plan.skewMs }),
        processed_at: FieldValue.serverTimestamp(),
        expire_at: Timestamp.fromMillis(batch.nowMs + batch.outboxReceipt!.retentionMs),
      },
      { merge: true },
    );
  } else {
    const doc: ReceiptDoc = {
      chw_id: batch.chwId,
      batch_id: batch.batchId,
      chunk,
      chunks,
      results,
      clock_skew_ms: plan.skewMs,
      created_at: FieldValue.serverTimestamp(),
      expire_at: Timestamp.fromMillis(batch.nowMs + LIMITS.tombstoneRetentionMs),
    };
    tx.set(receiptRef, doc);
  }
  const applied = results.filter((r) => r.outcome === "applied").length;
  const rejected = results.filter((r) => r.outcome === "rejected").length;
  writeAudit(tx, db, {
    actor: batch.chwId,
    role: "chw",
    action: `sync.push.${batch.source}`,
    resource: { collection: "patients,cases", ids: results.map((r) => r.id) },
    outcome: rejected === 0 ? "ok" : applied > 0 ? "partial" : "rejected",
    request_id: batch.requestId,
  });
  return {
    attempts: 1,
    results,
    skewMs: plan.skewMs,
    replayed: false,
    seqs: { from: seqFrom, to: scope.current.seq },
    touched: plan.writes.filter((w) => w.touch).length,
    ...(onOutbox && { resultWritten: true }),
  };
}

/** The document fields for a planned write: CHW maps replaced whole, create-only stamps. */
function toDocument(
  w: PlannedWrite,
  before: DocumentData | undefined,
  nextSeq: number,
): Record<string, unknown> {
  const data: Record<string, unknown> = { ...w.data };
  for (const field of w.replaceMaps) {
    data[field] = replacing(before?.[field], data[field]);
  }
  if (w.create) {
    data.created_at = FieldValue.serverTimestamp();
    data.created_seq = nextSeq;
  }
  return data;
}

/**
 * The value to merge so a map ends up equal to `next`: keys the stored map had and `next` lacks
 * are deleted (set-with-merge would otherwise keep them), recursively.
 */
export function replacing(prev: unknown, next: unknown): unknown {
  if (!isMap(prev) || !isMap(next)) return next;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(next)) out[k] = replacing(prev[k], v);
  for (const k of Object.keys(prev)) if (!(k in next)) out[k] = FieldValue.delete();
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Timestamp);
}

/** Converts a stored document to plain JSON: Timestamps become epoch ms. */
export function toWire(doc: DocumentData): Record<string, unknown> {
  return plain(doc) as Record<string, unknown>;
}

function plain(v: unknown): unknown {
  if (v instanceof Timestamp) return v.toMillis();
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  }
  return v;
}

const PULL_TABLES: readonly SyncTable[] = ["patients", "cases", "diagnoses"];

/**
 * Reads the changes of a CHW's scope after `cursor`, by server_seq, in one read-only
 * transaction so the scope document and the three queries are one consistent snapshot. The
 * page stops at the smallest last seq of any truncated table, so nothing before the new cursor
 * is ever left out; its cost is what changed, not what the scope holds.
 */
export async function pullScope(
  db: Firestore,
  chwId: string,
  cursor: number,
  limit: number,
): Promise<PullPage> {
  return db.runTransaction(
    async (tx) => {
      const scopeSnap = await tx.get(scopeRef(db, chwId));
      const scope = scopeSnap.exists ? (scopeSnap.data() as ScopeDoc) : undefined;
      const manifest = { count: scope?.count ?? 0, hash: scope?.hash ?? "0".repeat(64) };
      const snaps = await Promise.all(
        PULL_TABLES.map((t) =>
          tx.get(
            db
              .collection(t)
              .where("chw_id", "==", chwId)
              .where("server_seq", ">", cursor)
              .orderBy("server_seq")
              .limit(limit),
          ),
        ),
      );
      let cutoff = Number.POSITIVE_INFINITY;
      snaps.forEach((s) => {
        if (s.size >= limit) {
          const last = s.docs[s.docs.length - 1]?.get("server_seq") as number;
          cutoff = Math.min(cutoff, last);
        }
      });
      const all = snaps.flatMap((s, i) =>
        s.docs.map((d) => ({ table: PULL_TABLES[i] as SyncTable, doc: d.data() })),
      );
      all.sort((a, b) => Number(a.doc.server_seq) - Number(b.doc.server_seq));
      // One page across tables: at most `limit` records, cut at a seq boundary.
      let page = all.filter((r) => Number(r.doc.server_seq) <= cutoff);
      if (page.length > limit) {
        cutoff = Number(page[limit - 1]?.doc.server_seq);
        page = page.slice(0, limit);
      }
      const hasMore = Number.isFinite(cutoff);
      const records: PullPage["records"] = { patients: [], cases: [], diagnoses: [] };
      for (const r of page) records[r.table].push(pullView(r.table, toWire(r.doc)));
      const last = Number(page[page.length - 1]?.doc.server_seq ?? cursor);
      const next = hasMore ? cutoff : Math.max(cursor, scope?.seq ?? 0, last);
      return { records, cursor: next, hasMore, manifest };
    },
    { readOnly: true },
  );
}

/** The SyncStore the routes and the `applySync` trigger use in production. */
export function firestoreSyncStore(db: Firestore): SyncStore {
  return {
    applyBatch: (batch) => applySyncBatch(db, batch),
    pullPage: (chwId, cursor, limit) => pullScope(db, chwId, cursor, limit),
    auditPull: (entry) =>
      auditRead(db, {
        actor: entry.chwId,
        role: "chw",
        action: entry.action,
        resource: { collection: "patients,cases,diagnoses", ids: entry.ids },
        outcome: "ok",
        request_id: entry.requestId,
      }),
    noteDeliveries: (chwId, diagnoses, requestId) =>
      noteDiagnosisDeliveries(db, chwId, diagnoses, requestId),
  };
}
