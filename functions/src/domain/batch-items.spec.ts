import { expect } from "chai";
import { seedItems, watermelonItems } from "./batch-items";
import { docsToRead } from "./plan-batch";

const NOW = 1_800_000_000_000;
const patient = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  demographics: { name: "P", sex: "female", age_years: 30, village: "V" },
  last_modified_at: NOW - 1000,
  ...extra,
});
const kase = (id: string, patientId: string) => ({
  id,
  patient_id: patientId,
  triage_data: { body_site: "arm", duration_days: 3, symptoms: [], danger_signs: [] },
  risk_level: "GREEN",
  images: [],
  last_modified_at: NOW - 1000,
});

describe("batch items: the device's 'new' hint", () => {
  it("keeps the seed format's sync_status 'new' as a flag although the stored record drops it", () => {
    const items = seedItems(
      {
        patients: [
          patient("p1", { sync_status: "new" }),
          patient("p2", { sync_status: "modified" }),
          patient("p3"),
        ],
      },
      NOW,
    );
    expect(items.map((i) => i.claimsNew === true)).to.deep.equal([true, false, false]);
    const first = items[0]!.change;
    expect(first.ok).to.equal(true);
    if (first.ok && !("deleteId" in first))
      expect(first.record).to.not.have.property("sync_status");
  });

  it("flags WatermelonDB created records, not updated ones or deletes", () => {
    // WatermelonDB raws carry JSON columns as strings.
    const raw = (id: string) => ({
      id,
      demographics: JSON.stringify(patient(id).demographics),
      last_modified_at: NOW - 1000,
    });
    const items = watermelonItems(
      { patients: { created: [raw("p1")], updated: [raw("p2")], deleted: ["p3"] } },
      NOW,
    );
    expect(items.map((i) => [i.resultId, i.claimsNew === true])).to.deep.equal([
      ["p1", true],
      ["p2", false],
      ["p3", false],
    ]);
  });

  it("leaves claimed-new records out of the pre-read only when asked, and reads everything otherwise", () => {
    const items = seedItems(
      {
        patients: [patient("p1", { sync_status: "new" }), patient("p2")],
        cases: [
          { ...kase("c1", "p1"), sync_status: "new" },
          { ...kase("c2", "p9"), sync_status: "new" },
        ],
      },
      NOW,
    );
    // c2's patient p9 is not in the batch: its owner must be read to check the case.
    expect(docsToRead(items, { trustNew: true }).sort()).to.deep.equal([
      "patients/p2",
      "patients/p9",
    ]);
    expect(docsToRead(items).sort()).to.deep.equal([
      "cases/c1",
      "cases/c2",
      "patients/p1",
      "patients/p2",
      "patients/p9",
    ]);
  });
});
