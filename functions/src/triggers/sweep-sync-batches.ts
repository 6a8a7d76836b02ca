import { FieldValue } from "firebase-admin/firestore";
import type { Firestore } from "firebase-admin/firestore";
import { onSchedule } from "firebase-functions/v2/scheduler";
import { db } from "../adapters/firebase";
import { params } from "../config";
import { isRetryable } from "../domain/retry";
import { toAppError } from "../errors";
import { errorName, log } from "../logger";
import { defaultSyncBatchDeps, handleSyncBatch } from "./apply-sync";
import type { SyncBatchDeps } from "./apply-sync";

/** Batches re-driven per sweep; the rest wait for the next one. */
const SWEEP_LIMIT = 100;
/** What the log-based alert matches on (terraform/modules/dermadetect/monitoring.tf). */
export const STRANDED_ALERT = "sync_batch_stranded";

/** What the sweeper needs. */
export interface SyncSweepDeps {
  db: Firestore;
  /** The trigger's own dependencies: a re-drive is the same handler on the same core. */
  batch: SyncBatchDeps;
  now(): number;
  /** A batch still pending this long after its creation is stranded. */
  afterMs: number;
}

/** What one sweep found and did. */
export interface SyncSweepResult {
  /** Pending batches older than `afterMs`. */
  stranded: number;
  /** Re-driven to a result (applied or refused with a code). */
  redriven: number;
  /** Left for the next sweep after a transient failure. */
  failed: number;
  /** Markers left on batches that already had a result (cleared). */
  cleared: number;
}

/**
 * `applySync` runs once per created `syncBatches` document, and an event that is never
 * delivered (an outage, a deploy, a dropped retry) would leave a batch the device believes
 * is on its way pending for ever. Devices mark each batch `pending: true` and every result
 * removes the marker, so this one equality query finds the batches without a result; those
 * older than `afterMs` go through `handleSyncBatch` again. Idempotent: a batch that already has
 * a result is only unmarked, and one the trigger is still working on replays through its
 * receipt, so the same results are written twice and nothing is applied twice. Batches from apps
 * that do not mark them are not found here (docs/runbook.md, "Stranded sync batches").
 */
export async function handleSyncBatchSweep(deps: SyncSweepDeps): Promise<SyncSweepResult> {
  const now = deps.now();
  const snap = await deps.db
    .collection("syncBatches")
    .where("pending", "==", true)
    .limit(SWEEP_LIMIT)
    .get();
  const out: SyncSweepResult = { stranded: 0, redriven: 0, failed: 0, cleared: 0 };
  let oldestMs = 0;
  for (const d of snap.docs) {
    const data = d.data();
    if (data.status !== undefined) {
      // A result written by a version that did not clear the marker: nothing to re-drive.
      await d.ref.update({ pending: FieldValue.delete() });
      out.cleared += 1;
      continue;
    }
    const age = now - d.createTime.toMillis();
    if (age < deps.afterMs) continue;
    out.stranded += 1;
    oldestMs = Math.max(oldestMs, age);
    try {
      await handleSyncBatch(
        {
          batchId: d.id,
          data,
          authType: undefined,
          authId: undefined,
          createdAtMs: d.createTime.toMillis(),
          redrive: true,
        },
        deps.batch,
      );
      out.redriven += 1;
    } catch (e) {
      out.failed += 1;
      const app = toAppError(e);
      log.error("stranded sync batch not re-driven", {
        batch_id: d.id,
        code: app.code,
        error_name: errorName(e),
        outcome: isRetryable(app) ? "retry_next_sweep" : "permanent",
      });
    }
  }
  if (out.stranded > 0) {
    // The alert line: stranded batches mean the trigger's events are being lost.
    log.warn("stranded sync batches re-driven", {
      stage: "sync_sweep",
      alert: STRANDED_ALERT,
      record_count: out.stranded,
      applied: out.redriven,
      rejected: out.failed,
      age_ms: oldestMs,
    });
  } else {
    log.info("sync batch sweep", { stage: "sync_sweep", record_count: 0 });
  }
  return out;
}

/** Scheduled every 5 minutes (Cloud Scheduler in production, the local scheduler on the stack). */
export const sweepSyncBatches = onSchedule(
  { schedule: "every 5 minutes", timeoutSeconds: 300, retryCount: 0 },
  async () => {
    await handleSyncBatchSweep({
      db: db(),
      batch: defaultSyncBatchDeps(),
      now: () => Date.now(),
      afterMs: params.syncSweepAfterMs.value(),
    });
  },
);
