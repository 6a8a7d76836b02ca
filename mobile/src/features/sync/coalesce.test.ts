import { isSyncBatchDoc } from "@dermadetect/contract";
import type { CaseRecord, PatientRecord } from "@dermadetect/contract";
import { COALESCED_MAX_BYTES, COALESCED_MAX_RECORDS, coalesceChanges } from "./coalesce";

const patient = (id: string, t: number, village = "Bondo"): PatientRecord => ({
  id,
  demographics: { name: `P ${id}`, sex: "female", age_years: 30, village },
  last_modified_at: t,
});
const kase = (id: string, patientId: string, t: number, notes = ""): CaseRecord => ({
  id,
  patient_id: patientId,
  risk_level: "GREEN",
  images: [],
  triage_data: { body_site: "arm", duration_days: 2, symptoms: [], danger_signs: [], notes },
  last_modified_at: t,
});

describe("coalescing held saves", () => {
  it("merges a day's saves into one batch the server and the rules accept, newest version of each record", () => {
    const saves = [
      { patients: [patient("p1", 1)] },
      { cases: [kase("c1", "p1", 2)] },
      { patients: [patient("p2", 3)] },
      { patients: [patient("p1", 4, "Kisumu")] },
      { cases: [kase("c1", "p1", 5, "edited")] },
    ];
    const out = coalesceChanges(saves);
    expect(out).toHaveLength(1);
    expect(out[0]!.patients!.map((p) => [p.id, p.last_modified_at])).toEqual([
      ["p1", 4],
      ["p2", 3],
    ]);
    expect(out[0]!.patients![0]!.demographics.village).toBe("Kisumu");
    expect(out[0]!.cases!.map((c) => [c.id, c.triage_data.notes])).toEqual([["c1", "edited"]]);
    expect(isSyncBatchDoc({ chw_id: "chw", device_id: "d", changes: out[0] })).toBe(true);
  });

  it("keeps the later save on a timestamp tie, and an older save arriving later never wins", () => {
    const out = coalesceChanges([
      { patients: [patient("p1", 10, "First")] },
      { patients: [patient("p1", 10, "Second")] },
      { patients: [patient("p1", 9, "Older")] },
    ]);
    expect(out[0]!.patients!.map((p) => p.demographics.village)).toEqual(["Second"]);
  });

  it("splits at the record and byte bounds, patients before cases, losing nothing", () => {
    const many = Array.from({ length: COALESCED_MAX_RECORDS + 30 }, (_, i) => ({
      patients: [patient(`p${i}`, i)],
    }));
    const withCase = [...many, { cases: [kase("c1", "p0", 1)] }];
    const out = coalesceChanges(withCase);
    expect(out.map((b) => (b.patients?.length ?? 0) + (b.cases?.length ?? 0))).toEqual([
      COALESCED_MAX_RECORDS,
      31,
    ]);
    expect(out[0]!.cases).toBeUndefined();
    expect(out[1]!.cases!.map((c) => c.id)).toEqual(["c1"]);
    const big = "x".repeat(60_000);
    const heavy = Array.from({ length: 10 }, (_, i) => ({
      cases: [kase(`h${i}`, "p0", i, big)],
    }));
    const split = coalesceChanges(heavy);
    expect(split.length).toBeGreaterThan(1);
    for (const b of split)
      expect(JSON.stringify(b).length).toBeLessThan(COALESCED_MAX_BYTES + 1024);
    expect(split.flatMap((b) => b.cases!.map((c) => c.id))).toEqual(
      heavy.map((h) => h.cases[0]!.id),
    );
  });

  it("holds nothing back when there is nothing held", () => {
    expect(coalesceChanges([])).toEqual([]);
  });
});
