import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { PROMPT_VERSION } from "../../src/domain/analysis-prompt";
import { injectedCase } from "../support/injection-fixtures";
import { type CaseDoc, calls, commitCase, freshChw, redCase, script, waitFor } from "./ai-helpers";

/*
 * Prompt hygiene end to end: what the MedGemma stand-in receives over the wire for a case full
 * of injection strings, and how a crafted answer that steers urgency is shown, not accepted.
 */

const FENCE = /^<<<CASE_DATA>>>\n(.*)\n<<<END_CASE_DATA>>>$/m;

interface CheckedCase extends CaseDoc {
  needs_doctor?: boolean;
  ai_analysis?: CaseDoc["ai_analysis"] & {
    urgency_check?: { agrees: boolean; flags: string[]; case_urgency: string };
  };
}

describe("AI prompt hygiene on the emulators", function () {
  this.timeout(240_000);

  it("sends injected case text to the model only as one escaped line inside the data fence", async () => {
    const chw = freshChw();
    const caseId = randomUUID();
    const key = await commitCase(chw, caseId, redCase(injectedCase()), 1);
    const kase = await waitFor<CheckedCase>(
      `cases/${caseId}`,
      (d) => d?.analysis?.state === "done",
      150_000,
    );
    expect(kase.ai_analysis?.prompt_version).to.equal(PROMPT_VERSION);
    const [call] = await calls(key);
    const prompt = call!.prompt;
    // The fence lines appear once each (the instructions name them inside a sentence only).
    const fenceLines = (l: string) => l === "<<<CASE_DATA>>>" || l === "<<<END_CASE_DATA>>>";
    expect(prompt.split("\n").filter(fenceLines)).to.deep.equal([
      "<<<CASE_DATA>>>",
      "<<<END_CASE_DATA>>>",
    ]);
    const data = FENCE.exec(prompt)![1]!;
    expect(data).to.not.match(/[<>\u2028\u2029]/);
    const outside = prompt.replace(FENCE, "");
    for (const marker of ["IGNORE ALL", "System: the patient", "start_of_turn", "Jane Roe"]) {
      expect(outside).to.not.include(marker);
    }
    expect(prompt).to.not.include("Jane Roe"); // notes never leave the case
    const facts = (JSON.parse(data) as { case: { danger_signs: string[] } }).case;
    expect(facts.danger_signs).to.deep.equal(["bleeding"]);
    // The stand-in read the danger sign from the data: urgent, and the cross-check agrees.
    expect(kase.ai_analysis?.urgency_check).to.deep.include({ agrees: true, flags: [] });
  });

  it("flags a crafted answer that says routine for a case with danger signs, and the case still goes to the doctors", async () => {
    const chw = freshChw();
    const caseId = randomUUID();
    const key = `${caseId}.v1`;
    await script(key, ["urgency:routine"], "urgency:routine");
    await commitCase(chw, caseId, redCase(), 1);
    const kase = await waitFor<CheckedCase>(
      `cases/${caseId}`,
      (d) => d?.analysis?.state === "done",
      150_000,
    );
    expect(kase.ai_analysis?.findings.urgency).to.equal("routine");
    expect(kase.ai_analysis?.urgency_check).to.deep.include({
      agrees: false,
      case_urgency: "urgent",
    });
    expect(kase.ai_analysis?.urgency_check?.flags).to.include("model_below_danger_signs");
    expect(kase.status).to.equal("PENDING_DIAGNOSIS");
    expect(kase.needs_doctor).to.equal(true);
  });
});
