import { expect } from "chai";
import type { CaseRecord, PatientRecord } from "./records";
import { checkRecord } from "./check-record";
import { isSeedSyncRequest, isSyncBatchDoc, isWatermelonPushRequest } from "./validate";
import { fromWatermelonRaw, toWatermelonRaw } from "./watermelon";

const NOW = 1_800_000_000_000;
const SHA = "c".repeat(64);

function patient(over: Record<string, unknown> = {}) {
  return {
    id: "5b1c6a8e-8a51-4d0e-9d7e-3c1f1f7b9a01",
    demographics: { name: "Asha", sex: "female", age_years: 34, village: "Kibera" },
    last_modified_at: NOW - 1000,
    ...over,
  };
}

/** An object nesting `levels` objects deep: {a:{a:…{a:1}}}. */
function nest(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

function kase(over: Record<string, unknown> = {}) {
  return {
    id: "0f9e8d7c-6b5a-4c3d-8e2f-1a0b9c8d7e6f",
    patient_id: patient().id,
    triage_data: {
      body_site: "left forearm",
      duration_days: 14,
      symptoms: ["itch"],
      danger_signs: ["bleeding"],
      lesion: { diameter_mm: 7, asymmetry: true },
    },
    risk_level: "RED",
    images: [{ sha256: SHA, content_type: "image/jpeg", bytes: 123456 }],
    last_modified_at: NOW - 1000,
    ...over,
  };
}

describe("record checks", () => {
  it("accepts valid patients and cases", () => {
    expect(checkRecord("patients", patient(), NOW)).to.include({ ok: true, skewMs: 0 });
    expect(checkRecord("cases", kase(), NOW)).to.include({ ok: true });
  });

  it("keeps a newer app's keys inside demographics and triage_data verbatim and in place", () => {
    const demographics = {
      name: "Asha",
      date_of_birth: "1990-04-02",
      sex: "female",
      guardian: { name: "Zawadi", relation: "mother" },
      age_years: 34,
      village: "Kibera",
      contacts: [{ kind: "sms", value: "+254 700 000" }],
    };
    const p = checkRecord("patients", patient({ demographics }), NOW);
    expect(p.ok && JSON.stringify((p.record as PatientRecord).demographics)).to.equal(
      JSON.stringify(demographics),
    );
    const triage = {
      ...kase().triage_data,
      itch_score: 3,
      lesion: { diameter_mm: 7, texture: "scaly" },
    };
    const c = checkRecord("cases", kase({ triage_data: triage }), NOW);
    expect(c.ok && c.record).to.deep.include({ triage_data: triage });
    expect(c).to.not.have.property("ignored");
  });

  it("accepts a record nesting exactly 16 levels", () => {
    const c = checkRecord(
      "cases",
      kase({ triage_data: { ...kase().triage_data, x: nest(14) } }),
      NOW,
    );
    expect(c.ok).to.equal(true);
  });

  it("drops client bookkeeping silently and names the other fields it does not store", () => {
    const c = checkRecord(
      "cases",
      kase({
        sync_status: "dirty",
        _status: "updated",
        _changed: "risk_level",
        app_version: "3.1.0",
        status: "DIAGNOSED",
        ai_analysis: { model: "x" },
        images: [
          { sha256: SHA, content_type: "image/jpeg", bytes: 1, state: "verified", width: 9 },
        ],
      }),
      NOW,
    );
    expect(c.ok).to.equal(true);
    if (!c.ok) return;
    expect(c.ignored).to.deep.equal([
      "app_version",
      "status",
      "ai_analysis",
      "images[].state",
      "images[].width",
    ]);
    expect(c.record).to.not.have.any.keys(
      "sync_status",
      "_status",
      "_changed",
      "status",
      "app_version",
    );
    expect((c.record as CaseRecord).images).to.deep.equal([
      { sha256: SHA, content_type: "image/jpeg", bytes: 1 },
    ]);
    const p = checkRecord("patients", patient({ sync_status: "new", chw_id: "someone-else" }), NOW);
    expect(p).to.deep.include({ ok: true, ignored: ["chw_id"] });
  });

  it("accepts a case without images (no photos yet)", () => {
    const noImages: Record<string, unknown> = kase();
    delete noImages.images;
    expect(checkRecord("cases", noImages, NOW)).to.include({ ok: true });
  });

  const bad: [string, string, unknown, string][] = [
    ["wrong type", "patients", patient({ last_modified_at: "yesterday" }), "INVALID_RECORD"],
    ["missing field", "cases", { ...kase(), risk_level: undefined }, "INVALID_RECORD"],
    ["out-of-range enum", "cases", kase({ risk_level: "PURPLE" }), "INVALID_RECORD"],
    [
      "too many symptoms",
      "cases",
      kase({ triage_data: { ...kase().triage_data, symptoms: Array(33).fill("x") } }),
      "INVALID_RECORD",
    ],
    [
      "overlong string",
      "patients",
      patient({ demographics: { ...patient().demographics, name: "x".repeat(201) } }),
      "INVALID_RECORD",
    ],
    [
      "__proto__ key",
      "patients",
      JSON.parse(`{"id":"p1","__proto__":{"admin":true}}`),
      "FORBIDDEN_KEY",
    ],
    [
      "nested __proto__ key",
      "cases",
      JSON.parse(`{"id":"c1","triage_data":{"__proto__":{"x":1}}}`),
      "FORBIDDEN_KEY",
    ],
    [
      "too deep",
      "cases",
      // 16 levels are allowed: record 1, triage_data 2, then 15 more objects nest to 17.
      kase({ triage_data: { ...kase().triage_data, x: nest(15) } }),
      "TOO_DEEP",
    ],
    [
      "oversize",
      "patients",
      patient({ demographics: { ...patient().demographics, story: "x".repeat(70_000) } }),
      "TOO_LARGE",
    ],
    [
      "too many keys in an open map",
      "patients",
      patient({
        demographics: {
          ...patient().demographics,
          ...Object.fromEntries(Array.from({ length: 61 }, (_, i) => [`k${i}`, i])),
        },
      }),
      "TOO_MANY_KEYS",
    ],
    [
      "a key outside the key pattern",
      "cases",
      kase({ triage_data: { ...kase().triage_data, "bad key!": 1 } }),
      "INVALID_KEY",
    ],
    [
      "a known key of the wrong type inside an open map",
      "cases",
      kase({ triage_data: { ...kase().triage_data, lesion: { bleeding: "yes" } } }),
      "INVALID_RECORD",
    ],
    ["unknown table", "prescriptions", patient(), "UNKNOWN_TABLE"],
    ["pull-only table", "diagnoses", patient(), "READ_ONLY_TABLE"],
    ["negative timestamp", "patients", patient({ last_modified_at: -5 }), "INVALID_RECORD"],
    ["timestamp before 2015", "patients", patient({ last_modified_at: 1000 }), "INVALID_TIMESTAMP"],
    ["bad deleted_at", "patients", patient({ deleted_at: 12 }), "INVALID_TIMESTAMP"],
    ["bad id", "patients", patient({ id: "../../users/x" }), "INVALID_RECORD"],
    ["not an object", "patients", ["x"], "INVALID_RECORD"],
  ];
  for (const [name, table, raw, reason] of bad) {
    it(`rejects ${name} with ${reason}`, () => {
      expect(checkRecord(table, raw, NOW)).to.deep.equal({ ok: false, reason });
    });
  }

  it("converts seconds to ms and clamps future times, reporting the skew", () => {
    const secs = checkRecord("patients", patient({ last_modified_at: (NOW - 60_000) / 1000 }), NOW);
    expect(secs.ok && secs.record.last_modified_at).to.equal(NOW - 60_000);
    const future = checkRecord("patients", patient({ last_modified_at: NOW + 3_600_000 }), NOW);
    expect(future).to.deep.include({ ok: true, skewMs: 3_600_000 });
    expect(future.ok && future.record.last_modified_at).to.equal(NOW);
  });

  it("bounds the envelopes: record counts, unknown keys, batch ids", () => {
    expect(isSeedSyncRequest({ last_sync_timestamp: null, changes: {} })).to.equal(true);
    expect(isSeedSyncRequest({ last_sync_timestamp: 0, changes: {}, extra: 1 })).to.equal(false);
    expect(
      isSeedSyncRequest({ last_sync_timestamp: 0, changes: { patients: Array(501).fill({}) } }),
    ).to.equal(false);
    expect(isSeedSyncRequest({ last_sync_timestamp: 0, batch_id: "a/b", changes: {} })).to.equal(
      false,
    );
    expect(isSyncBatchDoc({ chw_id: "u1", device_id: "d1", changes: {} })).to.equal(true);
    expect(isSyncBatchDoc({ chw_id: "u1", device_id: "d1", changes: {}, status: "done" })).to.equal(
      false,
    );
    const table = { created: [], updated: [], deleted: [] };
    expect(isWatermelonPushRequest({ changes: { patients: table } })).to.equal(true);
    expect(
      isWatermelonPushRequest({ changes: { patients: { ...table, deleted: [{}] } } }),
    ).to.equal(false);
    expect(
      isWatermelonPushRequest({
        changes: { patients: { created: [{ a: { b: 1 } }], updated: [], deleted: [] } },
      }),
    ).to.equal(false);
  });
});

describe("WatermelonDB records", () => {
  it("decodes JSON columns, drops device and server columns, falls back to updated_at", () => {
    const raw = toWatermelonRaw({ ...kase(), last_modified_at: undefined });
    const checked = fromWatermelonRaw(
      "cases",
      {
        ...raw,
        _status: "updated",
        _changed: "risk_level",
        status: "DIAGNOSED",
        server_seq: 9,
        updated_at: NOW - 5,
      },
      NOW,
    );
    expect(checked.ok).to.equal(true);
    if (checked.ok) {
      expect(checked.record).to.deep.equal({ ...kase(), last_modified_at: NOW - 5 });
    }
  });

  it("rejects broken JSON columns with their codes, names unknown columns", () => {
    const raw = toWatermelonRaw(patient());
    expect(fromWatermelonRaw("patients", { ...raw, demographics: "{nope" }, NOW)).to.deep.equal({
      ok: false,
      reason: "INVALID_JSON_COLUMN",
    });
    expect(fromWatermelonRaw("patients", { ...raw, demographics: 5 }, NOW)).to.deep.equal({
      ok: false,
      reason: "INVALID_JSON_COLUMN",
    });
    // A newer app's column is not a reason to refuse the record: it is named, not stored.
    const colour = fromWatermelonRaw("patients", { ...raw, colour: "red" }, NOW);
    expect(colour).to.deep.include({ ok: true, ignored: ["colour"] });
    expect(colour.ok && colour.record).to.not.have.property("colour");
    expect(
      fromWatermelonRaw("patients", { ...raw, demographics: '{"__proto__":{}}' }, NOW),
    ).to.deep.equal({ ok: false, reason: "FORBIDDEN_KEY" });
    expect(fromWatermelonRaw("things", raw, NOW)).to.deep.equal({
      ok: false,
      reason: "UNKNOWN_TABLE",
    });
  });
});
