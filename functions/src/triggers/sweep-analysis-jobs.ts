import { onSchedule } from "firebase-functions/v2/scheduler";
import { firestoreJobQueue } from "../adapters/analysis-jobs";
import type { JobQueue } from "../domain/analysis-job";
import { log } from "../logger";
import { defaultRelayDeps } from "./relay-analysis-job";

/** What a sweep needs: the job queue and a clock. */
export interface SweepDeps {
  jobs: Pick<JobQueue, "due" | "publish">;
  now?: () => number;
}

/** Jobs handled per sweep; the rest wait for the next minute. */
const SWEEP_LIMIT = 200;

/**
 * Publishes every job whose `next_publish_at` has passed: never published (the relay failed or
 * never ran), published but never claimed, claimed by a worker that died, or waiting for its
 * retry after a transient failure. Each publish re-leases the job with a growing backoff.
 */
export async function handleSweep(deps: SweepDeps): Promise<{ due: number; published: number }> {
  const now = (deps.now ?? Date.now)();
  const keys = await deps.jobs.due(now, SWEEP_LIMIT);
  let published = 0;
  for (let i = 0; i < keys.length; i += 10) {
    const results = await Promise.all(
      keys.slice(i, i + 10).map((k) => deps.jobs.publish(k, now, "sweep")),
    );
    published += results.filter((r) => r === "published").length;
  }
  log.info("analysis sweep", { stage: "sweep", record_count: keys.length, applied: published });
  return { due: keys.length, published };
}

/** Scheduled safety net of the outbox (every minute). */
export const sweepAnalysisJobs = onSchedule(
  { schedule: "every 1 minutes", timeoutSeconds: 120, retryCount: 0 },
  async () => {
    const relay = defaultRelayDeps();
    await handleSweep({ jobs: firestoreJobQueue(relay.db, relay.publisher, relay.timing) });
  },
);
