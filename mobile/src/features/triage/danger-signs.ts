import type { LesionFeatures, TriageData } from "@dermadetect/contract";
import type { RiskLevel } from "./risk";
import { worstOf } from "./risk";

/**
 * Transparent danger-sign rules (docs/design.md §8). Each rule is a plain predicate over what the CHW
 * recorded, with a fixed risk and a sentence saying why it fired, so a CHW or a doctor can see
 * exactly what raised a case. The rules only ever raise risk: the case risk is the worse of these
 * and the model's (see triage.ts). Thresholds are clinical judgement to be reviewed locally, not
 * learned values; they are listed in mobile/README.md ("Triage model").
 */

// The questionnaire's codes (stored in `triage_data.danger_signs` / `.symptoms`) are the
// contract's controlled vocabularies, shared with the server's AI prompt.
export { DANGER_SIGN_CODES, SYMPTOM_CODES } from "@dermadetect/contract";
export type { DangerSignCode, SymptomCode } from "@dermadetect/contract";

/** The lesion features a CHW records: the ABCDE signs and size (the case record's keys). */
export type { LesionFeatures };

/** The questionnaire part of a case (`triage_data` without notes and the on-device result). */
export type TriageAnswers = Pick<
  TriageData,
  "body_site" | "duration_days" | "symptoms" | "danger_signs" | "lesion"
>;

/** Identifier of each rule; stable, so screens can translate the reason by id. */
export type RuleId =
  | "bleeding"
  | "ulceration"
  | "rapid_change"
  | "large_lesion"
  | "abcde_several"
  | "fever"
  | "asymmetry"
  | "border"
  | "colour"
  | "diameter"
  | "evolution"
  | "non_healing"
  | "spreading"
  | "pain";

/** A rule that fired: which, the risk it sets, and why (English; translate by `rule`). */
export interface FiredRule {
  rule: RuleId;
  risk: Exclude<RiskLevel, "GREEN">;
  reason: string;
}

/** Diameter above which the D of ABCDE counts (the usual 6 mm, a pencil eraser). */
export const ABCDE_DIAMETER_MM = 6;
/** Diameter from which a lesion is large enough to refer on size alone. */
export const LARGE_LESION_MM = 20;
/** How many ABCDE signs together make a case RED (each alone is YELLOW). */
export const ABCDE_RED_COUNT = 3;

/** Codes are compared case-insensitively, with spaces and hyphens read as underscores. */
function normalise(code: string): string {
  return code
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

/** Evaluate every danger-sign rule; the result lists only the rules that fired, worst first. */
export function evaluateDangerSigns(answers: TriageAnswers): FiredRule[] {
  const signs = new Set(answers.danger_signs.map(normalise));
  const symptoms = new Set(answers.symptoms.map(normalise));
  const lesion = answers.lesion ?? {};
  const diameter = lesion.diameter_mm;
  const fired: FiredRule[] = [];
  const fire = (rule: RuleId, risk: FiredRule["risk"], reason: string): void => {
    fired.push({ rule, risk, reason });
  };

  if (lesion.bleeding === true || signs.has("bleeding")) {
    fire(
      "bleeding",
      "RED",
      "The lesion bleeds: bleeding without injury is a warning sign of skin cancer.",
    );
  }
  if (lesion.ulcerated === true || signs.has("ulceration")) {
    fire("ulceration", "RED", "The lesion is ulcerated (an open sore on the lesion).");
  }
  if (lesion.rapid_change === true || signs.has("rapid_change")) {
    fire(
      "rapid_change",
      "RED",
      "The lesion changed quickly in size, shape or colour (within weeks).",
    );
  }
  if (diameter !== undefined && diameter >= LARGE_LESION_MM) {
    fire("large_lesion", "RED", `Diameter ${diameter} mm is at least ${LARGE_LESION_MM} mm.`);
  }
  if (symptoms.has("fever")) {
    fire("fever", "RED", "Fever with a skin lesion can mean a spreading or systemic infection.");
  }

  // ABCDE: each sign alone asks for a review; several together are the melanoma pattern.
  const abcde: [RuleId, boolean, string][] = [
    ["asymmetry", lesion.asymmetry === true, "A: the two halves of the lesion do not match."],
    ["border", lesion.border_irregular === true, "B: the border is irregular, ragged or blurred."],
    ["colour", lesion.color_variegated === true, "C: the lesion has several colours."],
    [
      "diameter",
      diameter !== undefined && diameter > ABCDE_DIAMETER_MM,
      `D: diameter ${diameter ?? 0} mm is more than ${ABCDE_DIAMETER_MM} mm.`,
    ],
    ["evolution", lesion.evolving === true, "E: the lesion has been changing over time."],
  ];
  const present = abcde.filter(([, isPresent]) => isPresent);
  if (present.length >= ABCDE_RED_COUNT) {
    const letters = present.map(([rule]) => rule).join(", ");
    fire(
      "abcde_several",
      "RED",
      `${present.length} ABCDE signs together (${letters}); ${ABCDE_RED_COUNT} or more is the melanoma pattern.`,
    );
  }
  for (const [rule, , reason] of present) fire(rule, "YELLOW", reason);

  if (signs.has("non_healing")) {
    fire("non_healing", "YELLOW", "A sore that has not healed in 4 weeks needs a review.");
  }
  if (symptoms.has("spreading")) {
    fire("spreading", "YELLOW", "Redness or swelling is spreading around the lesion.");
  }
  if (symptoms.has("pain")) {
    fire("pain", "YELLOW", "The lesion is painful.");
  }
  // Itching alone fires nothing: it is common in benign conditions (eczema, bites).
  return fired;
}

/** The rules' own risk: the worst fired rule, GREEN when none fired. */
export function rulesRisk(fired: readonly FiredRule[]): RiskLevel {
  return worstOf(fired.map((f) => f.risk));
}
