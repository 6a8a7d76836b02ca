// The sync core reads a chunk's records before its transaction (docs/sync-protocol.md §1). These
// specs drive applySyncBatch in-process against the Firestore emulator and change the store in
// the gap between that pre-read and the transaction, the window a concurrent writer hits in
// production, to show the pre-read is never trusted when it could be out of date.
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { checkRecord } from "@dermadetect/contract";
import { applySyncBatch } from "../../src/adapters/sync-store";
import { ScopeWriter } from "../../src/adapters/scope-writer";
import { CHUNK_OVERHEAD_BYTES, itemBytes } from "../../src/domain/plan-batch";
import type { BatchItem } from "../../src/domain/plan-batch";
import { adminDb } from "./sync-helpers";

const NOW = () => Date.now();

function patientItem(id: string, name: string, lmt: number): BatchItem {
  const raw = {
    id,
    demographics: { name, sex: "female", age_years: 30, village: "V" },
    last_modified_at: lmt,
  };
  return { table: "patients", resultId: id, change: checkRecord("patients", raw, NOW()) };
}

function batchOf(chwId: string, items: BatchItem[]) {
  return {
    chwId,
    batchId: randomUUID(),
    items,
    source: "https" as const,
    requestId: `req-${randomUUID().slice(0, 8)}`,
    nowMs: NOW(),
  };
}

describe("sync core: records read before the transaction", () => {
  const db = adminDb();

  it("re-reads inside the transaction when the scope moved after the pre-read (no lost update)", async () => {
    const chw = `chw-pre-${randomUUID().slice(0, 8)}`;
    const id = randomUUID();
    const t0 = NOW() - 60_000;
    await applySyncBatch(db, batchOf(chw, [patientItem(id, "First", t0)]));
    // Between the pre-read and the transaction another device's newer edit commits.
    const out = await applySyncBatch(db, batchOf(chw, [patientItem(id, "Older", t0 + 1000)]), {
      afterPreRead: () =>
        applySyncBatch(db, batchOf(chw, [patientItem(id, "Newest", t0 + 2000)])).then(
          () => undefined,
        ),
    });
    // Judged against the record as committed, not as pre-read: the older edit is stale.
    expect(out.results[0]).to.deep.include({ outcome: "stale", reason: "OLDER_THAN_STORED" });
    const stored = (await db.doc(`patients/${id}`).get()).data()!;
    expect((stored.demographics as { name: string }).name).to.equal("Newest");
    // The stale push re-stamped the winner: it carries the scope's latest seq.
    const scope = (await db.doc(`syncScopes/${chw}`).get()).data()!;
    expect(stored.server_seq).to.equal(scope.seq);
    expect(scope.count).to.equal(1);
  });

  it("never takes over a record another CHW created meanwhile: the create fails and the chunk re-runs", async () => {
    const mine = `chw-pre-${randomUUID().slice(0, 8)}`;
    const other = `chw-pre-${randomUUID().slice(0, 8)}`;
    const id = randomUUID();
    const fresh = randomUUID();
    const out = await applySyncBatch(
      db,
      batchOf(mine, [patientItem(id, "Mine", NOW()), patientItem(fresh, "Also mine", NOW())]),
      {
        // Another CHW's sync creates the same id in its own scope after the pre-read, so the
        // scope this batch checks did not move: only the create precondition catches it.
        afterPreRead: async () => {
          await db.runTransaction(async (tx) => {
            const scope = await ScopeWriter.open(tx, db, other);
            scope.put(
              "patients",
              id,
              { demographics: { name: "Theirs" }, last_modified_at: NOW() },
              undefined,
            );
            scope.commit();
          });
        },
      },
    );
    expect(out.results.map((r) => [r.id, r.outcome])).to.deep.equal([
      [id, "rejected"],
      [fresh, "applied"],
    ]);
    const stored = (await db.doc(`patients/${id}`).get()).data()!;
    expect(stored).to.deep.include({ chw_id: other });
    expect(stored.demographics).to.deep.equal({ name: "Theirs" });
    expect((await db.doc(`patients/${fresh}`).get()).get("chw_id")).to.equal(mine);
    // One receipt, from the re-run: the failed commit wrote nothing.
    const receipts = await db.collection("syncReceipts").where("chw_id", "==", mine).get();
    expect(receipts.size).to.equal(1);
    expect((await db.doc(`syncScopes/${mine}`).get()).get("count")).to.equal(1);
  });

  it("chunks a batch over the transaction budget; a crash between chunks loses nothing on replay", async () => {
    const chw = `chw-pre-${randomUUID().slice(0, 8)}`;
    const items = Array.from({ length: 9 }, (_, i) =>
      patientItem(randomUUID(), `Patient ${i}`, NOW() - 1000),
    );
    const batch = batchOf(chw, items);
    // A budget of three records per transaction: the same split on every attempt.
    const small = { maxTransactionBytes: CHUNK_OVERHEAD_BYTES + 3 * itemBytes(items[0]!) };
    let crash = true;
    const failed = await applySyncBatch(db, batch, {
      ...small,
      afterPreRead: (chunk) =>
        chunk === 2 && crash
          ? Promise.reject(new Error("function instance died"))
          : Promise.resolve(),
    }).catch((e: Error) => e);
    expect(failed).to.be.instanceOf(Error);
    // Two chunks committed with their receipts, the third did not.
    const receipts = () =>
      db.collection("syncReceipts").where("batch_id", "==", batch.batchId).get();
    expect((await receipts()).size).to.equal(2);
    expect((await db.doc(`syncScopes/${chw}`).get()).get("count")).to.equal(6);
    // The device sends the same batch again: chunks 0 and 1 answer from their receipts.
    crash = false;
    const again = await applySyncBatch(db, batch, small);
    expect(again.results.map((r) => r.outcome)).to.deep.equal(Array(9).fill("applied"));
    expect(again.replayed).to.equal(false);
    expect((await receipts()).size).to.equal(3);
    const scope = (await db.doc(`syncScopes/${chw}`).get()).data()!;
    expect([scope.count, scope.seq]).to.deep.equal([9, 9]);
    // And once more: everything from receipts, the same answer.
    const third = await applySyncBatch(db, batch, small);
    expect(third.replayed).to.equal(true);
    expect(third.results).to.deep.equal(again.results);
  });

  it("answers a replay from its receipt without a transaction, and with the same results", async () => {
    const chw = `chw-pre-${randomUUID().slice(0, 8)}`;
    const batch = batchOf(chw, [patientItem(randomUUID(), "Once", NOW())]);
    const first = await applySyncBatch(db, batch);
    const again = await applySyncBatch(db, batch);
    expect(again.replayed).to.equal(true);
    expect(again.results).to.deep.equal(first.results);
    expect((await db.doc(`syncScopes/${chw}`).get()).get("seq")).to.equal(1);
  });
});
