import { onDocumentCreated } from "firebase-functions/v2/firestore";
import type { Firestore } from "firebase-admin/firestore";
import { ANALYSIS_JOB_DOCUMENT, publishJob } from "../adapters/analysis-jobs";
import { db } from "../adapters/firebase";
import { pubsubPublisher } from "../adapters/pubsub-publisher";
import { ANALYSIS_SETTLE_MAX_MS, params } from "../config";
import type { PublishTiming } from "../domain/analysis-job";
import type { MessagePublisher } from "../domain/analysis-ports";

/** What the relay and the sweeper talk to; the publisher is injectable so tests can fail it. */
export interface RelayDeps {
  db: Firestore;
  publisher: MessagePublisher;
  timing: PublishTiming;
  /**
   * How long a new job waits before it is published (0 = at once). An edit of the case within
   * the window makes a newer job, and this one is superseded when it would be published.
   */
  settleMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** Production dependencies, from params. */
export function defaultRelayDeps(): RelayDeps {
  const base = params.analysisRedeliveryBaseMs.value();
  return {
    db: db(),
    publisher: pubsubPublisher(),
    timing: {
      baseMs: base,
      capMs: base * 16,
      deliveryLeaseMs: params.analysisDeliveryLeaseMs.value(),
    },
    settleMs: Math.min(Math.max(params.analysisSettleMs.value(), 0), ANALYSIS_SETTLE_MAX_MS),
  };
}

/**
 * Publishes a new outbox job after its settle window (rapid edits of one case coalesce: the
 * newest version's job is published, older ones end superseded without a model call). If this
 * instance dies while waiting, the job is still pending and the sweeper publishes it.
 */
export async function handleJobCreated(jobKey: string, deps: RelayDeps): Promise<string> {
  const settle = deps.settleMs ?? 0;
  if (settle > 0) await (deps.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))))(settle);
  return publishJob(
    deps.db,
    deps.publisher,
    jobKey,
    (deps.now ?? Date.now)(),
    deps.timing,
    "relay",
  );
}

/** Relay of the transactional outbox: a new analysis job → Pub/Sub. */
export const relayAnalysisJob = onDocumentCreated(
  // The 60 s timeout covers the settle window (at most 30 s) and the publish.
  { document: ANALYSIS_JOB_DOCUMENT, retry: false },
  async (event) => {
    // A failed publish is not retried here: the job stays due and the sweeper publishes it.
    await handleJobCreated(event.params.jobKey, defaultRelayDeps());
  },
);
