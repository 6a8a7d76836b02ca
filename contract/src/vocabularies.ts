/*
 * Controlled vocabularies of the triage codes the app records and the server reads
 * (`triage_data.danger_signs`, `triage_data.symptoms`). The app's questionnaire offers exactly
 * these; the AI prompt passes a code only when it is one of them, and anything else (an older
 * app, a hand-edited record, an injection attempt) as escaped free text marked "other".
 */

/** Danger-sign codes the questionnaire offers. */
export const DANGER_SIGN_CODES = ["bleeding", "ulceration", "rapid_change", "non_healing"] as const;

/** Symptom codes the questionnaire offers. */
export const SYMPTOM_CODES = ["fever", "pain", "spreading", "itching"] as const;

/** A danger-sign code. */
export type DangerSignCode = (typeof DANGER_SIGN_CODES)[number];
/** A symptom code. */
export type SymptomCode = (typeof SYMPTOM_CODES)[number];

/** The form codes are compared in: trimmed, lower case, spaces and hyphens as `_`. */
export function normaliseCode(code: string): string {
  return code
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, "_");
}

/** A recorded value split against a vocabulary: known codes, and the rest as text. */
export interface CodedValues<C extends string> {
  codes: C[];
  other: string[];
}

/**
 * Splits recorded values into vocabulary codes (normalised, deduplicated, in vocabulary
 * order) and everything else, kept as the text that was recorded.
 */
export function codeValues<C extends string>(
  vocabulary: readonly C[],
  values: readonly string[],
): CodedValues<C> {
  const known = new Set<string>(vocabulary);
  const seen = new Set<string>();
  const other: string[] = [];
  for (const v of values) {
    const n = normaliseCode(v);
    if (known.has(n)) seen.add(n);
    else other.push(v);
  }
  return { codes: vocabulary.filter((c) => seen.has(c)), other };
}
