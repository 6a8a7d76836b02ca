import { toOnDeviceTriage, triageCase } from "@/features/triage/api";
import type { TriageModel } from "@/features/triage/api";
import type { AssessCase } from "./assessment";

/**
 * The new-case screen's assessment through the triage feature's public API: the model (when one
 * is installed and loaded) plus the danger-sign rules; rules alone while `model` resolves to null.
 */
export function assessWithTriage(
  model: Promise<TriageModel | null>,
  now: () => number = Date.now,
): AssessCase {
  return async (answers, photos) => {
    const loaded = await model;
    const result = await triageCase(
      // Pixels when the platform decoded them (web canvas), else the JPEG bytes triage decodes.
      {
        answers,
        photos: photos.map((p) => p.pixels ?? { bytes: p.bytes, contentType: p.contentType }),
      },
      loaded,
    );
    if (result.kind === "bad-data") return result;
    return {
      kind: "ok",
      risk: result.risk,
      rules: result.rulesFired.map((f) => ({ rule: f.rule, reason: f.reason })),
      rulesOnly: result.kind === "rules-only",
      demoLabel: result.demoLabel,
      onDevice: toOnDeviceTriage(result, now()),
    };
  };
}
