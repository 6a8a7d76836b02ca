import type { Findings, Urgency } from "./analysis-findings";
import type { PromptCase } from "./analysis-prompt";

/*
 * The model's urgency is never taken on its own word: it is compared with what the case itself
 * says (the CHW's danger signs, the lesion's bleeding/ulceration/rapid change, the on-device
 * risk). A disagreement is stored with the analysis as a flag the doctor sees; the model's
 * answer is kept as it was (the doctor decides), and nothing about the case's routing changes.
 */

/** Why the model's urgency and the case disagree. */
export type UrgencyFlag =
  /** The case has danger signs, the model says routine or self care. */
  | "model_below_danger_signs"
  /** The case is RED on the device, the model says routine or self care. */
  | "model_below_risk"
  /** No danger sign and not RED, or no danger sign and "emergency": the model escalates alone. */
  | "model_above_case"
  /** A photo's assessment was urgent or an emergency, the overall answer is less. */
  | "synthesis_below_photos";

/** The cross-check stored as `ai_analysis.urgency_check`. */
export interface UrgencyCheck {
  /** The least urgency the case's own facts call for. */
  case_urgency: Urgency;
  model_urgency: Urgency;
  agrees: boolean;
  flags: UrgencyFlag[];
  /** What the case urgency rests on: `danger_sign:bleeding`, `lesion:ulcerated`, `risk:RED`. */
  reasons: string[];
}

const RANK: Record<Urgency, number> = { self_care: 0, routine: 1, urgent: 2, emergency: 3 };

/** Lesion features that are danger signs in their own right (the app's rules treat them so). */
const LESION_DANGER = ["bleeding", "ulcerated", "rapid_change"] as const;

/** Compares the synthesis (and the per-photo answers) with the case's danger signs and risk. */
export function checkUrgency(
  c: PromptCase,
  synthesis: Findings,
  perImage: readonly Findings[] = [],
): UrgencyCheck {
  const signs = [
    ...c.danger_signs.map((s) => `danger_sign:${s}`),
    ...(c.danger_signs_other_free_text.length > 0 ? ["danger_sign:other"] : []),
    ...LESION_DANGER.filter((k) => c.lesion?.[k] === true).map((k) => `lesion:${k}`),
  ];
  const red = c.risk_level === "RED";
  const reasons = [...signs, ...(red ? ["risk:RED"] : [])];
  const caseUrgency: Urgency = signs.length > 0 || red ? "urgent" : "routine";
  const model = synthesis.urgency;
  const flags: UrgencyFlag[] = [];
  if (RANK[model] < RANK.urgent) {
    if (signs.length > 0) flags.push("model_below_danger_signs");
    else if (red) flags.push("model_below_risk");
  }
  if (signs.length === 0 && (model === "emergency" || (!red && RANK[model] >= RANK.urgent))) {
    flags.push("model_above_case");
  }
  const worstPhoto = Math.max(-1, ...perImage.map((f) => RANK[f.urgency]));
  if (worstPhoto >= RANK.urgent && RANK[model] < worstPhoto) flags.push("synthesis_below_photos");
  return {
    case_urgency: caseUrgency,
    model_urgency: model,
    agrees: flags.length === 0,
    flags,
    reasons,
  };
}
