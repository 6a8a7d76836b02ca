import type { Findings } from "./analysis-findings";
import type { ChatModel, TokenUsage } from "./analysis-ports";
import { CLINICAL_DISCLAIMER, PROMPT_VERSION } from "./analysis-prompt";
import type { UrgencyCheck } from "./analysis-urgency";

/** What the model calls of one delivery cost, summed. */
export interface CallTotals {
  calls: number;
  latencyMs: number;
  usage: TokenUsage;
  servedModel: string;
}

/** Everything a stored analysis is built from. */
export interface AnalysisParts {
  perImage: Array<{ sha256: string; findings: Findings }>;
  skipped: Array<{ sha256: string; reason: string }>;
  synthesis: Findings;
  /** The model's urgency against the case's own danger signs and risk. */
  urgencyCheck: UrgencyCheck;
  totals: CallTotals;
  model: Pick<ChatModel, "modelId" | "provider" | "endpoint">;
  jobKey: string;
  contentVersion: number;
  attempt: number;
  startedAt: number;
  finishedAt: number;
}

/**
 * The `cases.ai_analysis` document of one analysis: the validated findings with their
 * provenance (model, endpoint, prompt version, cost, which photos were used and which were
 * skipped and why), the clinical disclaimer, whether a fixture model answered, and the
 * urgency cross-check the doctor sees when the model and the case disagree.
 */
export function buildAiAnalysis(p: AnalysisParts) {
  return {
    findings: p.synthesis,
    urgency_check: p.urgencyCheck,
    per_image: p.perImage,
    skipped_images: p.skipped,
    model: p.model.modelId,
    served_model: p.totals.servedModel,
    provider: p.model.provider,
    endpoint: p.model.endpoint,
    prompt_version: PROMPT_VERSION,
    latency_ms: p.totals.latencyMs,
    total_ms: p.finishedAt - p.startedAt,
    usage: p.totals.usage,
    model_calls: p.totals.calls,
    image_sha256s: p.perImage.map((i) => i.sha256),
    job_key: p.jobKey,
    content_version: p.contentVersion,
    attempt: p.attempt,
    disclaimer: CLINICAL_DISCLAIMER,
    fixture: p.totals.servedModel.startsWith("fixture/"),
    analysed_at: p.finishedAt,
  };
}
