import { randomUUID } from "node:crypto";
import { onMessagePublished } from "firebase-functions/v2/pubsub";
import type { Firestore, DocumentData } from "firebase-admin/firestore";
import { db } from "../adapters/firebase";
import {
  claimJob,
  failJob,
  markDeadLettered,
  releaseForRetry,
  storeResult,
  supersedeJob,
} from "../adapters/analysis-jobs";
import { createMedgemmaClient } from "../adapters/medgemma-client";
import type { MedgemmaConfig } from "../adapters/medgemma-client";
import { storeImageSource } from "../adapters/analysis-images";
import {
  ANALYSIS_DLQ_TOPIC,
  ANALYSIS_TOPIC,
  messageJson,
  pubsubPublisher,
} from "../adapters/pubsub-publisher";
import { params, projectId } from "../config";
import { parseFindings } from "../domain/analysis-findings";
import type { Findings } from "../domain/analysis-findings";
import { isAnalysisRequest } from "../domain/analysis-message";
import type { AnalysisRequest } from "../domain/analysis-message";
import {
  imageMessages,
  promptCaseOf,
  repairMessages,
  synthesisMessages,
} from "../domain/analysis-prompt";
import type { ChatMessage } from "../domain/analysis-prompt";
import { checkUrgency } from "../domain/analysis-urgency";
import { ImageUnavailableError, ModelCallError } from "../domain/analysis-ports";
import type { ChatModel, ImageSource, MessagePublisher } from "../domain/analysis-ports";
import type { QuotaLimits } from "../domain/analysis-quota";
import { buildAiAnalysis } from "../domain/analysis-result";
import type { AnalysisParts, CallTotals } from "../domain/analysis-result";
import { MAX_DELIVERIES, backoffMs, isRetryable } from "../domain/retry";
import { AnalysisErrorCode } from "../errors";
import { errorName, log } from "../logger";

/**
 * The fields of the "analysis limited" log line that the alert's log-based metric matches
 * (terraform/modules/dermadetect/analysis-caps.tf).
 */
export const LIMITED_LOG = { stage: "quota", outcome: "limited" } as const;

/** Function timeout; every model call and retry must end before it (docs/design.md §6). */
export const ANALYZE_TIMEOUT_SECONDS = 540;

/** Everything `analyzeCase` talks to, injectable so tests can run it in-process. */
export interface AnalysisDeps {
  db: Firestore;
  model: ChatModel;
  images: ImageSource;
  publisher: MessagePublisher;
  /** Base and cap of the backoff before the sweeper redelivers a transiently failed job. */
  redelivery: { baseMs: number; capMs: number };
  /** Time budget of one delivery, below the function timeout. */
  budgetMs: number;
  /** Cost caps taken on a job's first claim (domain/analysis-quota.ts); absent = none. */
  quotas?: QuotaLimits;
  now?: () => number;
}

/** Why a delivery ended; logged, and returned for tests. */
export type AnalysisOutcome =
  | "analysed"
  | "superseded"
  | "ignored"
  | "bad_message"
  | "failed"
  | "retry_scheduled"
  | "dead_lettered"
  | "lost_claim"
  | "limited";

/** A failure that ends the job, with the code the app shows; never retried. */
class PermanentFailure extends Error {
  readonly transient = false;
  constructor(readonly code: AnalysisErrorCode) {
    super(code);
    this.name = "PermanentFailure";
  }
}

/** One structured answer: a call, and one repair call when the answer does not validate. */
async function askForFindings(
  model: ChatModel,
  messages: ChatMessage[],
  jobKey: string,
  deadline: number,
  totals: CallTotals,
): Promise<Findings> {
  for (const attempt of [messages, repairMessages(messages)]) {
    const answer = await model.complete(attempt, { jobKey, deadline });
    totals.calls++;
    totals.latencyMs += answer.latencyMs;
    totals.usage.prompt_tokens += answer.usage.prompt_tokens;
    totals.usage.completion_tokens += answer.usage.completion_tokens;
    totals.usage.total_tokens += answer.usage.total_tokens;
    totals.servedModel ||= answer.model;
    const parsed = parseFindings(answer.text);
    if (parsed.ok) return parsed.findings;
    log.warn("model answer did not validate", {
      stage: "validate",
      job_key: jobKey,
      outcome: parsed.reason,
    });
  }
  throw new PermanentFailure(AnalysisErrorCode.INVALID_OUTPUT);
}

function dataUrl(bytes: Uint8Array, contentType: string): string {
  return `data:${contentType};base64,${Buffer.from(bytes).toString("base64")}`;
}

/** A delivery that holds the claim, with what the claim transaction read. */
interface Claimed {
  claimId: string;
  attempt: number;
  job: NonNullable<Awaited<ReturnType<typeof claimJob>>["job"]>;
  kase: DocumentData;
  base: { case_id: string; job_key: string; content_version?: number };
}

/**
 * Step 1: claim the job (idempotent on the job key). Answers the delivery's outcome when
 * there is nothing to analyse (a duplicate, a deleted case, a newer version, the last
 * delivery), or the claim.
 */
async function claimDelivery(
  message: AnalysisRequest,
  deps: AnalysisDeps,
  started: number,
): Promise<Claimed | AnalysisOutcome> {
  const now = deps.now ?? Date.now;
  const { case_id: caseId, job_key: jobKey } = message;
  const claimId = randomUUID();
  const claim = await claimJob(deps.db, caseId, jobKey, started, claimId, deps.quotas);
  const base = { case_id: caseId, job_key: jobKey, content_version: claim.job?.content_version };
  switch (claim.decision.kind) {
    case "ignore":
      log.info("analysis delivery ignored", {
        ...base,
        stage: "claim",
        outcome: claim.decision.reason,
      });
      return "ignored";
    case "fail":
      await failJob(deps.db, caseId, jobKey, AnalysisErrorCode.CASE_NOT_FOUND, now());
      log.warn("analysis failed", {
        ...base,
        stage: "failed",
        code: AnalysisErrorCode.CASE_NOT_FOUND,
      });
      return "failed";
    case "superseded":
      await supersedeJob(deps.db, jobKey, now());
      log.info("analysis skipped: newer case version", {
        ...base,
        stage: "claim",
        outcome: "superseded",
      });
      return "superseded";
    case "dead_letter":
      return forwardToDeadLetter(deps, message, claim.job?.attempts ?? MAX_DELIVERIES);
    case "limited":
      // The alert's log line (terraform: analysis_limited metric): the cap, never case content.
      log.warn("analysis limited", {
        ...base,
        uid: claim.job?.chw_id,
        ...LIMITED_LOG,
        code: AnalysisErrorCode.LIMITED,
        quota: claim.decision.quota,
        limit: claim.decision.limit,
      });
      return "limited";
    case "claim":
      break;
  }
  log.info("analysis claimed", {
    ...base,
    stage: "claim",
    outcome: "claimed",
    attempt: claim.attempt,
  });
  return { claimId, attempt: claim.attempt!, job: claim.job!, kase: claim.kase!, base };
}

/** What the model said about a case: one finding per usable photo, and the synthesis. */
export type ImageAnalysis = Pick<
  AnalysisParts,
  "perImage" | "skipped" | "synthesis" | "urgencyCheck" | "totals"
>;

/**
 * Step 2, through the ChatModel and ImageSource ports: one model call per verified photo
 * (MedGemma was evaluated on single images only) plus a text-only synthesis, each validated
 * with one repair request. A photo that can never be read is skipped and named; a transient
 * read failure or model failure is thrown (the delivery is retried), as is PermanentFailure
 * for an answer that never validates.
 */
export async function analyseImages(
  kase: DocumentData,
  ports: { model: ChatModel; images: ImageSource },
  jobKey: string,
  deadline: number,
): Promise<ImageAnalysis> {
  const totals: CallTotals = {
    calls: 0,
    latencyMs: 0,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    servedModel: "",
  };
  const facts = promptCaseOf(kase);
  const verified = (Array.isArray(kase.images) ? (kase.images as DocumentData[]) : []).filter(
    (img) => img.state === "verified" || img.state === "analysed",
  );
  const perImage: ImageAnalysis["perImage"] = [];
  const skipped: ImageAnalysis["skipped"] = [];
  for (const img of verified) {
    const sha256 = String(img.sha256);
    let bytes;
    try {
      bytes = await ports.images.read(String(img.image_key));
    } catch (e) {
      if (e instanceof ImageUnavailableError && !isRetryable(e)) {
        skipped.push({ sha256, reason: e.reason });
        continue;
      }
      throw e;
    }
    const findings = await askForFindings(
      ports.model,
      imageMessages(facts, dataUrl(bytes.bytes, bytes.contentType)),
      jobKey,
      deadline,
      totals,
    );
    perImage.push({ sha256, findings });
  }
  const synthesis = await askForFindings(
    ports.model,
    synthesisMessages(
      facts,
      perImage.map((p) => p.findings),
    ),
    jobKey,
    deadline,
    totals,
  );
  const urgencyCheck = checkUrgency(
    facts,
    synthesis,
    perImage.map((p) => p.findings),
  );
  return { perImage, skipped, synthesis, urgencyCheck, totals };
}

/**
 * Handles one delivery of `{case_id, job_key}`: claim → analyse the images → build the
 * analysis (pure) → store it in one transaction. The job, not the transport, owns retries: a
 * transient failure gives the job back to the outbox with a backoff and the delivery is
 * acknowledged; the sweeper redelivers it, and the 5th failed delivery forwards it to the
 * dead-letter topic. This behaves the same on Pub/Sub push, on Eventarc and on the functions
 * emulator (which acknowledges even failed deliveries).
 */
export async function handleAnalysisRequest(
  message: unknown,
  deps: AnalysisDeps,
): Promise<AnalysisOutcome> {
  const now = deps.now ?? Date.now;
  const started = now();
  if (!isAnalysisRequest(message)) {
    log.warn("analysis request rejected: bad message", { stage: "claim", outcome: "bad_message" });
    return "bad_message";
  }
  const claimed = await claimDelivery(message, deps, started);
  if (typeof claimed === "string") return claimed;
  const { claimId, attempt, job, kase, base } = claimed;
  const { case_id: caseId, job_key: jobKey } = message;
  try {
    const analysis = await analyseImages(kase, deps, jobKey, started + deps.budgetMs);
    const finishedAt = now();
    const aiAnalysis = buildAiAnalysis({
      ...analysis,
      model: deps.model,
      jobKey,
      contentVersion: job.content_version,
      attempt,
      startedAt: started,
      finishedAt,
    });
    const stored = await storeResult(deps.db, caseId, jobKey, claimId, aiAnalysis, finishedAt);
    log.info("analysis finished", {
      ...base,
      stage: "analysed",
      outcome: stored,
      attempt,
      model_calls: analysis.totals.calls,
      image_count: analysis.perImage.length,
      total_tokens: analysis.totals.usage.total_tokens,
      duration_ms: finishedAt - started,
    });
    if (!analysis.urgencyCheck.agrees && stored === "written") {
      // Names of the flags only: never the case's text (the console shows the doctor the rest).
      log.warn("analysis urgency disagrees with the case", {
        ...base,
        stage: "urgency_check",
        outcome: analysis.urgencyCheck.flags.join(","),
      });
    }
    return stored === "written"
      ? "analysed"
      : stored === "superseded"
        ? "superseded"
        : stored === "lost_claim"
          ? "lost_claim"
          : "failed";
  } catch (e) {
    return handleFailure(e, deps, message, claimId, attempt, base);
  }
}

async function forwardToDeadLetter(
  deps: AnalysisDeps,
  message: AnalysisRequest,
  attempts: number,
): Promise<AnalysisOutcome> {
  const now = (deps.now ?? Date.now)();
  const fields = { case_id: message.case_id, job_key: message.job_key, attempt: attempts };
  try {
    await deps.publisher.publish(ANALYSIS_DLQ_TOPIC, {
      case_id: message.case_id,
      job_key: message.job_key,
      reason: "max_deliveries",
    });
  } catch (e) {
    // The job stays due: the next sweep delivers it again and this forward is retried.
    log.error("dead-letter forward failed", {
      ...fields,
      stage: "dead_letter",
      error_name: errorName(e),
    });
    return "retry_scheduled";
  }
  await markDeadLettered(deps.db, message.job_key, now);
  log.warn("analysis dead-lettered", { ...fields, stage: "dead_letter", outcome: "forwarded" });
  return "dead_lettered";
}

async function handleFailure(
  e: unknown,
  deps: AnalysisDeps,
  message: AnalysisRequest,
  claimId: string,
  attempt: number,
  base: { case_id: string; job_key: string; content_version?: number },
): Promise<AnalysisOutcome> {
  const now = (deps.now ?? Date.now)();
  // Only a failure that knows it is permanent ends the job; anything else is retried (the
  // claim makes a redelivery safe).
  let permanent: AnalysisErrorCode | undefined;
  if ((e instanceof PermanentFailure || e instanceof ModelCallError) && !isRetryable(e)) {
    permanent = e instanceof PermanentFailure ? e.code : AnalysisErrorCode.MODEL_REJECTED;
  }
  const httpStatus = e instanceof ModelCallError ? e.httpStatus : undefined;
  if (permanent) {
    const r = await failJob(deps.db, message.case_id, message.job_key, permanent, now, claimId);
    log.warn("analysis failed", {
      ...base,
      stage: "failed",
      code: permanent,
      outcome: r,
      attempt,
      http_status: httpStatus,
    });
    return r === "failed" ? "failed" : "lost_claim";
  }
  const kind = e instanceof ModelCallError ? e.kind : errorName(e);
  if (attempt >= MAX_DELIVERIES) {
    log.warn("analysis failed on its last delivery", {
      ...base,
      stage: "retry",
      outcome: kind,
      attempt,
      http_status: httpStatus,
    });
    return forwardToDeadLetter(deps, message, attempt);
  }
  const retryAt = now + backoffMs(attempt, deps.redelivery);
  await releaseForRetry(deps.db, message.job_key, claimId, retryAt, kind);
  log.warn("analysis will be retried", {
    ...base,
    stage: "retry",
    outcome: kind,
    attempt,
    http_status: httpStatus,
    duration_ms: retryAt - now,
  });
  return "retry_scheduled";
}

let defaults: AnalysisDeps | undefined;

/** Production dependencies, built from params on first use. */
export function defaultAnalysisDeps(): AnalysisDeps {
  if (defaults) return defaults;
  const common = {
    modelId: params.medgemmaModelId.value(),
    timeoutMs: params.medgemmaTimeoutMs.value(),
    maxTokens: params.medgemmaMaxTokens.value(),
    retry: { attempts: 3, baseMs: params.medgemmaRetryBaseMs.value(), capMs: 30_000 },
  };
  const baseUrl = params.medgemmaBaseUrl.value();
  const cfg: MedgemmaConfig =
    params.medgemmaProvider.value() === "openai"
      ? { provider: "openai", baseUrl, ...common }
      : {
          provider: "vertex",
          project: params.medgemmaProject.value() || projectId(),
          region: params.medgemmaRegion.value(),
          endpointId: params.medgemmaEndpointId.value(),
          baseUrl: baseUrl || undefined,
          dedicated: params.medgemmaDedicated.value(),
          dedicatedDns: params.medgemmaDedicatedDns.value() || undefined,
          auth: params.medgemmaAuth.value() === "none" ? "none" : "google",
          ...common,
        };
  const redeliveryBase = params.analysisRedeliveryBaseMs.value();
  defaults = {
    db: db(),
    model: createMedgemmaClient(cfg),
    images: storeImageSource(),
    publisher: pubsubPublisher(),
    redelivery: { baseMs: redeliveryBase, capMs: redeliveryBase * 16 },
    budgetMs: (ANALYZE_TIMEOUT_SECONDS - 60) * 1000,
    quotas: {
      perChwHour: params.analysisMaxPerChwHour.value(),
      perChwDay: params.analysisMaxPerChwDay.value(),
      globalHour: params.analysisMaxGlobalHour.value(),
    },
  };
  return defaults;
}

/** Runs MedGemma on each analysis request (topic `case-analysis-requested`). */
export const analyzeCase = onMessagePublished(
  {
    topic: ANALYSIS_TOPIC,
    // The outbox owns retries (see handleAnalysisRequest); a crash is redelivered by the sweeper.
    retry: false,
    timeoutSeconds: ANALYZE_TIMEOUT_SECONDS,
    memory: "512MiB",
  },
  async (event) => {
    await handleAnalysisRequest(messageJson(event), defaultAnalysisDeps());
  },
);
