import { EMPTY_MANIFEST, updateManifest } from "@dermadetect/contract";
import type { Manifest, RecordResult, SyncTable } from "@dermadetect/contract";
import { docsToRead, planBatch } from "../../src/domain/plan-batch";
import type { StoredDoc } from "../../src/domain/plan-batch";
import type {
  PullAudit,
  PullPage,
  SyncBatchInput,
  SyncBatchOutcome,
  SyncStore,
} from "../../src/domain/sync-store";

/*
 * An in-memory SyncStore for unit tests of the sync core, the sync routes and the `applySync`
 * trigger. It runs the real planner (domain/plan-batch.ts) and keeps what the Firestore adapter
 * keeps (records with server_seq, one receipt per batch, the scope manifest, audit entries and
 * delivery stamps), without chunking or transactions: those are the adapter's and are covered
 * by the integration tier against the Firestore emulator.
 */

interface Scope {
  seq: number;
  manifest: Manifest;
}

const TABLES: readonly SyncTable[] = ["patients", "cases", "diagnoses"];

export class MemorySyncStore implements SyncStore {
  /** Stored documents by `table/id`. */
  readonly docs = new Map<string, StoredDoc>();
  readonly receipts = new Map<string, { results: RecordResult[]; skewMs: number }>();
  readonly audits: PullAudit[] = [];
  readonly deliveries: { chwId: string; ids: string[] }[] = [];
  readonly applied: SyncBatchInput[] = [];
  private readonly scopes = new Map<string, Scope>();

  applyBatch(batch: SyncBatchInput): Promise<SyncBatchOutcome> {
    this.applied.push(batch);
    const receiptKey = `${batch.chwId}__${batch.batchId}`;
    const receipt = this.receipts.get(receiptKey);
    if (receipt) {
      return Promise.resolve({
        results: receipt.results,
        clockSkewMs: receipt.skewMs,
        replayed: true,
      });
    }
    const have = new Map<string, StoredDoc>();
    for (const path of docsToRead(batch.items)) {
      const doc = this.docs.get(path);
      if (doc) have.set(path, doc);
    }
    const plan = planBatch({ chwId: batch.chwId, nowMs: batch.nowMs, items: batch.items, have });
    const scope = this.scope(batch.chwId);
    const from = scope.seq;
    const seqs = new Map<string, number>();
    for (const w of plan.writes) {
      const key = `${w.table}/${w.id}`;
      const before = this.docs.get(key);
      const seq = ++scope.seq;
      const next: StoredDoc = {
        ...before,
        ...w.data,
        chw_id: batch.chwId,
        server_seq: seq,
        ...(w.create && { created_seq: seq }),
      };
      scope.manifest = updateManifest(
        scope.manifest,
        before && before.deleted_at == null
          ? { collection: w.table, id: w.id, serverSeq: Number(before.server_seq ?? 0) }
          : undefined,
        next.deleted_at == null ? { collection: w.table, id: w.id, serverSeq: seq } : undefined,
      );
      this.docs.set(key, next);
      seqs.set(key, seq);
    }
    const results = plan.results.map((r) => {
      const seq =
        r.outcome === "applied" || r.outcome === "stale"
          ? seqs.get(`${r.table}/${r.id}`)
          : undefined;
      return seq === undefined ? r : { ...r, server_seq: seq };
    });
    this.receipts.set(receiptKey, { results, skewMs: plan.skewMs });
    const touched = plan.writes.some((w) => w.touch);
    return Promise.resolve({
      results,
      clockSkewMs: plan.skewMs,
      replayed: false,
      ownSpan: touched ? undefined : { from, to: scope.seq },
    });
  }

  pullPage(chwId: string, cursor: number, limit: number): Promise<PullPage> {
    const scope = this.scope(chwId);
    const all = [...this.docs.entries()]
      .map(([path, doc]) => ({ table: path.split("/")[0] as SyncTable, doc }))
      .filter((r) => r.doc.chw_id === chwId && Number(r.doc.server_seq) > cursor)
      .sort((a, b) => Number(a.doc.server_seq) - Number(b.doc.server_seq));
    const page = all.slice(0, limit);
    const records = Object.fromEntries(
      TABLES.map((t) => [t, []]),
    ) as unknown as PullPage["records"];
    for (const r of page) records[r.table].push({ ...r.doc });
    const hasMore = all.length > limit;
    const last = Number(page[page.length - 1]?.doc.server_seq ?? cursor);
    return Promise.resolve({
      records,
      cursor: hasMore ? last : Math.max(cursor, scope.seq),
      hasMore,
      manifest: scope.manifest,
    });
  }

  auditPull(entry: PullAudit): Promise<void> {
    this.audits.push(entry);
    return Promise.resolve();
  }

  noteDeliveries(
    chwId: string,
    diagnoses: ReadonlyArray<Record<string, unknown>>,
    _requestId: string,
  ): Promise<void> {
    this.deliveries.push({ chwId, ids: diagnoses.map((d) => String(d.id)) });
    return Promise.resolve();
  }

  /** Puts a document as another writer (a doctor, the AI pipeline) would, moving the scope. */
  serverWrite(table: SyncTable, id: string, doc: StoredDoc & { chw_id: string }): number {
    const scope = this.scope(doc.chw_id);
    const seq = ++scope.seq;
    this.docs.set(`${table}/${id}`, { ...doc, id, server_seq: seq, created_seq: seq });
    scope.manifest = updateManifest(scope.manifest, undefined, {
      collection: table,
      id,
      serverSeq: seq,
    });
    return seq;
  }

  private scope(chwId: string): Scope {
    let s = this.scopes.get(chwId);
    if (!s) {
      s = { seq: 0, manifest: EMPTY_MANIFEST };
      this.scopes.set(chwId, s);
    }
    return s;
  }
}
