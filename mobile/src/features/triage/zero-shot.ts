import type { RiskThresholds, TriageModelMeta, ZeroShotLabel } from "./model-meta";
import type { RiskLevel } from "./risk";

/**
 * MedSigLIP zero-shot scoring in plain TypeScript (no tfjs): K labels × D numbers is cheap, and
 * keeping it out of the graph makes it easy to check by hand. SigLIP scores each label on its own
 * with a sigmoid (not a softmax across labels), so probabilities do not sum to 1.
 */

/** One label's score for one photo. */
export interface LabelScore {
  label: string;
  risk: RiskLevel;
  /** cos(image, text) in [-1, 1]. */
  cosine: number;
  /** sigmoid(cosine · exp(logit_scale) + logit_bias) in [0, 1]. */
  probability: number;
}

/** Why the model's scores mapped to a risk level. */
export interface ModelRiskReason {
  risk: RiskLevel;
  /** The label that decided it (absent when nothing passed a threshold). */
  label?: string;
  reason: string;
}

function norm(v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] ?? 0) * (v[i] ?? 0);
  return Math.sqrt(sum);
}

/** Cosine similarity; both vectors are normalised here, whatever the model already did. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length)
    throw new RangeError(`cosine of ${a.length}- and ${b.length}-wide vectors`);
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] ?? 0) * (b[i] ?? 0);
  const denominator = norm(a) * norm(b);
  return denominator === 0 ? 0 : dot / denominator;
}

/** The logistic function, written to stay finite for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Score one image embedding against every label of the model's zero-shot head. */
export function scoreEmbedding(
  imageEmbed: ArrayLike<number>,
  meta: Pick<TriageModelMeta, "labels" | "logit_scale" | "logit_bias">,
): LabelScore[] {
  const scale = Math.exp(meta.logit_scale);
  return meta.labels.map((label: ZeroShotLabel) => {
    const cos = cosine(imageEmbed, label.text_embed);
    return {
      label: label.id,
      risk: label.risk,
      cosine: cos,
      probability: sigmoid(cos * scale + meta.logit_bias),
    };
  });
}

/**
 * Map label probabilities to the model's risk. RED when a RED label reaches `thresholds.red`;
 * else YELLOW when a RED or YELLOW label reaches `thresholds.yellow`; else YELLOW when
 * `uncertain_below` is set and no label reaches it (the model recognises nothing, which must not
 * read as reassurance); else GREEN. GREEN labels never raise risk.
 */
export function modelRisk(
  scores: readonly LabelScore[],
  thresholds: RiskThresholds,
): ModelRiskReason {
  const top = (levels: RiskLevel[]): LabelScore | undefined =>
    scores
      .filter((s) => levels.includes(s.risk))
      .reduce<LabelScore | undefined>(
        (best, s) => (best && best.probability >= s.probability ? best : s),
        undefined,
      );

  const red = top(["RED"]);
  if (red && red.probability >= thresholds.red) {
    return {
      risk: "RED",
      label: red.label,
      reason: `${red.label} scored ${red.probability.toFixed(2)} ≥ ${thresholds.red} (red threshold).`,
    };
  }
  const concern = top(["RED", "YELLOW"]);
  if (concern && concern.probability >= thresholds.yellow) {
    return {
      risk: "YELLOW",
      label: concern.label,
      reason: `${concern.label} scored ${concern.probability.toFixed(2)} ≥ ${thresholds.yellow} (yellow threshold).`,
    };
  }
  const best = top(["RED", "YELLOW", "GREEN"]);
  if (
    thresholds.uncertain_below !== undefined &&
    (best?.probability ?? 0) < thresholds.uncertain_below
  ) {
    return {
      risk: "YELLOW",
      reason: `No label reached ${thresholds.uncertain_below}: the model is unsure about this photo.`,
    };
  }
  return {
    risk: "GREEN",
    ...(best ? { label: best.label } : {}),
    reason: "No red or yellow label reached its threshold.",
  };
}
