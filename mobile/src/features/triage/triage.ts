import type { OnDeviceTriage } from "@dermadetect/contract";
import type { FiredRule, TriageAnswers } from "./danger-signs";
import type { TriagePhoto } from "./decode-photo";
import { decodePhoto, isEncodedPhoto } from "./decode-photo";
import { evaluateDangerSigns, rulesRisk } from "./danger-signs";
import type { TriageModel } from "./load-model";
import { embedImage } from "./load-model";
import { DEMO_MODEL_LABEL } from "./model-meta";
import { checkImage, preprocessImage } from "./preprocess";
import type { RiskLevel } from "./risk";
import { worseOf, worstOf } from "./risk";
import type { LabelScore } from "./zero-shot";
import { modelRisk, scoreEmbedding } from "./zero-shot";

/**
 * One case's triage (docs/design.md §8): risk = the worse of the model's risk (zero-shot MedSigLIP
 * scores, worst photo) and the danger-sign rules' risk. Triage never fails for want of a model:
 * with no model, no photo, unreadable photos or a failing model it falls back to the rules and
 * says why. Every result lists the rules that fired and why, and a fixture model's results carry
 * DEMO_MODEL_LABEL.
 */

/** What the new-case screen hands to triage. */
export interface TriageInput {
  answers: TriageAnswers;
  /** Lesion photos: JPEG bytes (a CapturedPhoto) or decoded RGB/RGBA pixels; may be empty. */
  photos: readonly TriagePhoto[];
}

/** Which model scored the case. */
export interface ModelInfo {
  id: string;
  version: string;
  /** True for a test fixture: not for clinical use. */
  fixture: boolean;
}

/** The model's reading of one photo. */
export type PhotoAssessment =
  | { kind: "scored"; photo: number; risk: RiskLevel; reason: string; scores: LabelScore[] }
  | { kind: "unreadable"; photo: number; message: string };

/** Why a result comes from the rules alone. */
export type RulesOnlyWhy = "no-model" | "no-photo" | "photos-unreadable" | "model-failed";

interface Outcome {
  /** The case's risk: the worse of model and rules. */
  risk: RiskLevel;
  rulesRisk: RiskLevel;
  /** Rules that fired, worst first, each with its reason. */
  rulesFired: FiredRule[];
  /** "demo model — not for clinical use" whenever a fixture model is installed; else null. */
  demoLabel: typeof DEMO_MODEL_LABEL | null;
}

/** A triage result; screens switch on `kind`. */
export type TriageResult =
  | (Outcome & {
      kind: "model";
      model: ModelInfo;
      modelRisk: RiskLevel;
      /** Why the model's risk is what it is (from the worst photo). */
      modelReason: string;
      photos: PhotoAssessment[];
    })
  | (Outcome & {
      kind: "rules-only";
      why: RulesOnlyWhy;
      /** The installed model, if any (it did not score this case: see `why`). */
      model: ModelInfo | null;
      photos: PhotoAssessment[];
      /** Details for "model-failed" (an error message, never patient data). */
      detail?: string;
    })
  | { kind: "bad-data"; message: string };

/** The answers' numeric fields must be sane before any rule reads them. */
function checkAnswers(answers: TriageAnswers): string | null {
  const diameter = answers.lesion?.diameter_mm;
  if (diameter !== undefined && !(Number.isFinite(diameter) && diameter >= 0 && diameter <= 1000)) {
    return `lesion diameter ${diameter} mm is not between 0 and 1000`;
  }
  if (!(Number.isInteger(answers.duration_days) && answers.duration_days >= 0)) {
    return `duration ${answers.duration_days} days is not a whole number of days ≥ 0`;
  }
  return null;
}

function modelInfo(model: TriageModel): ModelInfo {
  return {
    id: model.meta.model_id,
    version: model.meta.model_version,
    fixture: model.meta.fixture,
  };
}

/** Score one photo with the model; the preprocessed tensor is always disposed. */
async function assessPhoto(
  model: TriageModel,
  input: TriagePhoto,
  photo: number,
): Promise<PhotoAssessment> {
  const decoded = isEncodedPhoto(input)
    ? decodePhoto(input)
    : { kind: "ok" as const, image: input };
  if (decoded.kind !== "ok") return { kind: "unreadable", photo, message: decoded.message };
  const { image } = decoded;
  const problem = checkImage(image);
  if (problem) return { kind: "unreadable", photo, message: problem };
  const pixels = preprocessImage(image, model.meta.input);
  let embedding: Float32Array;
  try {
    embedding = await embedImage(model, pixels);
  } finally {
    pixels.dispose();
  }
  const scores = scoreEmbedding(embedding, model.meta);
  const { risk, reason } = modelRisk(scores, model.meta.thresholds);
  return { kind: "scored", photo, risk, reason, scores };
}

/** The case's `triage_data.on_device` record (sync contract type). */
export type { OnDeviceTriage };

/** Triage one case with the installed model (or null for none) and the danger-sign rules. */
export async function triageCase(
  input: TriageInput,
  model: TriageModel | null,
): Promise<TriageResult> {
  const bad = checkAnswers(input.answers);
  if (bad) return { kind: "bad-data", message: bad };

  const rulesFired = evaluateDangerSigns(input.answers);
  const fromRules = rulesRisk(rulesFired);
  const common: Outcome = {
    risk: fromRules,
    rulesRisk: fromRules,
    rulesFired,
    demoLabel: model?.meta.fixture === true ? DEMO_MODEL_LABEL : null,
  };
  const info = model ? modelInfo(model) : null;
  if (!model) return { ...common, kind: "rules-only", why: "no-model", model: null, photos: [] };
  if (input.photos.length === 0)
    return { ...common, kind: "rules-only", why: "no-photo", model: info, photos: [] };

  const photos: PhotoAssessment[] = [];
  try {
    // One photo at a time: a 448×448 input and its activations, never several, on a 1–2 GB phone.
    for (const [index, image] of input.photos.entries())
      photos.push(await assessPhoto(model, image, index));
  } catch (e) {
    return {
      ...common,
      kind: "rules-only",
      why: "model-failed",
      model: info,
      photos,
      detail: e instanceof Error ? e.message : "model failed",
    };
  }
  const scored = photos.filter(
    (p): p is Extract<PhotoAssessment, { kind: "scored" }> => p.kind === "scored",
  );
  if (scored.length === 0) {
    return { ...common, kind: "rules-only", why: "photos-unreadable", model: info, photos };
  }
  const fromModel = worstOf(scored.map((p) => p.risk));
  const decisive = scored.find((p) => p.risk === fromModel) ?? scored[0];
  return {
    ...common,
    kind: "model",
    risk: worseOf(fromModel, fromRules),
    model: modelInfo(model),
    modelRisk: fromModel,
    modelReason: decisive ? `Photo ${decisive.photo + 1}: ${decisive.reason}` : "",
    photos,
  };
}

/** Version of the rule set, recorded with rules-only results. */
export const RULES_VERSION = "danger-signs-1";

/**
 * What a result stores on the case. Scores are each label's highest probability over the
 * photos, rounded to 4 places. Rules-only results record model_id "rules-only".
 */
export function toOnDeviceTriage(
  result: Exclude<TriageResult, { kind: "bad-data" }>,
  computedAt: number,
): OnDeviceTriage {
  const base = {
    risk_level: result.risk,
    rules_risk_level: result.rulesRisk,
    rules_fired: result.rulesFired.map((f) => f.rule),
    computed_at: computedAt,
  };
  if (result.kind === "rules-only") {
    return { ...base, model_id: "rules-only", model_version: RULES_VERSION, fixture: false };
  }
  const best = new Map<string, number>();
  for (const photo of result.photos) {
    if (photo.kind !== "scored") continue;
    for (const s of photo.scores)
      best.set(s.label, Math.max(best.get(s.label) ?? 0, s.probability));
  }
  return {
    ...base,
    model_id: result.model.id,
    model_version: result.model.version,
    fixture: result.model.fixture,
    scores: [...best].map(([label, score]) => ({ label, score: Math.round(score * 1e4) / 1e4 })),
  };
}
