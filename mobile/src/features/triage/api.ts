/**
 * The triage feature's public API for screens and the data layer. Typical use:
 *
 *   const loaded = await loadTriageModel({ kind: "artifacts", modelJson, weights, meta });
 *   const model = loaded.kind === "ok" ? loaded.model : null;   // null: rules alone
 *   const result = await triageCase({ answers, photos }, model);
 *   if (result.kind !== "bad-data") caseRecord.risk_level = result.risk;
 *
 * See mobile/README.md ("Triage model") for installing a real model.
 */
export type {
  DangerSignCode,
  FiredRule,
  LesionFeatures,
  RuleId,
  SymptomCode,
  TriageAnswers,
} from "./danger-signs";
export { DANGER_SIGN_CODES, SYMPTOM_CODES, evaluateDangerSigns } from "./danger-signs";
export type { DecodeResult, EncodedPhoto, TriagePhoto } from "./decode-photo";
export { decodePhoto } from "./decode-photo";
export type { LoadOptions, ModelLoadResult, ModelSource, TriageModel } from "./load-model";
export { DEFAULT_MAX_WEIGHT_BYTES, loadTriageModel } from "./load-model";
export type { TriageModelMeta } from "./model-meta";
export { DEMO_MODEL_LABEL } from "./model-meta";
export type { RgbImage } from "./preprocess";
export type { RiskLevel } from "./risk";
export type {
  ModelInfo,
  OnDeviceTriage,
  PhotoAssessment,
  RulesOnlyWhy,
  TriageInput,
  TriageResult,
} from "./triage";
export { toOnDeviceTriage, triageCase } from "./triage";
export type { LabelScore } from "./zero-shot";
