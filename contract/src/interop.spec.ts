import { expect } from "chai";
import { applyKeyOrder, keyOrderOf, pullView } from "./interop";
import { WATERMELON_SCHEMA_VERSION, forSchemaVersion } from "./watermelon";

/** Firestore returns map keys sorted; this is what a stored document looks like when read. */
function sortedDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedDeep);
  if (v === null || typeof v !== "object") return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortedDeep((v as Record<string, unknown>)[k])]),
  );
}

describe("interop: key order and pull views", () => {
  const demographics = {
    name: "Chausiku",
    date_of_birth: "1988-02-11",
    sex: "female",
    guardian: { relation: "mother", name: "Zawadi" },
    age_years: 37,
    village: "Nyalenda",
    contacts: [{ value: "+254 700", kind: "sms" }],
  };

  it("records the order of a map with unknown keys and restores it after a sorted read", () => {
    const order = keyOrderOf("patients", { id: "p", demographics });
    expect(order).to.be.a("string");
    const stored = { id: "p", demographics: sortedDeep(demographics), key_order: order };
    const view = pullView("patients", stored);
    expect(JSON.stringify(view.demographics)).to.equal(JSON.stringify(demographics));
    expect(view).to.not.have.property("key_order");
  });

  it("records nothing for maps holding only keys the contract knows", () => {
    const known = { village: "Rongo", name: "B", sex: "male", age_years: 7 };
    expect(keyOrderOf("patients", { id: "p", demographics: known })).to.equal(undefined);
  });

  it("keeps keys added after the order was recorded, and survives a broken key_order", () => {
    const order = keyOrderOf("patients", { id: "p", demographics });
    const later = applyKeyOrder({ demographics: { ...demographics, zz: 1, aa: 2 } }, order);
    expect(Object.keys(later.demographics as object).slice(-2)).to.deep.equal(["zz", "aa"]);
    const doc = { demographics: { b: 1, a: 2 } };
    expect(applyKeyOrder(doc, "{not json")).to.equal(doc);
  });

  it("leaves the doctor-access bookkeeping out of a CHW's pull", () => {
    const view = pullView("patients", {
      id: "p",
      review_pending: true,
      review_doctor_ids: ["d1"],
      server_seq: 4,
    });
    expect(view).to.deep.equal({ id: "p", server_seq: 4 });
  });

  it("sends a device on an older schema only the columns its version has", () => {
    const d = { id: "d", case_id: "c", diagnosis_text: "t", referral: { decision: "urgent" } };
    expect(forSchemaVersion("diagnoses", d, 1)).to.not.have.property("referral");
    expect(forSchemaVersion("diagnoses", d, WATERMELON_SCHEMA_VERSION)).to.deep.equal(d);
    expect(forSchemaVersion("diagnoses", d, WATERMELON_SCHEMA_VERSION + 5)).to.deep.equal(d);
    expect(forSchemaVersion("patients", { id: "p", x: 1 }, 1)).to.deep.equal({ id: "p", x: 1 });
  });
});
