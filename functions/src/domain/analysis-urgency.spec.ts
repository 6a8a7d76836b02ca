import { expect } from "chai";
import type { Findings, Urgency } from "./analysis-findings";
import { promptCaseOf } from "./analysis-prompt";
import { checkUrgency } from "./analysis-urgency";

const answer = (urgency: Urgency): Findings => ({
  differential: [{ condition: "x", likelihood: "low" }],
  urgency,
  recommended_action: "Refer.",
  red_flags: [],
  confidence: 0.5,
  limitations: [],
});
const facts = (risk: string, danger_signs: string[], lesion?: Record<string, unknown>) =>
  promptCaseOf({ risk_level: risk, triage_data: { danger_signs, symptoms: [], lesion } });

describe("urgency cross-check", () => {
  it("flags a model answer below the case's danger signs, whichever way the sign was recorded", () => {
    for (const c of [
      facts("YELLOW", ["bleeding"]),
      facts("YELLOW", ["Bleeds a lot"]), // outside the vocabulary: still a danger sign
      facts("GREEN", [], { ulcerated: true }),
    ]) {
      for (const u of ["routine", "self_care"] as const) {
        const check = checkUrgency(c, answer(u));
        expect(check.agrees).to.equal(false);
        expect(check.flags).to.deep.equal(["model_below_danger_signs"]);
        expect(check.case_urgency).to.equal("urgent");
      }
    }
  });

  it("flags routine for a RED case without danger signs, and the reverse: escalation the case does not support", () => {
    expect(checkUrgency(facts("RED", []), answer("routine")).flags).to.deep.equal([
      "model_below_risk",
    ]);
    expect(checkUrgency(facts("GREEN", []), answer("urgent")).flags).to.deep.equal([
      "model_above_case",
    ]);
    expect(checkUrgency(facts("RED", []), answer("emergency")).flags).to.deep.equal([
      "model_above_case",
    ]);
  });

  it("agrees when the model is at least as urgent as the danger signs say", () => {
    for (const u of ["urgent", "emergency"] as const) {
      const check = checkUrgency(facts("RED", ["bleeding"]), answer(u));
      expect([check.agrees, check.flags]).to.deep.equal([true, []]);
      expect(check.reasons).to.deep.equal(["danger_sign:bleeding", "risk:RED"]);
    }
    expect(checkUrgency(facts("GREEN", []), answer("routine")).agrees).to.equal(true);
  });

  it("flags an overall answer less urgent than one of its photos", () => {
    const check = checkUrgency(facts("RED", ["bleeding"]), answer("urgent"), [
      answer("emergency"),
      answer("routine"),
    ]);
    expect(check.flags).to.deep.equal(["synthesis_below_photos"]);
  });
});
