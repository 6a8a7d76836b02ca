import { onMessagePublished } from "firebase-functions/v2/pubsub";
import { firestoreJobQueue } from "../adapters/analysis-jobs";
import { ANALYSIS_DLQ_TOPIC, messageJson } from "../adapters/pubsub-publisher";
import type { JobQueue } from "../domain/analysis-job";
import { isAnalysisRequest } from "../domain/analysis-message";
import { AnalysisErrorCode } from "../errors";
import { log } from "../logger";
import { defaultRelayDeps } from "./relay-analysis-job";

/**
 * Ends a dead-lettered job as failed, with the reason shown in `cases.analysis`. Messages come
 * from the pipeline's own forward after 5 deliveries, or from Pub/Sub's dead-letter policy on
 * the owned push subscription (same payload); either way this is idempotent.
 */
export async function handleDeadLetter(
  message: unknown,
  deps: { jobs: Pick<JobQueue, "fail">; now?: () => number },
): Promise<string> {
  if (!isAnalysisRequest(message)) {
    log.warn("dead letter rejected: bad message", { stage: "dead_letter", outcome: "bad_message" });
    return "bad_message";
  }
  const r = await deps.jobs.fail(
    message.case_id,
    message.job_key,
    AnalysisErrorCode.DEAD_LETTERED,
    (deps.now ?? Date.now)(),
  );
  log.warn("dead-lettered analysis marked failed", {
    case_id: message.case_id,
    job_key: message.job_key,
    stage: "dead_letter",
    code: AnalysisErrorCode.DEAD_LETTERED,
    outcome: r,
  });
  return r;
}

/** Handler of `case-analysis-requested-dlq`. */
export const analysisDeadLetter = onMessagePublished(
  { topic: ANALYSIS_DLQ_TOPIC, retry: false },
  async (event) => {
    const relay = defaultRelayDeps();
    await handleDeadLetter(messageJson(event), {
      jobs: firestoreJobQueue(relay.db, relay.publisher, relay.timing),
    });
  },
);
