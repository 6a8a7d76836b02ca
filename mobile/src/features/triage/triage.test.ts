import type { CaseRecord } from "@dermadetect/contract";
import { isCaseRecord } from "@dermadetect/contract";
import * as tf from "@tensorflow/tfjs";
import { loadStandInModel } from "@/test-support/stand-in-model";
import type { SyntheticKind } from "../../../scripts/synthetic-photos";
import { syntheticPhoto } from "../../../scripts/synthetic-photos";
import type { TriageAnswers, TriageModel, TriageResult } from "./api";
import { DEMO_MODEL_LABEL, toOnDeviceTriage, triageCase } from "./api";
import { embedImage } from "./load-model";
import { preprocessImage } from "./preprocess";
import { cosine, sigmoid } from "./zero-shot";

let fixture: TriageModel;

beforeAll(async () => (fixture = await loadStandInModel()));

afterAll(() => fixture.graph.dispose());

const calm: TriageAnswers = {
  body_site: "forearm",
  duration_days: 3,
  symptoms: [],
  danger_signs: [],
};
const bleeding: TriageAnswers = { ...calm, danger_signs: ["bleeding"] };
const photo = (kind: SyntheticKind, seed = 11) => syntheticPhoto(kind, 320, 240, { seed });

/** A copy of the fixture claiming to be a real model, to show the label follows the metadata. */
const asRealModel = (model: TriageModel): TriageModel => ({
  graph: model.graph,
  meta: { ...model.meta, fixture: false, model_id: "medsiglip-448-converted" },
});

function expectOk(
  result: TriageResult,
): asserts result is Exclude<TriageResult, { kind: "bad-data" }> {
  expect(result.kind).not.toBe("bad-data");
}

describe("triageCase", () => {
  it("with no model installed triages by the rules alone and says so", async () => {
    const result = await triageCase({ answers: bleeding, photos: [photo("normal_skin")] }, null);
    expect(result).toMatchObject({
      kind: "rules-only",
      why: "no-model",
      model: null,
      risk: "RED",
      demoLabel: null,
    });
    expectOk(result);
    expect(result.rulesFired.map((f) => f.rule)).toEqual(["bleeding"]);
    expect(result.rulesFired[0]?.reason).toContain("bleeds");
    expect(await triageCase({ answers: calm, photos: [] }, null)).toMatchObject({ risk: "GREEN" });
  });

  it("labels every result of a fixture model 'demo model — not for clinical use'", async () => {
    expect(DEMO_MODEL_LABEL).toBe("demo model — not for clinical use");
    const results = [
      await triageCase({ answers: calm, photos: [photo("melanoma")] }, fixture),
      await triageCase({ answers: bleeding, photos: [photo("normal_skin")] }, fixture),
      await triageCase({ answers: calm, photos: [] }, fixture),
      await triageCase(
        { answers: calm, photos: [{ width: 2, height: 2, channels: 3, data: new Uint8Array(3) }] },
        fixture,
      ),
    ];
    expect(results.map((r) => r.kind)).toEqual(["model", "model", "rules-only", "rules-only"]);
    for (const r of results) expect(r).toMatchObject({ demoLabel: DEMO_MODEL_LABEL });
  });

  it("a model not marked as a fixture carries no demo label", async () => {
    const result = await triageCase(
      { answers: calm, photos: [photo("melanoma")] },
      asRealModel(fixture),
    );
    expect(result).toMatchObject({ kind: "model", demoLabel: null, model: { fixture: false } });
  });

  it.each([
    ["melanoma", "RED"],
    ["skin_infection", "RED"],
    ["eczema", "YELLOW"],
    ["benign_naevus", "GREEN"],
    ["normal_skin", "GREEN"],
  ] as [SyntheticKind, string][])(
    "the stand-in reads a %s photo (new noise, new size) as %s",
    async (kind, risk) => {
      const result = await triageCase(
        { answers: calm, photos: [syntheticPhoto(kind, 500, 375, { seed: 99 })] },
        fixture,
      );
      expect(result).toMatchObject({ kind: "model", modelRisk: risk, rulesRisk: "GREEN", risk });
      if (result.kind !== "model") return;
      const scored = result.photos[0];
      expect(scored?.kind).toBe("scored");
      if (scored?.kind !== "scored") return;
      const top = [...scored.scores].sort((a, b) => b.probability - a.probability)[0];
      expect(top?.label).toBe(kind);
    },
  );

  it("scores equal sigmoid(cos(img, text) · exp(logit_scale) + logit_bias) from the shipped JSON", async () => {
    const image = photo("eczema");
    const result = await triageCase({ answers: calm, photos: [image] }, fixture);
    const pixels = preprocessImage(image, fixture.meta.input);
    const embedding = await embedImage(fixture, pixels);
    pixels.dispose();
    const { labels, logit_scale, logit_bias } = fixture.meta;
    const expected = labels.map((l) =>
      sigmoid(cosine(embedding, l.text_embed) * Math.exp(logit_scale) + logit_bias),
    );
    expect(result.kind).toBe("model");
    if (result.kind !== "model" || result.photos[0]?.kind !== "scored") return;
    result.photos[0].scores.forEach((s, i) =>
      expect(s.probability).toBeCloseTo(expected[i] ?? -1, 10),
    );
  });

  describe("risk is the worse of model and rules", () => {
    it("model GREEN + rules RED → RED", async () => {
      const r = await triageCase({ answers: bleeding, photos: [photo("normal_skin")] }, fixture);
      expect(r).toMatchObject({ kind: "model", modelRisk: "GREEN", rulesRisk: "RED", risk: "RED" });
    });
    it("model RED + rules GREEN → RED", async () => {
      const r = await triageCase({ answers: calm, photos: [photo("melanoma")] }, fixture);
      expect(r).toMatchObject({ modelRisk: "RED", rulesRisk: "GREEN", risk: "RED" });
    });
    it("model YELLOW + rules GREEN → YELLOW; model GREEN + rules YELLOW → YELLOW", async () => {
      const a = await triageCase({ answers: calm, photos: [photo("eczema")] }, fixture);
      expect(a).toMatchObject({ modelRisk: "YELLOW", rulesRisk: "GREEN", risk: "YELLOW" });
      const b = await triageCase(
        { answers: { ...calm, symptoms: ["pain"] }, photos: [photo("benign_naevus")] },
        fixture,
      );
      expect(b).toMatchObject({ modelRisk: "GREEN", rulesRisk: "YELLOW", risk: "YELLOW" });
    });
    it("model GREEN + rules GREEN → GREEN", async () => {
      const r = await triageCase({ answers: calm, photos: [photo("benign_naevus")] }, fixture);
      expect(r).toMatchObject({ modelRisk: "GREEN", rulesRisk: "GREEN", risk: "GREEN" });
    });
    it("the worst photo decides the model's risk", async () => {
      const r = await triageCase(
        { answers: calm, photos: [photo("normal_skin"), photo("melanoma")] },
        fixture,
      );
      expect(r).toMatchObject({ kind: "model", modelRisk: "RED" });
      if (r.kind === "model") expect(r.modelReason).toMatch(/^Photo 2: melanoma scored/);
    });
  });

  it("skips an unreadable photo, scores the others, and falls back to rules when none is readable", async () => {
    const broken = { width: 10, height: 10, channels: 3 as const, data: new Uint8Array(5) };
    const some = await triageCase({ answers: calm, photos: [broken, photo("melanoma")] }, fixture);
    expect(some).toMatchObject({ kind: "model", risk: "RED" });
    if (some.kind === "model")
      expect(some.photos.map((p) => p.kind)).toEqual(["unreadable", "scored"]);
    const none = await triageCase({ answers: bleeding, photos: [broken] }, fixture);
    expect(none).toMatchObject({ kind: "rules-only", why: "photos-unreadable", risk: "RED" });
  });

  it("falls back to the rules when the model fails, with the error and no leaked tensors", async () => {
    const before = tf.memory().numTensors;
    const failing: TriageModel = {
      graph: fixture.graph,
      meta: { ...fixture.meta, output: { ...fixture.meta.output, name: "no_such_tensor" } },
    };
    const r = await triageCase({ answers: calm, photos: [photo("melanoma")] }, failing);
    expect(r).toMatchObject({
      kind: "rules-only",
      why: "model-failed",
      risk: "GREEN",
      model: { id: fixture.meta.model_id },
    });
    if (r.kind === "rules-only") expect(r.detail).toBeTruthy();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("refuses impossible answers as bad-data", async () => {
    const r = await triageCase(
      { answers: { ...calm, lesion: { diameter_mm: -1 } }, photos: [] },
      null,
    );
    expect(r).toMatchObject({ kind: "bad-data" });
    const d = await triageCase({ answers: { ...calm, duration_days: 1.5 }, photos: [] }, null);
    expect(d.kind).toBe("bad-data");
  });

  it("toOnDeviceTriage records provenance for the case's triage_data.on_device", async () => {
    const r = await triageCase(
      { answers: bleeding, photos: [photo("normal_skin"), photo("melanoma")] },
      fixture,
    );
    expectOk(r);
    const record = toOnDeviceTriage(r, 1_790_000_000_000);
    expect(record).toMatchObject({
      model_id: "medsiglip-448-stand-in",
      model_version: "fixture-1",
      fixture: true,
      risk_level: "RED",
      rules_risk_level: "RED",
      rules_fired: ["bleeding"],
      computed_at: 1_790_000_000_000,
    });
    expect(record.scores?.map((s) => s.label)).toEqual(fixture.meta.labels.map((l) => l.id));
    expect(record.scores?.find((s) => s.label === "melanoma")?.score).toBeGreaterThan(0.5);
    const rulesOnly = await triageCase({ answers: calm, photos: [] }, null);
    expectOk(rulesOnly);
    expect(toOnDeviceTriage(rulesOnly, 1)).toEqual({
      model_id: "rules-only",
      model_version: "danger-signs-1",
      fixture: false,
      risk_level: "GREEN",
      rules_risk_level: "GREEN",
      rules_fired: [],
      computed_at: 1,
    });
  });

  it("a case carrying the result passes the sync contract's case schema", async () => {
    const answers: TriageAnswers = {
      ...calm,
      symptoms: ["fever", "pain"],
      danger_signs: ["bleeding", "rapid_change"],
      lesion: {
        diameter_mm: 25,
        asymmetry: true,
        border_irregular: true,
        color_variegated: true,
        evolving: true,
      },
    };
    for (const model of [fixture, null]) {
      const r = await triageCase({ answers, photos: [photo("melanoma"), photo("eczema")] }, model);
      expectOk(r);
      const record: CaseRecord = {
        id: "8f14e45f-ceea-4e7a-9f4b-0c6f1c6a2b11",
        patient_id: "c9f0f895-fb98-4b91-8f6e-2f9a1e5d3c22",
        triage_data: { ...answers, on_device: toOnDeviceTriage(r, 1_790_000_000_000) },
        risk_level: r.risk,
        images: [],
        last_modified_at: 1_790_000_000_000,
      };
      expect({ valid: isCaseRecord(record), errors: isCaseRecord.errors ?? null }).toEqual({
        valid: true,
        errors: null,
      });
    }
  });
});
