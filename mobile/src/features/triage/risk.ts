import type { RiskLevel } from "@dermadetect/contract";

/** Triage risk levels as docs/design.md §5 pins them (RED is high risk), from the sync contract. */
export type { RiskLevel };

/** Every risk level, from lowest to highest. */
export const RISK_LEVELS: readonly RiskLevel[] = ["GREEN", "YELLOW", "RED"];

const SEVERITY: Record<RiskLevel, number> = { GREEN: 0, YELLOW: 1, RED: 2 };

/** The higher of two risk levels: a triage never lets one source talk another one down. */
export function worseOf(a: RiskLevel, b: RiskLevel): RiskLevel {
  return SEVERITY[a] >= SEVERITY[b] ? a : b;
}

/** The highest risk in a list (GREEN for an empty list). */
export function worstOf(levels: Iterable<RiskLevel>): RiskLevel {
  let worst: RiskLevel = "GREEN";
  for (const level of levels) worst = worseOf(worst, level);
  return worst;
}
