import { expect } from "chai";
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
    ["extra field", "patients", patient({ nickname: "A" }), "UNKNOWN_FIELD"],
    [
      "nested extra field",
      "cases",
      kase({ triage_data: { ...kase().triage_data, secret: 1 } }),
      "UNKNOWN_FIELD",
    ],
    ["server-owned status", "cases", kase({ status: "DIAGNOSED" }), "SERVER_OWNED_FIELD"],
    ["server-owned ai_analysis", "cases", kase({ ai_analysis: {} }), "SERVER_OWNED_FIELD"],
    ["server-owned chw_id", "patients", patient({ chw_id: "someone-else" }), "SERVER_OWNED_FIELD"],
    [
      "server-owned image state",
      "cases",
      kase({ images: [{ sha256: SHA, content_type: "image/jpeg", bytes: 1, state: "verified" }] }),
      "SERVER_OWNED_FIELD",
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
      kase({ triage_data: { a: { b: { c: { d: { e: { f: 1 } } } } } } }),
      "TOO_DEEP",
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

  it("rejects broken JSON columns and unknown columns with their codes", () => {
    const raw = toWatermelonRaw(patient());
    expect(fromWatermelonRaw("patients", { ...raw, demographics: "{nope" }, NOW)).to.deep.equal({
      ok: false,
      reason: "INVALID_JSON_COLUMN",
    });
    expect(fromWatermelonRaw("patients", { ...raw, demographics: 5 }, NOW)).to.deep.equal({
      ok: false,
      reason: "INVALID_JSON_COLUMN",
    });
    expect(fromWatermelonRaw("patients", { ...raw, colour: "red" }, NOW)).to.deep.equal({
      ok: false,
      reason: "UNKNOWN_FIELD",
    });
    expect(
      fromWatermelonRaw("patients", { ...raw, demographics: '{"__proto__":{}}' }, NOW),
    ).to.deep.equal({ ok: false, reason: "FORBIDDEN_KEY" });
    expect(fromWatermelonRaw("things", raw, NOW)).to.deep.equal({
      ok: false,
      reason: "UNKNOWN_TABLE",
    });
  });
});
