import { expect } from "chai";
import { isDiagnosisRequest, isPatientRecord } from "./validate";

// Checklist C10 (docs/threat-model.md): the one Ajv instance stops at the first error (no error
// amplification from a crafted body) and compiles every schema strictly at start-up.
describe("the shared validator's configuration", () => {
  it("stops at the first error: a record wrong in every field reports one error", () => {
    const bad = {
      id: 7,
      chw_id: [],
      last_modified_at: "yesterday",
      demographics: "none",
      extra: { deep: true },
    };
    expect(isPatientRecord(bad)).to.equal(false);
    expect(isPatientRecord.errors).to.have.length(1);
  });

  it("reports one error for a diagnosis body wrong in every field too", () => {
    expect(isDiagnosisRequest({ diagnosis: 1, prescription: 2, referral: 3 })).to.equal(false);
    expect(isDiagnosisRequest.errors).to.have.length(1);
  });
});
