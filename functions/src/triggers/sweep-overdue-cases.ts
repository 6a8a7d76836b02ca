import { onSchedule } from "firebase-functions/v2/scheduler";
import type { Firestore } from "firebase-admin/firestore";
import { AI_OVERDUE_MS, reviewChanges, reviewFieldsOf } from "@dermadetect/contract";
import { withTxRetry } from "../adapters/analysis-store";
import { db } from "../adapters/firebase";
import { ScopeWriter } from "../adapters/scope-writer";
import { log } from "../logger";

/** RED cases read per sweep; the rest wait for the next minute. */
const SWEEP_LIMIT = 300;

/**
 * Puts RED cases whose AI analysis has not arrived within `AI_OVERDUE_MS` into the doctors'
 * queue (`needs_doctor`, `queue_reason: AI_OVERDUE`): a RED case is never stuck out of sight
 * because the model is slow or down. Each flip goes through the case's ScopeWriter, so the CHW
 * pulls it too; patients follow through the review trigger. Idempotent: a case already in the
 * queue is left alone.
 */
export async function handleOverdueSweep(deps: {
  db: Firestore;
  now: () => number;
  overdueMs?: number;
}): Promise<{ checked: number; queued: number }> {
  const overdue = deps.overdueMs ?? AI_OVERDUE_MS;
  const snap = await deps.db
    .collection("cases")
    .where("risk_level", "==", "RED")
    .where("status", "==", "TRIAGED")
    .limit(SWEEP_LIMIT)
    .get();
  const due = snap.docs.filter((d) => {
    const c = d.data();
    return c.needs_doctor !== true && reviewFieldsOf(c, deps.now(), overdue).needs_doctor;
  });
  let queued = 0;
  for (const d of due) {
    const flipped = await withTxRetry(() =>
      deps.db.runTransaction(async (tx) => {
        const c = (await tx.get(d.ref)).data();
        if (!c || typeof c.chw_id !== "string") return false;
        const now = deps.now();
        const change = reviewChanges(c, reviewFieldsOf(c, now, overdue));
        if (Object.keys(change).length === 0 || change.needs_doctor !== true) return false;
        const scope = await ScopeWriter.open(tx, deps.db, c.chw_id);
        scope.put("cases", d.id, change, c);
        scope.commit();
        return true;
      }),
    );
    if (flipped) queued += 1;
  }
  log.info("overdue sweep", { stage: "review_sweep", record_count: snap.size, applied: queued });
  return { checked: snap.size, queued };
}

/** Scheduled every minute (Cloud Scheduler in production, the local scheduler on the stack). */
export const sweepOverdueCases = onSchedule(
  { schedule: "every 1 minutes", timeoutSeconds: 120, retryCount: 0 },
  async () => {
    await handleOverdueSweep({ db: db(), now: () => Date.now() });
  },
);
