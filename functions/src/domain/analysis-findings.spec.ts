import { expect } from "chai";
import { extractJsonObject, parseFindings } from "./analysis-findings";

const valid = {
  differential: [{ condition: "melanoma", likelihood: "high", rationale: "asymmetric, dark" }],
  urgency: "urgent",
  recommended_action: "Refer within a week.",
  red_flags: ["bleeding"],
  confidence: 0.7,
  limitations: ["single photo"],
};

describe("analysis findings", () => {
  it("reads the first balanced object out of fences, prose and thinking", () => {
    const text = `<unused94>thought\n{"draft": 1}<unused95>Here you go:\n\`\`\`json\n${JSON.stringify(valid)}\n\`\`\` done {"x":1}`;
    expect(JSON.parse(extractJsonObject(text)!)).to.deep.equal(valid);
  });

  it("is not fooled by braces inside strings", () => {
    const withBrace = { ...valid, recommended_action: "Refer } now {" };
    expect(parseFindings(`ok ${JSON.stringify(withBrace)}`)).to.deep.equal({
      ok: true,
      findings: withBrace,
    });
  });

  it("refuses prose, broken JSON, and JSON of the wrong shape with a reason", () => {
    expect(parseFindings("looks like eczema")).to.deep.equal({ ok: false, reason: "no_json" });
    expect(parseFindings('{"differential": [}')).to.deep.equal({
      ok: false,
      reason: "invalid_json",
    });
    expect(parseFindings('{"differential": [')).to.deep.equal({ ok: false, reason: "no_json" });
    expect(parseFindings("{'a': 1}")).to.deep.equal({ ok: false, reason: "invalid_json" });
    expect(parseFindings(JSON.stringify({ ...valid, urgency: "soon" }))).to.deep.equal({
      ok: false,
      reason: "schema",
    });
    expect(parseFindings(JSON.stringify({ ...valid, confidence: 3 })).ok).to.equal(false);
    expect(parseFindings(JSON.stringify({ ...valid, extra: true })).ok).to.equal(false);
    expect(parseFindings(JSON.stringify({ ...valid, differential: [] })).ok).to.equal(false);
  });
});
