import type { RuleId, TriageAnswers } from "./danger-signs";
import { evaluateDangerSigns, rulesRisk } from "./danger-signs";
import { worseOf, worstOf } from "./risk";

const calm: TriageAnswers = {
  body_site: "forearm",
  duration_days: 3,
  symptoms: [],
  danger_signs: [],
};

const fired = (answers: Partial<TriageAnswers>): RuleId[] =>
  evaluateDangerSigns({ ...calm, ...answers }).map((f) => f.rule);

describe("risk ordering", () => {
  it("worse-of picks RED over YELLOW over GREEN, in either order", () => {
    expect(worseOf("GREEN", "RED")).toBe("RED");
    expect(worseOf("RED", "YELLOW")).toBe("RED");
    expect(worseOf("YELLOW", "GREEN")).toBe("YELLOW");
    expect(worseOf("GREEN", "GREEN")).toBe("GREEN");
    expect(worstOf([])).toBe("GREEN");
    expect(worstOf(["GREEN", "YELLOW", "GREEN"])).toBe("YELLOW");
  });
});

describe("danger-sign rules", () => {
  it("nothing recorded fires nothing and is GREEN", () => {
    const result = evaluateDangerSigns(calm);
    expect(result).toEqual([]);
    expect(rulesRisk(result)).toBe("GREEN");
  });

  it.each([
    ["bleeding", { danger_signs: ["bleeding"] }],
    ["bleeding", { lesion: { bleeding: true } }],
    ["ulceration", { danger_signs: ["ulceration"] }],
    ["ulceration", { lesion: { ulcerated: true } }],
    ["rapid_change", { danger_signs: ["rapid_change"] }],
    ["rapid_change", { lesion: { rapid_change: true } }],
    ["large_lesion", { lesion: { diameter_mm: 20 } }],
    ["fever", { symptoms: ["fever"] }],
  ] as [RuleId, Partial<TriageAnswers>][])("%s is RED (%j)", (rule, answers) => {
    const result = evaluateDangerSigns({ ...calm, ...answers });
    const hit = result.find((f) => f.rule === rule);
    expect(hit?.risk).toBe("RED");
    expect(hit?.reason.length).toBeGreaterThan(10);
    expect(rulesRisk(result)).toBe("RED");
  });

  it.each([
    ["asymmetry", { lesion: { asymmetry: true } }],
    ["border", { lesion: { border_irregular: true } }],
    ["colour", { lesion: { color_variegated: true } }],
    ["diameter", { lesion: { diameter_mm: 6.5 } }],
    ["evolution", { lesion: { evolving: true } }],
    ["non_healing", { danger_signs: ["non_healing"] }],
    ["spreading", { symptoms: ["spreading"] }],
    ["pain", { symptoms: ["pain"] }],
  ] as [RuleId, Partial<TriageAnswers>][])(
    "%s alone is YELLOW and the only rule (%j)",
    (rule, answers) => {
      const result = evaluateDangerSigns({ ...calm, ...answers });
      expect(result.map((f) => [f.rule, f.risk])).toEqual([[rule, "YELLOW"]]);
      expect(rulesRisk(result)).toBe("YELLOW");
    },
  );

  it("diameter counts above 6 mm only, and is large from 20 mm", () => {
    expect(fired({ lesion: { diameter_mm: 6 } })).toEqual([]);
    expect(fired({ lesion: { diameter_mm: 19.9 } })).toEqual(["diameter"]);
    expect(fired({ lesion: { diameter_mm: 20 } })).toEqual(["large_lesion", "diameter"]);
    expect(evaluateDangerSigns({ ...calm, lesion: { diameter_mm: 8 } })[0]?.reason).toContain(
      "8 mm",
    );
  });

  it("two ABCDE signs stay YELLOW, three make the melanoma pattern RED and list them", () => {
    const two = evaluateDangerSigns({
      ...calm,
      lesion: { asymmetry: true, border_irregular: true },
    });
    expect(rulesRisk(two)).toBe("YELLOW");
    const three = evaluateDangerSigns({
      ...calm,
      lesion: { asymmetry: true, color_variegated: true, diameter_mm: 7 },
    });
    expect(three.map((f) => f.rule)).toEqual(["abcde_several", "asymmetry", "colour", "diameter"]);
    expect(three[0]?.risk).toBe("RED");
    expect(three[0]?.reason).toContain("asymmetry, colour, diameter");
  });

  it("itching alone fires nothing; unknown codes are ignored", () => {
    expect(fired({ symptoms: ["itching", "sneezing"], danger_signs: ["unheard_of"] })).toEqual([]);
  });

  it("reads codes case-insensitively with spaces or hyphens", () => {
    expect(fired({ danger_signs: ["Rapid Change"], symptoms: [" FEVER "] })).toEqual([
      "rapid_change",
      "fever",
    ]);
    expect(fired({ danger_signs: ["non-healing"] })).toEqual(["non_healing"]);
  });

  it("lists RED rules before YELLOW ones and fires each rule once", () => {
    const result = evaluateDangerSigns({
      ...calm,
      symptoms: ["pain", "fever"],
      danger_signs: ["bleeding"],
      lesion: { bleeding: true, evolving: true },
    });
    expect(result.map((f) => f.rule)).toEqual(["bleeding", "fever", "evolution", "pain"]);
    expect(result.map((f) => f.risk)).toEqual(["RED", "RED", "YELLOW", "YELLOW"]);
  });
});
