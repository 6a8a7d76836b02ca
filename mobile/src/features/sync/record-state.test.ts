import type { CaseRecord, PatientRecord } from "@dermadetect/contract";
import type { PortDoc } from "@/lib/firebase/firestore-port";
import { deriveView, discardKey, localManifest } from "./record-state";
import type { BatchView } from "./record-state";

const patient = (id: string, lmt: number, name = "Achieng"): PatientRecord => ({
  id,
  demographics: { name, sex: "female", age_years: 30, village: "Kisumu" },
  last_modified_at: lmt,
});
const kase = (id: string, lmt: number, risk: CaseRecord["risk_level"] = "RED"): CaseRecord => ({
  id,
  patient_id: "p1",
  triage_data: { body_site: "arm", duration_days: 3, symptoms: [], danger_signs: [] },
  risk_level: risk,
  images: [],
  last_modified_at: lmt,
});
const doc = (id: string, data: object): PortDoc => ({
  id,
  data: { ...data, chw_id: "chw" },
  hasPendingWrites: false,
});
const empty = { patients: [], cases: [], diagnoses: [], batches: [], discarded: new Set<string>() };

describe("deriveView", () => {
  it("walks a record through pending → uploaded → applied from receipts only", () => {
    const local = patient("p1", 1000);
    const b: BatchView = { id: "b1", pending: true, changes: { patients: [local] } };
    expect(deriveView({ ...empty, batches: [b] }).patients[0]?.state.kind).toBe("pending");
    expect(
      deriveView({ ...empty, batches: [{ ...b, pending: false }] }).patients[0]?.state.kind,
    ).toBe("uploaded");
    const applied: BatchView = {
      ...b,
      pending: false,
      status: "applied",
      results: [{ table: "patients", id: "p1", outcome: "applied", server_seq: 7 }],
    };
    const v = deriveView({ ...empty, batches: [applied] });
    expect(v.patients[0]?.state.kind).toBe("applied");
    expect(v.unconfirmed).toBe(0);
  });

  it("shows the local edit over an older canonical copy until the server catches up", () => {
    const canonical = doc("p1", { ...patient("p1", 1000, "Old name"), server_seq: 1 });
    const edit: BatchView = {
      id: "b2",
      pending: true,
      changes: { patients: [patient("p1", 2000, "New name")] },
    };
    const v = deriveView({ ...empty, patients: [canonical], batches: [edit] });
    expect(v.patients[0]?.record.demographics.name).toBe("New name");
    expect(v.patients[0]?.state.kind).toBe("pending");
    const caughtUp = doc("p1", { ...patient("p1", 2000, "New name"), server_seq: 2 });
    expect(
      deriveView({ ...empty, patients: [caughtUp], batches: [edit] }).patients[0]?.state.kind,
    ).toBe("applied");
  });

  it("trusts server_seq when the server clamped a future timestamp", () => {
    const edit: BatchView = {
      id: "b",
      pending: false,
      status: "applied",
      changes: { cases: [kase("c1", 9_000_000)] },
      results: [
        {
          table: "cases",
          id: "c1",
          outcome: "applied",
          reason: "CLOCK_SKEW_CLAMPED",
          server_seq: 5,
        },
      ],
      clockSkewMs: 8_000_000,
    };
    const canonical = doc("c1", {
      ...kase("c1", 1_000_000),
      server_seq: 6,
      ai_analysis: { model: "m" },
    });
    expect(deriveView({ ...empty, cases: [canonical], batches: [edit] }).cases[0]?.state.kind).toBe(
      "analysed",
    );
  });

  it("a rejected record carries its reason, does not count as unconfirmed, and can be discarded", () => {
    const b: BatchView = {
      id: "b1",
      pending: false,
      status: "applied",
      changes: { patients: [patient("bad", 1000), patient("good", 1000, "Wanjiru")] },
      results: [
        { table: "patients", id: "bad", outcome: "rejected", reason: "NOT_OWNER" },
        { table: "patients", id: "good", outcome: "applied", server_seq: 3 },
      ],
    };
    const v = deriveView({ ...empty, batches: [b] });
    expect(v.rejected).toEqual([
      expect.objectContaining({ id: "bad", reason: "NOT_OWNER", batchId: "b1" }),
    ]);
    expect(v.patients.find((p) => p.record.id === "good")?.state.kind).toBe("applied");
    expect(v.unconfirmed).toBe(0);
    const discarded = deriveView({
      ...empty,
      batches: [b],
      discarded: new Set([discardKey("b1", "patients", "bad")]),
    });
    expect(discarded.rejected).toEqual([]);
    expect(discarded.patients.map((p) => p.record.id)).toEqual(["good"]);
  });

  it("a stale edit shows the server's version and says why", () => {
    const canonical = doc("p1", {
      ...patient("p1", 5000, "Server name"),
      server_seq: 4,
      deleted_at: null,
    });
    const b: BatchView = {
      id: "b",
      pending: false,
      status: "applied",
      changes: { patients: [patient("p1", 6000, "Mine")] },
      results: [{ table: "patients", id: "p1", outcome: "stale", reason: "TIE_LOST" }],
    };
    const v = deriveView({ ...empty, patients: [canonical], batches: [b] });
    expect(v.patients[0]?.record.demographics.name).toBe("Server name");
    expect(v.patients[0]?.state).toEqual({ kind: "stale", reason: "TIE_LOST" });
  });

  it("marks cases analysed and diagnosed from server documents, RED first", () => {
    const cases = [
      doc("green", { ...kase("green", 3000, "GREEN"), server_seq: 1 }),
      doc("red", { ...kase("red", 1000, "RED"), server_seq: 2, ai_analysis: { model: "m" } }),
      doc("yellow", { ...kase("yellow", 2000, "YELLOW"), server_seq: 3, status: "DIAGNOSED" }),
    ];
    const diagnoses = [doc("d1", { case_id: "green", diagnosis_text: "Tinea", server_seq: 4 })];
    const v = deriveView({ ...empty, cases, diagnoses });
    expect(v.cases.map((c) => [c.record.id, c.state.kind])).toEqual([
      ["red", "analysed"],
      ["yellow", "diagnosed"],
      ["green", "diagnosed"],
    ]);
    expect(v.cases[2]?.diagnoses[0]?.diagnosis_text).toBe("Tinea");
  });

  it("hides tombstones and leaves them out of the device manifest", () => {
    const live = doc("a", { ...patient("a", 1), server_seq: 1 });
    const gone = doc("b", { ...patient("b", 1), server_seq: 2, deleted_at: 5 });
    expect(
      deriveView({ ...empty, patients: [live, gone] }).patients.map((p) => p.record.id),
    ).toEqual(["a"]);
    const m = localManifest({ patients: [live, gone], cases: [], diagnoses: [] });
    expect(m.count).toBe(1);
    expect(m).toEqual(localManifest({ patients: [live], cases: [], diagnoses: [] }));
  });
});
