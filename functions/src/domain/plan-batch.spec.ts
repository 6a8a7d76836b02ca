import { expect } from "chai";
import { LIMITS, checkRecord } from "@dermadetect/contract";
import { CHUNK_OVERHEAD_BYTES, chunkItems, itemBytes, planBatch } from "./plan-batch";
import type { BatchItem, StoredDoc } from "./plan-batch";

const NOW = 1_800_000_000_000;
const SHA = "d".repeat(64);
const CHW = "chw-1";

function caseRaw(over: Record<string, unknown> = {}) {
  return {
    id: "case-1",
    patient_id: "pat-1",
    triage_data: { body_site: "arm", duration_days: 3, symptoms: [], danger_signs: [] },
    risk_level: "GREEN",
    images: [{ sha256: SHA, content_type: "image/jpeg", bytes: 100 }],
    last_modified_at: NOW - 10_000,
    ...over,
  };
}

/** `caseRaw(over)` as the server stored it: CHW's, at content version 1. */
function storedCase(over: Record<string, unknown> = {}): StoredDoc {
  return { ...caseRaw(over), chw_id: CHW, content_version: 1 } as unknown as StoredDoc;
}

function item(table: string, raw: Record<string, unknown>): BatchItem {
  return { table, resultId: String(raw.id), change: checkRecord(table, raw, NOW) };
}

function plan(items: BatchItem[], have: Record<string, StoredDoc> = {}) {
  return planBatch({ chwId: CHW, nowMs: NOW, items, have: new Map(Object.entries(have)) });
}

describe("planBatch", () => {
  it("creates a case TRIAGED at content version 1 with queued images and a timeline", () => {
    const p = plan([item("cases", caseRaw())]);
    expect(p.results).to.deep.equal([{ table: "cases", id: "case-1", outcome: "applied" }]);
    const w = p.writes[0]!;
    expect(w.create).to.equal(true);
    expect(w.data).to.deep.include({ status: "TRIAGED", content_version: 1 });
    expect(w.data.images).to.deep.equal([
      {
        sha256: SHA,
        content_type: "image/jpeg",
        bytes: 100,
        state: "queued",
        image_key: `cases/case-1/${SHA}.jpg`,
      },
    ]);
    expect(w.data.timeline).to.deep.equal({ captured_at: NOW - 10_000, synced_at: NOW });
    expect(w.analyseVersion).to.equal(undefined);
  });

  it("asks for analysis when a case becomes RED, and again only when its content changes", () => {
    const created = plan([item("cases", caseRaw({ risk_level: "RED" }))]);
    expect(created.writes[0]!.analyseVersion).to.equal(1);
    const stored = storedCase({
      risk_level: "RED",
      status: "PENDING_DIAGNOSIS",
      ai_analysis: { model: "m" },
      images: [
        { sha256: SHA, content_type: "image/jpeg", bytes: 100, state: "verified", image_key: "k" },
      ],
    });
    const notesOnly = plan(
      [item("cases", caseRaw({ risk_level: "RED", last_modified_at: NOW - 5000 }))],
      { "cases/case-1": stored },
    );
    expect(notesOnly.writes[0]!.analyseVersion).to.equal(undefined);
    expect(notesOnly.writes[0]!.data.content_version).to.equal(1);
    const changed = plan(
      [
        item(
          "cases",
          caseRaw({
            risk_level: "RED",
            last_modified_at: NOW - 5000,
            triage_data: { ...caseRaw().triage_data, duration_days: 9 },
          }),
        ),
      ],
      { "cases/case-1": stored },
    );
    const w = changed.writes[0]!;
    expect(w.analyseVersion).to.equal(2);
    // Server-owned fields are never part of a CHW write; image state is kept.
    expect(w.data).to.not.have.any.keys("status", "ai_analysis", "analysis", "chw_id");
    expect((w.data.images as { state: string }[])[0]!.state).to.equal("verified");
  });

  it("rejects records of another CHW and cases pointing at another CHW's patient, unchanged", () => {
    const p = plan([item("cases", caseRaw()), item("cases", caseRaw({ id: "case-2" }))], {
      "cases/case-1": { ...caseRaw(), chw_id: "someone-else" } as unknown as StoredDoc,
      "patients/pat-1": { chw_id: "someone-else" },
    });
    expect(p.results.map((r) => r.reason)).to.deep.equal(["NOT_OWNER", "PATIENT_NOT_OWNED"]);
    expect(p.writes).to.deep.equal([]);
  });

  it("keeps valid records of a batch when others are rejected", () => {
    const p = plan([
      item("cases", { ...caseRaw(), risk_level: "PURPLE", app_build: 7 }),
      item("cases", caseRaw({ id: "case-3", status: "DIAGNOSED" })),
      item("things", { id: "x" }),
    ]);
    expect(p.results.map((r) => [r.id, r.outcome, r.reason, r.ignored_fields])).to.deep.equal([
      ["case-1", "rejected", "INVALID_RECORD", ["app_build"]],
      ["case-3", "applied", undefined, ["status"]],
      ["x", "rejected", "UNKNOWN_TABLE", undefined],
    ]);
    expect(p.writes.map((w) => w.id)).to.deep.equal(["case-3"]);
    expect(p.writes[0]!.data.status).to.equal("TRIAGED"); // the server's, not the client's DIAGNOSED
  });

  it("is stale for older versions and never resurrects a tombstone", () => {
    const stored = storedCase({ last_modified_at: NOW - 1000 });
    const older = plan([item("cases", caseRaw())], { "cases/case-1": stored });
    expect(older.results[0]).to.deep.include({ outcome: "stale", reason: "OLDER_THAN_STORED" });
    const tomb = { ...stored, deleted_at: NOW - 900 } as unknown as StoredDoc;
    const revive = plan([item("cases", caseRaw({ last_modified_at: NOW }))], {
      "cases/case-1": tomb,
    });
    expect(revive.results[0]).to.deep.include({ outcome: "stale", reason: "DELETED" });
    expect(revive.writes.map((w) => w.touch)).to.deep.equal([true]);
  });

  it("handles WatermelonDB deletes: tombstone at server time, missing ids ignored", () => {
    const stored = storedCase();
    const del: BatchItem = {
      table: "cases",
      resultId: "case-1",
      change: { ok: true, table: "cases", deleteId: "case-1" },
    };
    const gone: BatchItem = {
      table: "cases",
      resultId: "nope",
      change: { ok: true, table: "cases", deleteId: "nope" },
    };
    const p = plan([del, gone], { "cases/case-1": stored });
    expect(p.results.map((r) => [r.outcome, r.reason])).to.deep.equal([
      ["applied", undefined],
      ["duplicate", "DELETE_OF_MISSING"],
    ]);
    expect(p.writes[0]!.data).to.deep.include({ deleted_at: NOW, last_modified_at: NOW });
  });

  it("reports the clock skew of clamped records", () => {
    const p = plan([item("cases", caseRaw({ last_modified_at: NOW + 3_600_000 }))]);
    expect(p.skewMs).to.equal(3_600_000);
    expect(p.results[0]).to.deep.include({ outcome: "applied", reason: "CLOCK_SKEW_CLAMPED" });
    expect(p.writes[0]!.data.last_modified_at).to.equal(NOW);
  });

  it("re-stamps the stored record on a stale push so the device pulls the winner", () => {
    const stored = storedCase({ last_modified_at: NOW - 1000 });
    const p = plan([item("cases", caseRaw())], { "cases/case-1": stored });
    expect(p.writes).to.deep.equal([
      { table: "cases", id: "case-1", data: {}, replaceMaps: [], create: false, touch: true },
    ]);
  });

  it("chunks by estimated transaction bytes, deterministically, in batch order", () => {
    const plain = Array.from({ length: 500 }, (_, i) =>
      item("cases", caseRaw({ id: `c${String(i).padStart(3, "0")}` })),
    );
    // A full batch of ordinary records is one transaction under the real budget...
    expect(chunkItems(plain, LIMITS.maxTransactionBytes).map((c) => c.length)).to.deep.equal([500]);
    // ...and splits where the estimate says, the same way every time.
    const each = itemBytes(plain[0]!);
    const budget = CHUNK_OVERHEAD_BYTES + 200 * each;
    const chunks = chunkItems(plain, budget);
    expect(chunks.map((c) => c.length)).to.deep.equal([200, 200, 100]);
    expect(chunks.flat().map((i) => i.resultId)).to.deep.equal(plain.map((i) => i.resultId));
    expect(chunkItems(plain, budget).map((c) => c.length)).to.deep.equal([200, 200, 100]);
    // A rejected record costs only its result; an item larger than the budget still goes alone.
    const bad: BatchItem = {
      table: "patients",
      resultId: "x",
      change: { ok: false, reason: "INVALID_RECORD" },
    };
    expect(itemBytes(bad)).to.be.lessThan(each);
    expect(
      chunkItems(plain.slice(0, 2), CHUNK_OVERHEAD_BYTES + 1).map((c) => c.length),
    ).to.deep.equal([1, 1]);
    expect(chunkItems([], LIMITS.maxTransactionBytes)).to.deep.equal([[]]);
  });
});
