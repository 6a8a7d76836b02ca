import { expect } from "chai";
import { affectsReview, reviewOf, sameReview } from "./patient-review";

describe("patient review state (doctor access to patients)", () => {
  it("is pending while any live case awaits diagnosis", () => {
    expect(
      reviewOf([{ status: "TRIAGED" }, { status: "PENDING_DIAGNOSIS" }]).review_pending,
    ).to.equal(true);
    expect(
      reviewOf([{ status: "TRIAGED" }, { status: "DIAGNOSED", doctor_id: "d1" }]).review_pending,
    ).to.equal(false);
    expect(reviewOf([]).review_pending).to.equal(false);
  });

  it("lists each diagnosing doctor once, sorted, ignoring tombstoned cases", () => {
    const r = reviewOf([
      { status: "DIAGNOSED", doctor_id: "d2" },
      { status: "DIAGNOSED", doctor_id: "d1" },
      { status: "DIAGNOSED", doctor_id: "d2" },
      { status: "PENDING_DIAGNOSIS", deleted_at: 5 },
      { status: "DIAGNOSED", doctor_id: "d3", deleted_at: 7 },
    ]);
    expect(r).to.deep.equal({ review_pending: false, review_doctor_ids: ["d1", "d2"] });
  });

  it("reacts only to patient, status, doctor or deletion changes", () => {
    // Whole case documents, as the trigger gets them: other fields must not matter.
    const base: Record<string, unknown> = { patient_id: "p", status: "TRIAGED", risk_level: "RED" };
    expect(affectsReview(base, { ...base, risk_level: "GREEN" })).to.equal(false);
    expect(affectsReview(base, { ...base, status: "PENDING_DIAGNOSIS" })).to.equal(true);
    expect(affectsReview(base, { ...base, patient_id: "q" })).to.equal(true);
    expect(affectsReview(base, { ...base, deleted_at: 1 })).to.equal(true);
    expect(affectsReview(undefined, base)).to.equal(true);
    expect(affectsReview(base, undefined)).to.equal(true);
  });

  it("compares stored and wanted fields; absent fields mean not pending and no doctors", () => {
    const want = { review_pending: true, review_doctor_ids: ["d1"] };
    expect(sameReview(want, want)).to.equal(true);
    expect(sameReview({ review_pending: true, review_doctor_ids: [] }, want)).to.equal(false);
    expect(sameReview(undefined, want)).to.equal(false);
    expect(sameReview(undefined, { review_pending: false, review_doctor_ids: [] })).to.equal(true);
    expect(
      sameReview({ review_pending: false }, { review_pending: false, review_doctor_ids: ["d"] }),
    ).to.equal(false);
  });
});
