// Records the device says are new are written with a create precondition instead of being read
// first (docs/sync-protocol.md §1). These specs count the Firestore operations of applySyncBatch
// on the emulator with the same counting wrapper the benchmarks use, and check that a wrong
// "new" hint (a resend, another CHW's id) still ends with the right record and outcome.
import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { applySyncBatch } from "../../src/adapters/sync-store";
import { countOperations, withOpCounts } from "../../src/adapters/op-counter";
import { seedItems } from "../../src/domain/batch-items";
import { adminDb } from "./sync-helpers";

const now = () => Date.now();

function patient(id: string, name: string, lmt: number, syncStatus?: "new" | "modified") {
  return {
    id,
    demographics: { name, sex: "female", age_years: 30, village: "V" },
    last_modified_at: lmt,
    ...(syncStatus && { sync_status: syncStatus }),
  };
}

function batchOf(chwId: string, patients: Record<string, unknown>[]) {
  const nowMs = now();
  return {
    chwId,
    batchId: randomUUID(),
    items: seedItems({ patients }, nowMs),
    source: "https" as const,
    requestId: `req-${randomUUID().slice(0, 8)}`,
    nowMs,
  };
}

describe("sync core: records the device says are new", () => {
  const db = countOperations(adminDb());

  it("reads none of 20 new records before writing them; without the hint it reads all 20", async () => {
    const t = now() - 1000;
    const chwA = `chw-new-${randomUUID().slice(0, 8)}`;
    const chwB = `chw-new-${randomUUID().slice(0, 8)}`;
    const ids = () => Array.from({ length: 20 }, () => randomUUID());
    const hinted = await withOpCounts(() =>
      applySyncBatch(
        db,
        batchOf(
          chwA,
          ids().map((id) => patient(id, "N", t, "new")),
        ),
      ),
    );
    const plain = await withOpCounts(() =>
      applySyncBatch(
        db,
        batchOf(
          chwB,
          ids().map((id) => patient(id, "N", t)),
        ),
      ),
    );
    for (const run of [hinted, plain]) {
      expect(run.value.results.map((r) => r.outcome)).to.deep.equal(Array(20).fill("applied"));
      // 20 records, the scope document, the receipt and the audit entry.
      expect(run.ops.writes).to.equal(23);
    }
    // Scope, receipt and the outbox document of the same batch id (it would be the batch's
    // receipt) before the transaction, receipt and outbox document again inside it with the
    // scope; the 20 records only without the hint.
    expect(hinted.ops.reads).to.equal(6);
    expect(plain.ops.reads).to.equal(26);
    expect((await db.doc(`syncScopes/${chwA}`).get()).get("count")).to.equal(20);
  });

  it("a record claimed new that is already stored falls back to reading it: judged, not overwritten", async () => {
    const chw = `chw-new-${randomUUID().slice(0, 8)}`;
    const id = randomUUID();
    const other = randomUUID();
    const t = now() - 60_000;
    await applySyncBatch(db, batchOf(chw, [patient(id, "Newer", t + 1000, "new")]));
    // The same id claimed new again, older: another device's copy, or a resend of an old save.
    const out = await withOpCounts(() =>
      applySyncBatch(
        db,
        batchOf(chw, [patient(id, "Older", t, "new"), patient(other, "Fresh", t, "new")]),
      ),
    );
    expect(out.value.results.map((r) => [r.id, r.outcome])).to.deep.equal([
      [id, "stale"],
      [other, "applied"],
    ]);
    const stored = (await db.doc(`patients/${id}`).get()).data()!;
    expect((stored.demographics as { name: string }).name).to.equal("Newer");
    // Counted once each: the failed create did not add to the scope.
    expect((await db.doc(`syncScopes/${chw}`).get()).get("count")).to.equal(2);
    // The fallback read the records, so this batch cost more reads than the hinted fast path.
    expect(out.ops.reads).to.be.greaterThan(6);
  });

  it("a record claimed new under another CHW's id is rejected and theirs is untouched", async () => {
    const owner = `chw-new-${randomUUID().slice(0, 8)}`;
    const intruder = `chw-new-${randomUUID().slice(0, 8)}`;
    const id = randomUUID();
    await applySyncBatch(db, batchOf(owner, [patient(id, "Theirs", now() - 5000, "new")]));
    const out = await applySyncBatch(db, batchOf(intruder, [patient(id, "Mine", now(), "new")]));
    expect(out.results[0]).to.deep.include({ outcome: "rejected", reason: "NOT_OWNER" });
    const stored = (await db.doc(`patients/${id}`).get()).data()!;
    expect(stored.chw_id).to.equal(owner);
    expect((stored.demographics as { name: string }).name).to.equal("Theirs");
    expect((await db.doc(`syncScopes/${intruder}`).get()).get("count") ?? 0).to.equal(0);
  });
});
