import { FieldValue } from "firebase-admin/firestore";
import type { DocumentData, Firestore, Transaction } from "firebase-admin/firestore";
import { EMPTY_MANIFEST, updateManifest } from "@dermadetect/contract";
import type { Manifest } from "@dermadetect/contract";

/** Collections whose records belong to a CHW's scope and travel in pulls. */
export type ScopedCollection = "patients" | "cases" | "diagnoses";

/** `syncScopes/{chw_id}`: the scope's sequence counter and completeness manifest. */
export interface ScopeDoc {
  seq: number;
  count: number;
  hash: string;
}

/** Where a scope document lives. */
export const scopeRef = (db: Firestore, chwId: string) => db.doc(`syncScopes/${chwId}`);

/**
 * Every server write to a record in a CHW's scope goes through this writer, inside a
 * transaction: it assigns the next `server_seq` (the pull cursor), stamps `server_updated_at`,
 * and keeps the manifest in step. Because every writer of the scope reads and writes the scope
 * document, Firestore serialises them, so `server_seq` order equals commit order and a pull by
 * `server_seq > cursor` can never skip a committed change (docs/design.md §5).
 *
 * Firestore transactions need every read before the first write: call `openScope` and read
 * the records first, then `put`, then `commit`.
 */
export class ScopeWriter {
  private seq: number;
  private manifest: Manifest;
  private dirty = false;

  private constructor(
    private readonly tx: Transaction,
    private readonly db: Firestore,
    readonly chwId: string,
    have: ScopeDoc | undefined,
    /** The scope document's update time as read (undefined when it did not exist). */
    readonly version: string | undefined,
  ) {
    this.seq = have?.seq ?? 0;
    this.manifest = have ? { count: have.count, hash: have.hash } : EMPTY_MANIFEST;
  }

  /** Reads the scope document in the transaction (a read: call before any write). */
  static async open(tx: Transaction, db: Firestore, chwId: string): Promise<ScopeWriter> {
    const snap = await tx.get(scopeRef(db, chwId));
    return new ScopeWriter(
      tx,
      db,
      chwId,
      snap.exists ? (snap.data() as ScopeDoc) : undefined,
      snap.updateTime?.valueOf(),
    );
  }

  /**
   * Writes (merges) `data` into `collection/id` and returns the record's new `server_seq`.
   * `before` is the document as read in this transaction (undefined when it did not exist).
   * `create: true` writes a new document with a must-not-exist precondition instead of a merge:
   * the commit fails (ALREADY_EXISTS) if the document appeared after it was read, and a plain
   * write costs about half a merge.
   */
  put(
    collection: ScopedCollection,
    id: string,
    data: DocumentData,
    before: DocumentData | undefined,
    opts: { create?: boolean } = {},
  ): number {
    const seq = ++this.seq;
    const liveBefore = before !== undefined && before.deleted_at == null;
    const deletedAfter =
      "deleted_at" in data ? data.deleted_at != null : before?.deleted_at != null;
    this.manifest = updateManifest(
      this.manifest,
      liveBefore ? { collection, id, serverSeq: Number(before.server_seq ?? 0) } : undefined,
      deletedAfter ? undefined : { collection, id, serverSeq: seq },
    );
    const ref = this.db.doc(`${collection}/${id}`);
    const doc = {
      ...data,
      chw_id: this.chwId,
      server_seq: seq,
      server_updated_at: FieldValue.serverTimestamp(),
    };
    if (opts.create) this.tx.create(ref, doc);
    else this.tx.set(ref, doc, { merge: true });
    this.dirty = true;
    return seq;
  }

  /** The scope's manifest as it will be after this transaction. */
  get current(): Manifest & { seq: number } {
    return { ...this.manifest, seq: this.seq };
  }

  /** Writes the scope document; call once, after the last `put`. */
  commit(): void {
    if (!this.dirty) return;
    const doc: ScopeDoc & { updated_at: FieldValue } = {
      seq: this.seq,
      count: this.manifest.count,
      hash: this.manifest.hash,
      updated_at: FieldValue.serverTimestamp(),
    };
    this.tx.set(scopeRef(this.db, this.chwId), doc);
  }
}
