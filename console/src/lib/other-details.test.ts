import { describe, expect, it } from "vitest";
import { KNOWN_DEMOGRAPHICS, KNOWN_TRIAGE, otherDetails } from "./other-details";

describe("otherDetails", () => {
  it("lists only the keys the contract does not know, in the device's order", () => {
    const rows = otherDetails(
      {
        name: "Achieng",
        sex: "female",
        date_of_birth: "1984-03-02",
        age_years: 42,
        guardian: { name: "Otieno", relation: "son" },
        contacts: ["+254 700 000001", "+254 700 000002"],
      },
      KNOWN_DEMOGRAPHICS,
    );
    expect(rows).toEqual([
      { key: "date of birth", value: "1984-03-02" },
      { key: "guardian", value: '{"name":"Otieno","relation":"son"}' },
      { key: "contacts", value: "+254 700 000001, +254 700 000002" },
    ]);
  });

  it("knows every triage key the contract types, so none is shown twice", () => {
    const rows = otherDetails(
      { body_site: "arm", duration_days: 3, symptoms: [], danger_signs: [], lesion: {}, pain_score: 7 },
      KNOWN_TRIAGE,
    );
    expect(rows).toEqual([{ key: "pain score", value: "7" }]);
  });

  it("answers nothing for a missing or non-object value", () => {
    expect(otherDetails(undefined, KNOWN_TRIAGE)).toEqual([]);
    expect(otherDetails(["a"], KNOWN_TRIAGE)).toEqual([]);
  });
});
