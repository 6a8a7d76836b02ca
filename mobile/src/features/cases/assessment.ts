import type { OnDeviceTriage, RiskLevel, TriageData } from "@dermadetect/contract";
import type { CapturedPhoto } from "@/features/photos/photo";

/** The questionnaire answers the new-case screen collects (`triage_data` without `on_device`). */
export type CaseAnswers = Omit<TriageData, "on_device">;

/** What the new-case screen shows and stores after assessing a case. */
export type AssessResult =
  | {
      kind: "ok";
      risk: RiskLevel;
      /** Rules that fired, worst first (ids are translated by the screen). */
      rules: { rule: string; reason: string }[];
      /** True when the risk comes from the danger-sign rules alone (no model, or no photo). */
      rulesOnly: boolean;
      /** "demo model — not for clinical use" when a fixture model scored the case. */
      demoLabel: string | null;
      /** Provenance stored on the case as `triage_data.on_device`. */
      onDevice: OnDeviceTriage;
    }
  | { kind: "bad-data"; message: string };

/** Assesses one case on the device. */
export type AssessCase = (answers: CaseAnswers, photos: CapturedPhoto[]) => Promise<AssessResult>;
