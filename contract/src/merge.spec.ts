import { expect } from "chai";
import fc from "fast-check";
import {
  canonicalJson,
  caseContentChanged,
  clampToServer,
  imageKeyFor,
  mergeImages,
  mergeRecord,
  resolveConflict,
  toMillis,
  versionOf,
} from "./merge";
import type { PatientRecord } from "./records";

const NOW = 1_800_000_000_000;

/** Small value pools so ties on last_modified_at and equal contents actually happen. */
const patientVersion = fc.record({
  id: fc.constantFrom<string>("p1", "p2", "p3"),
  name: fc.constantFrom("Asha", "Baraka", "Chen"),
  age: fc.integer({ min: 0, max: 3 }),
  lmt: fc.integer({ min: 0, max: 4 }).map((n) => NOW - 10_000 + n * 1000),
  deleted: fc.option(
    fc.integer({ min: 0, max: 2 }).map((n) => NOW - 5_000 + n),
    { nil: null },
  ),
});

type Version = typeof patientVersion extends fc.Arbitrary<infer V> ? V : never;

function toRecord(v: Version): PatientRecord {
  const r: PatientRecord = {
    id: v.id,
    demographics: { name: v.name, sex: "female", age_years: v.age, village: "Kibera" },
    last_modified_at: v.lmt,
  };
  if (v.deleted !== null) r.deleted_at = v.deleted;
  return r;
}

function applyAll(changes: readonly PatientRecord[]): Record<string, string> {
  const state = new Map<string, PatientRecord>();
  for (const c of changes) state.set(c.id, mergeRecord("patients", state.get(c.id), c).state);
  return Object.fromEntries([...state].map(([id, r]) => [id, canonicalJson(r)]));
}

describe("merge rules", () => {
  it("any order and any duplication of the same changes converges to the same state", () => {
    fc.assert(
      fc.property(
        fc.array(patientVersion, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.infiniteStream(fc.nat()),
        (versions, dupIdx, seeds) => {
          const changes = versions.map(toRecord);
          const withDups = [...changes, ...dupIdx.map((i) => changes[i % changes.length]!)];
          // A seeded Fisher–Yates shuffle of the duplicated list.
          const shuffled = [...withDups];
          const it = seeds[Symbol.iterator]();
          for (let i = shuffled.length - 1; i > 0; i--) {
            const j = (it.next().value as number) % (i + 1);
            [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
          }
          expect(applyAll(shuffled)).to.deep.equal(applyAll(changes));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a tombstone is never resurrected, whatever the update's time", () => {
    fc.assert(
      fc.property(patientVersion, patientVersion, (a, b) => {
        const del = toRecord({ ...a, id: "p", deleted: NOW });
        const upd = toRecord({ ...b, id: "p", deleted: null });
        const res = mergeRecord("patients", del, upd);
        expect(res.state.deleted_at).to.equal(NOW);
        expect(res.resolution).to.deep.include({ outcome: "stale", reason: "DELETED" });
      }),
    );
  });

  it("reports applied, duplicate and stale with reasons", () => {
    const base = toRecord({ id: "p", name: "Asha", age: 1, lmt: NOW, deleted: null });
    const v = (r: PatientRecord) => versionOf("patients", r);
    expect(resolveConflict(undefined, v(base)).outcome).to.equal("applied");
    expect(resolveConflict(v(base), v(base))).to.deep.equal({
      winner: "local",
      outcome: "duplicate",
      reason: "SAME_VERSION",
    });
    const older = { ...base, last_modified_at: NOW - 1 };
    expect(resolveConflict(v(base), v(older)).reason).to.equal("OLDER_THAN_STORED");
    const newer = { ...base, last_modified_at: NOW + 1 };
    expect(resolveConflict(v(base), v(newer)).outcome).to.equal("applied");
    // Same time, different content: exactly one of the two wins, whichever arrives first.
    const other = { ...base, demographics: { ...base.demographics, name: "Zed" } };
    const ab = resolveConflict(v(base), v(other));
    const ba = resolveConflict(v(other), v(base));
    expect([ab.winner, ba.winner].sort()).to.deep.equal(["local", "remote"]);
    expect([ab.reason, ba.reason]).to.include("TIE_LOST");
  });

  it("converts seconds to milliseconds and refuses unusable times", () => {
    expect(toMillis(1_700_000_000)).to.equal(1_700_000_000_000);
    expect(toMillis(1_700_000_000.5)).to.equal(1_700_000_000_500);
    expect(toMillis(1_700_000_000_123)).to.equal(1_700_000_000_123);
    expect(toMillis(-1)).to.equal(undefined);
    expect(toMillis(1000)).to.equal(undefined); // 1970: before 2015
  });

  it("clamps times more than five minutes ahead and reports the skew", () => {
    expect(clampToServer(NOW + 299_000, NOW)).to.deep.equal({ ms: NOW + 299_000, skewMs: 0 });
    expect(clampToServer(NOW + 86_400_000, NOW)).to.deep.equal({ ms: NOW, skewMs: 86_400_000 });
  });

  it("merges images by sha256, keeping server state and queueing new ones", () => {
    const a = "a".repeat(64);
    const b = "b".repeat(64);
    const stored = [
      {
        sha256: a,
        content_type: "image/jpeg" as const,
        bytes: 10,
        state: "verified" as const,
        image_key: imageKeyFor("c1", a, "image/jpeg"),
      },
    ];
    const merged = mergeImages(
      "c1",
      [
        { sha256: b, content_type: "image/png", bytes: 5 },
        { sha256: a, content_type: "image/jpeg", bytes: 10 },
        { sha256: b, content_type: "image/png", bytes: 5 },
      ],
      stored,
    );
    expect(merged).to.deep.equal([
      {
        sha256: b,
        content_type: "image/png",
        bytes: 5,
        state: "queued",
        image_key: `cases/c1/${b}.png`,
      },
      stored[0],
    ]);
    expect(mergeImages("c1", [], stored)).to.deep.equal([]);
  });

  it("detects case content changes (triage, risk, image list) and ignores the rest", () => {
    const c = {
      triage_data: { body_site: "arm", duration_days: 1, symptoms: [], danger_signs: [] },
      risk_level: "GREEN" as const,
      images: [],
      last_modified_at: 1,
    };
    expect(caseContentChanged(c, { ...c, last_modified_at: 2 })).to.equal(false);
    expect(caseContentChanged(c, { ...c, risk_level: "RED" })).to.equal(true);
    expect(caseContentChanged(undefined, c)).to.equal(true);
  });
});
