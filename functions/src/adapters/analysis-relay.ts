import type { Firestore } from "firebase-admin/firestore";
import type { MessagePublisher } from "../domain/analysis-ports";
import { backoffMs } from "../domain/analysis-retry";
import { errorName, log } from "../logger";
import { ANALYSIS_TOPIC } from "./pubsub-publisher";

/** Timing of the relay and the sweeper. */
export interface RelayTiming {
  /** Base and cap of the backoff between publish attempts (and between deliveries). */
  baseMs: number;
  capMs: number;
  /** A published job not claimed within this time is published again. */
  deliveryLeaseMs: number;
}

/** States the relay or sweeper may (re)publish; terminal and in-flight jobs are left alone. */
const REPUBLISHABLE = new Set(["pending", "published", "retrying", "running", "dead_lettered"]);

/**
 * Publishes one job: a transaction first moves `next_publish_at` out by a backoff (a lease, so a
 * concurrent relay and sweeper do not both publish, and a crash here leaves the job due again),
 * then `{case_id, job_key}` goes to Pub/Sub, then the job is marked published. A failed publish
 * leaves the job due after the backoff: nothing committed is ever lost, only delayed.
 * `mode: "relay"` publishes only a job still pending (the create trigger); `mode: "sweep"`
 * publishes any non-terminal job that is due (its lease ran out).
 */
export async function publishJob(
  db: Firestore,
  publisher: MessagePublisher,
  jobKey: string,
  now: number,
  timing: RelayTiming,
  mode: "relay" | "sweep",
): Promise<"published" | "skipped" | "publish_failed"> {
  const ref = db.doc(`analysisJobs/${jobKey}`);
  const leased = await db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return undefined;
    const state = String(snap.get("state"));
    const due = Number(snap.get("next_publish_at") ?? Infinity) <= now;
    if (mode === "relay" ? state !== "pending" : !REPUBLISHABLE.has(state) || !due)
      return undefined;
    const publishAttempts = Number(snap.get("publish_attempts") ?? 0) + 1;
    tx.update(ref, {
      publish_attempts: publishAttempts,
      next_publish_at: now + backoffMs(publishAttempts - 1, timing),
    });
    const attempts = Number(snap.get("attempts") ?? 0);
    return { caseId: String(snap.get("case_id")), publishAttempts, state, attempts };
  });
  if (!leased) return "skipped";
  const fields = {
    job_key: jobKey,
    case_id: leased.caseId,
    publish_attempts: leased.publishAttempts,
  };
  try {
    await publisher.publish(ANALYSIS_TOPIC, { case_id: leased.caseId, job_key: jobKey });
  } catch (e) {
    log.warn("analysis job publish failed; the sweeper retries it", {
      ...fields,
      stage: mode === "relay" ? "relay" : "sweep",
      outcome: "publish_failed",
      error_name: errorName(e),
    });
    await ref.update({ last_publish_error: errorName(e) }).catch(() => undefined);
    return "publish_failed";
  }
  await db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const state = String(snap.get("state"));
    const update: Record<string, unknown> = {};
    if (snap.get("published_at") == null) update.published_at = now;
    // Only while no delivery claimed it since the lease: a claim that already failed and set
    // its own retry time must keep it (marking it published would delay the retry).
    const unclaimed = Number(snap.get("attempts") ?? 0) === leased.attempts;
    if (unclaimed && (state === "pending" || state === "retrying" || state === "published")) {
      // If no delivery claims it within the lease, it is published again.
      update.state = "published";
      update.next_publish_at = now + timing.deliveryLeaseMs;
    }
    if (Object.keys(update).length > 0) tx.update(ref, update);
  });
  log.info("analysis job published", {
    ...fields,
    stage: mode === "relay" ? "relay" : "sweep",
    outcome: "published",
  });
  return "published";
}

/** Jobs whose `next_publish_at` has passed, oldest first (terminal jobs have no such field). */
export async function dueJobKeys(db: Firestore, now: number, limit: number): Promise<string[]> {
  const snap = await db
    .collection("analysisJobs")
    .where("next_publish_at", "<=", now)
    .orderBy("next_publish_at")
    .limit(limit)
    .get();
  return snap.docs.map((d) => d.id);
}
