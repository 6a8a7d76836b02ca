import { onDocumentCreated } from "firebase-functions/v2/firestore";
import type { Firestore } from "firebase-admin/firestore";
import { ANALYSIS_JOB_DOCUMENT, publishJob } from "../adapters/analysis-jobs";
import { db } from "../adapters/firebase";
import { pubsubPublisher } from "../adapters/pubsub-publisher";
import { params } from "../config";
import type { PublishTiming } from "../domain/analysis-job";
import type { MessagePublisher } from "../domain/analysis-ports";

/** What the relay and the sweeper talk to; the publisher is injectable so tests can fail it. */
export interface RelayDeps {
  db: Firestore;
  publisher: MessagePublisher;
  timing: PublishTiming;
  now?: () => number;
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
  };
}

/** Publishes a new outbox job right after the commit that created it. */
export async function handleJobCreated(jobKey: string, deps: RelayDeps): Promise<string> {
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
  { document: ANALYSIS_JOB_DOCUMENT, retry: false },
  async (event) => {
    // A failed publish is not retried here: the job stays due and the sweeper publishes it.
    await handleJobCreated(event.params.jobKey, defaultRelayDeps());
  },
);
