import type {
  CaseRecord,
  CaseStatus,
  FollowUp,
  InfoRequest,
  PatientRecord,
  QueueReason,
  Referral,
  ReviewClaim,
  ReviewState,
  RiskLevel,
  StoredImage,
} from "@dermadetect/contract";

export type { FollowUp, InfoRequest, QueueReason, Referral, ReviewClaim, ReviewState };

/*
 * What the console reads: the contract's record shapes plus the server-owned fields the console
 * API adds (docs/console.md lists them). Every server-owned field is optional here on purpose:
 * a document written by an older server still renders, it just shows less.
 */

/** One candidate of the AI's differential. */
export interface AiDifferentialItem {
  condition: string;
  likelihood: "high" | "medium" | "low";
  rationale?: string | null;
}

/** The AI's structured findings (validated server-side before they are stored). */
export interface AiFindings {
  differential: AiDifferentialItem[];
  urgency: "emergency" | "urgent" | "routine" | "self_care";
  recommended_action: string;
  red_flags: string[];
  confidence: number;
  limitations: string[];
  image_quality?: "adequate" | "inadequate" | null;
}

/** `cases.ai_analysis`: findings with provenance. */
export interface AiAnalysis {
  findings: AiFindings;
  per_image?: { sha256: string; findings: AiFindings }[];
  skipped_images?: { sha256: string; reason: string }[];
  model: string;
  served_model?: string;
  provider?: string;
  endpoint?: string;
  prompt_version: string;
  latency_ms: number;
  disclaimer: string;
  /** True for the local MedGemma stand-in's output. */
  fixture?: boolean;
  analysed_at?: number;
  /** The model's urgency against the case's danger signs and risk (prompt v2 on). */
  urgency_check?: UrgencyCheck;
}

/** `ai_analysis.urgency_check`: a disagreement is shown to the doctor, never hidden. */
export interface UrgencyCheck {
  case_urgency: AiFindings["urgency"];
  model_urgency: AiFindings["urgency"];
  agrees: boolean;
  flags: string[];
  reasons: string[];
}

/** `cases.analysis`: the pipeline's state for the current version of the case. */
export interface AnalysisState {
  state: "queued" | "done" | "failed" | "limited";
  error?: { code: string; message: string };
  /** Set with `limited`: the cost cap that stopped the analysis. */
  limited?: { quota: string; limit: number };
}

/** A case as stored (CHW fields plus server-owned ones). */
export interface StoredCase extends Omit<CaseRecord, "images"> {
  chw_id: string;
  status: CaseStatus;
  images?: StoredImage[];
  ai_analysis?: AiAnalysis | null;
  analysis?: AnalysisState;
  needs_doctor?: boolean;
  needs_doctor_since?: number | null;
  queue_reason?: QueueReason | null;
  review_state?: ReviewState | null;
  review_claim?: ReviewClaim | null;
  info_request?: InfoRequest | null;
  doctor_id?: string;
  created_at?: number;
}

/** A patient as stored. */
export interface StoredPatient extends PatientRecord {
  chw_id: string;
}

/** A stored diagnosis (amendments are new documents with `amends`). */
export interface Diagnosis {
  id: string;
  case_id: string;
  chw_id?: string;
  doctor_id?: string;
  doctor_name?: string;
  diagnosis_text: string;
  prescription?: string | null;
  referral?: Referral;
  follow_up?: FollowUp | null;
  amends?: string | null;
  created_at?: number;
}

/** What the console sends to store a diagnosis. */
export interface DiagnosisRequest {
  id: string;
  diagnosis_text: string;
  prescription?: string;
  referral: Referral;
  follow_up?: FollowUp;
  amends?: string;
}

/** One photo of a case with its short-lived URL. */
export interface ReviewPhoto {
  index: number;
  sha256: string;
  content_type: string;
  state: string;
  url: string | null;
  expires_at: number | null;
}

/** `GET /v1/cases/{id}/review`. */
export interface CaseReview {
  case: StoredCase;
  patient: StoredPatient | null;
  photos: ReviewPhoto[];
  history: { case: StoredCase; diagnoses: Diagnosis[] }[];
  diagnoses: Diagnosis[];
  claim: ReviewClaim | null;
}

/** One stage of the turnaround report. */
export interface TurnaroundStage {
  stage: string;
  n: number;
  p50_ms?: number;
  p95_ms?: number;
}

/** `GET /v1/reports/turnaround`: the same JSON as `npm run report -- turnaround --json`. */
export interface TurnaroundReport {
  since: number;
  groups: { chw_id: string; cases: number; stages: TurnaroundStage[] }[];
}

/** Risk order for sorting: RED first. */
export const RISK_ORDER: Record<RiskLevel, number> = { RED: 0, YELLOW: 1, GREEN: 2 };
