import type { RiskThresholds, ZeroShotLabel } from "./model-meta";
import type { RiskLevel } from "./risk";
import type { LabelScore } from "./zero-shot";
import { cosine, modelRisk, scoreEmbedding, sigmoid } from "./zero-shot";

const label = (id: string, risk: RiskLevel, text_embed: number[]): ZeroShotLabel => ({
  id,
  prompt: `a photo of ${id}`,
  risk,
  text_embed,
});

describe("zero-shot scores", () => {
  it("match a hand computation of sigmoid(cos · exp(logit_scale) + logit_bias)", () => {
    // image (3, 4), |image| = 5. Worked by hand:
    //   a = (4, 3):  cos = 24/25 = 0.96 → logit 0.96·10 − 5 = 4.6 → 1/(1+e^−4.6) = 0.990048
    //   b = (2, 0):  cos = 6/10  = 0.6  → logit 1                → 0.731059
    //   c = (0, −2): cos = −8/10 = −0.8 → logit −13              → 2.2603e−6
    const scores = scoreEmbedding([3, 4], {
      logit_scale: Math.log(10),
      logit_bias: -5,
      labels: [
        label("a", "RED", [4, 3]),
        label("b", "YELLOW", [2, 0]),
        label("c", "GREEN", [0, -2]),
      ],
    });
    expect(scores.map((s) => s.label)).toEqual(["a", "b", "c"]);
    expect(scores.map((s) => s.risk)).toEqual(["RED", "YELLOW", "GREEN"]);
    expect(scores[0]?.cosine).toBeCloseTo(0.96, 12);
    expect(scores[1]?.cosine).toBeCloseTo(0.6, 12);
    expect(scores[2]?.cosine).toBeCloseTo(-0.8, 12);
    expect(scores[0]?.probability).toBeCloseTo(0.990048, 6);
    expect(scores[1]?.probability).toBeCloseTo(0.731059, 6);
    expect(scores[2]?.probability).toBeCloseTo(2.2603e-6, 9);
  });

  it("scores are independent per label (sigmoid, not softmax)", () => {
    const scores = scoreEmbedding([1, 0], {
      logit_scale: 0,
      logit_bias: 3,
      labels: [label("x", "RED", [1, 0]), label("y", "GREEN", [1, 0])],
    });
    const sum = scores.reduce((s, x) => s + x.probability, 0);
    expect(sum).toBeGreaterThan(1.9);
  });

  it("cosine normalises both vectors and refuses mismatched widths", () => {
    expect(cosine([10, 0], [0.5, 0.5])).toBeCloseTo(Math.SQRT1_2, 12);
    expect(cosine([0, 0], [1, 1])).toBe(0);
    expect(() => cosine([1, 2, 3], [1, 2])).toThrow(RangeError);
  });

  it("sigmoid stays finite and symmetric at extremes", () => {
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(800)).toBe(1);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(2) + sigmoid(-2)).toBeCloseTo(1, 15);
  });
});

describe("model risk thresholds", () => {
  const thresholds: RiskThresholds = { red: 0.5, yellow: 0.3 };
  const s = (label: string, risk: RiskLevel, probability: number): LabelScore => ({
    label,
    risk,
    cosine: 0,
    probability,
  });

  it("a RED label at the red threshold is RED, just below it is YELLOW", () => {
    expect(
      modelRisk([s("melanoma", "RED", 0.5), s("skin", "GREEN", 0.9)], thresholds),
    ).toMatchObject({
      risk: "RED",
      label: "melanoma",
    });
    expect(modelRisk([s("melanoma", "RED", 0.4999)], thresholds)).toMatchObject({
      risk: "YELLOW",
      label: "melanoma",
    });
  });

  it("a YELLOW label never makes RED, however high", () => {
    expect(modelRisk([s("eczema", "YELLOW", 0.99)], thresholds).risk).toBe("YELLOW");
  });

  it("below the yellow threshold is GREEN; GREEN labels never raise risk", () => {
    const result = modelRisk(
      [s("melanoma", "RED", 0.2999), s("eczema", "YELLOW", 0.1), s("mole", "GREEN", 0.99)],
      thresholds,
    );
    expect(result).toMatchObject({ risk: "GREEN", label: "mole" });
  });

  it("the decisive label is the highest-scoring one and the reason names the threshold", () => {
    const result = modelRisk([s("a", "RED", 0.6), s("b", "RED", 0.8)], thresholds);
    expect(result.label).toBe("b");
    expect(result.reason).toContain("0.80");
    expect(result.reason).toContain("0.5");
  });

  it("with uncertain_below, a photo no label recognises is YELLOW, not reassuring GREEN", () => {
    const unsure = { ...thresholds, uncertain_below: 0.2 };
    const low = [s("melanoma", "RED", 0.05), s("mole", "GREEN", 0.19)];
    expect(modelRisk(low, unsure)).toMatchObject({ risk: "YELLOW" });
    expect(modelRisk(low, unsure).reason).toContain("unsure");
    expect(modelRisk([s("mole", "GREEN", 0.2)], unsure).risk).toBe("GREEN");
    expect(modelRisk(low, thresholds).risk).toBe("GREEN");
  });
});
