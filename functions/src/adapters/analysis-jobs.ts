import { FieldValue } from "firebase-admin/firestore";
import type {
  DocumentData,
  DocumentSnapshot,
  Firestore,
  Transaction,
} from "firebase-admin/firestore";
import * as job from "../domain/analysis-job";
import type { AnalysisJobState, JobQueue, JobUpdate, PublishTiming } from "../domain/analysis-job";
import { decideClaim, planCaseWrite } from "../domain/analysis-plan";
import type { ClaimDecision, JobView } from "../domain/analysis-plan";
import type { MessagePublisher } from "../domain/analysis-ports";
import { GLOBAL_SHARDS, globalShardOf, takeQuota } from "../domain/analysis-quota";
import type { QuotaLimits } from "../domain/analysis-quota";
import { backoffMs, isRetryable } from "../domain/retry";
import { AnalysisErrorCode, analysisErrorMessage } from "../errors";
import { errorName, log } from "../logger";
import { ANALYSIS_TOPIC } from "./pubsub-publisher";
import { withReview } from "./case-review";
import { ScopeWriter } from "./scope-writer";

/*
 * The one adapter of `analysisJobs/{job_key}`: every read and write of a job goes through here,
 * each as a Firestore transaction that asks the pure lifecycle (domain/analysis-job.ts) what
 * to write. Enqueue runs inside the caller's transaction (transactional outbox); publishing,
 * claims, results, retries, dead letters and supersession run their own.
 */

/** The job collection; the trigger on new jobs listens to `ANALYSIS_JOB_DOCUMENT`. */
const JOBS = "analysisJobs";
/** The document pattern of a job, for the relay trigger. */
export const ANALYSIS_JOB_DOCUMENT = `${JOBS}/{jobKey}`;

/** `analysisJobs/{job_key}` as written by the sync core and read by the AI pipeline. */
export interface AnalysisJobDoc {
  case_id: string;
  chw_id: string;
  /** The case's `content_version` this job analyses; older versions never overwrite newer results. */
  content_version: number;
  state: AnalysisJobState;
  /** Model deliveries started (claims). */
  attempts: number;
  /** Publish attempts by the relay and the sweeper. */
  publish_attempts: number;
  published_at: FieldValue | number | null;
  /** The sweeper republishes a job still unpublished after this instant (epoch ms). */
  next_publish_at: number;
  error: { code: string; message: string } | null;
  created_at: FieldValue;
}

export { jobKeyFor } from "../domain/analysis-job";

const jobRef = (db: Firestore, key: string) => db.doc(`${JOBS}/${key}`);
/** The cost-cap counters (domain/analysis-quota.ts): one per CHW, the project's in shards. */
const QUOTAS = "analysisQuotas";
export const chwQuotaRef = (db: Firestore, chwId: string) => db.doc(`${QUOTAS}/chw:${chwId}`);
/**
 * Shard `k` of the project's hourly count. Shard 0 keeps the id of the single counter it
 * replaced (`global`), so a deployment made within an hour keeps that hour's count.
 */
export const globalQuotaShardRef = (db: Firestore, k: number) =>
  db.doc(k === 0 ? `${QUOTAS}/global` : `${QUOTAS}/global-${k}`);
const SHARD_INDEXES = Array.from({ length: GLOBAL_SHARDS }, (_, k) => k);
const caseRef = (db: Firestore, id: string) => db.doc(`cases/${id}`);

/** A transition's fields as Firestore writes them (`REMOVE` becomes a field delete). */
function fields(update: JobUpdate): DocumentData {
  return Object.fromEntries(
    Object.entries(update).map(([k, v]) => [k, v === job.REMOVE ? FieldValue.delete() : v]),
  );
}

/** Reads jobs in a transaction's read phase; true where the job exists. */
export async function jobsExist(
  tx: Transaction,
  db: Firestore,
  keys: readonly string[],
): Promise<boolean[]> {
  if (keys.length === 0) return [];
  const snaps: DocumentSnapshot[] = await tx.getAll(...keys.map((k) => jobRef(db, k)));
  return snaps.map((s) => s.exists);
}

/**
 * Creates the outbox document in the caller's transaction, together with the case write that
 * requires it (transactional outbox): the job exists if and only if the case change committed.
 * Publishing happens after commit (relay trigger on the job, sweeper as the safety net).
 * Returns the job key. Callers read the job (`jobsExist`) in the transaction's read phase and
 * call this only when it is absent: a set over an existing job would reset its state.
 */
export function enqueueAnalysis(
  tx: Transaction,
  db: Firestore,
  request: { caseId: string; chwId: string; contentVersion: number; now: number },
): string {
  const key = job.jobKeyFor(request.caseId, request.contentVersion);
  tx.set(jobRef(db, key), { ...job.enqueue(request), created_at: FieldValue.serverTimestamp() });
  return key;
}

/**
 * "This version of a RED case needs an analysis", for every writer that can make it so (the
 * sync core, image verification): queues the job unless it `exists` (read in the caller's
 * read phase), and answers the case's `analysis` field. `queued` is false when the job was
 * already there (a replay).
 */
export function requestAnalysis(
  tx: Transaction,
  db: Firestore,
  request: { caseId: string; chwId: string; contentVersion: number; now: number; exists: boolean },
): { jobKey: string; queued: boolean; analysis: { state: "queued"; job_key: string } } {
  const jobKey = request.exists
    ? job.jobKeyFor(request.caseId, request.contentVersion)
    : enqueueAnalysis(tx, db, request);
  return { jobKey, queued: !request.exists, analysis: { state: "queued", job_key: jobKey } };
}

/** What the claim transaction saw and did. */
export interface ClaimResult {
  decision: ClaimDecision;
  job?: JobView & { chw_id: string; created_at_ms?: number };
  kase?: DocumentData;
  claimId?: string;
  attempt?: number;
}

function millis(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (v && typeof v === "object" && "toMillis" in v && typeof v.toMillis === "function") {
    return (v as { toMillis(): number }).toMillis();
  }
  return undefined;
}

/**
 * Runs a transaction again on contention: every writer of a CHW's scope serialises on one
 * document, so a burst of results for one CHW (50 RED cases in one push) contends, and the
 * Firestore emulator's lock timeout aborts some. Giving up would strand a claimed job until its
 * lease runs out, or lose a model answer already paid for.
 */
export async function withTxRetry<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= attempts || !isRetryable(e)) throw e;
      await new Promise((r) => setTimeout(r, backoffMs(attempt, { baseMs: 200, capMs: 3_000 })));
    }
  }
}

/** One transaction over a job (and its case), run again on contention. */
function inJobTransaction<T>(db: Firestore, body: (tx: Transaction) => Promise<T>): Promise<T> {
  return withTxRetry(() => db.runTransaction(body));
}

/** When the analysis was requested: the commit that created the job. */
function requestedAt(createdAt: unknown, fallback: number): number {
  return millis(createdAt) ?? fallback;
}

/** The app-facing `cases.analysis` object; a stale error from an earlier job is removed. */
function analysisField(
  state: "done" | "failed",
  jobKey: string,
  contentVersion: number,
  error?: { code: string; message: string },
): DocumentData {
  return {
    state,
    job_key: jobKey,
    content_version: contentVersion,
    error: error ?? FieldValue.delete(),
  };
}

/**
 * Claims a job for one delivery in a transaction, so duplicate or concurrent deliveries of the
 * same job key make exactly one claim. A job's first claim also takes one analysis from the
 * cost caps (`limits`): over a cap, the job ends `limited` instead, and its case goes to the
 * doctors' queue without AI, in the same transaction.
 */
export async function claimJob(
  db: Firestore,
  caseId: string,
  jobKey: string,
  now: number,
  claimId: string,
  limits?: QuotaLimits,
): Promise<ClaimResult> {
  return inJobTransaction(db, async (tx) => {
    const jobSnap = await tx.get(jobRef(db, jobKey));
    const view = jobSnap.exists
      ? ({
          ...(jobSnap.data() as JobView & { chw_id: string }),
          created_at_ms: millis(jobSnap.get("created_at")),
        } as ClaimResult["job"])
      : undefined;
    const caseSnap = view ? await tx.get(caseRef(db, caseId)) : undefined;
    const kase = caseSnap?.exists ? caseSnap.data() : undefined;
    const decision = decideClaim(view, caseId, kase, now);
    if (decision.kind !== "claim" || !view) return { decision, job: view, kase };
    // Redeliveries of a job never count again: one case version costs one analysis at most.
    const counted = limits !== undefined && Number(jobSnap.get("attempts") ?? 0) === 0;
    if (counted) {
      const own = globalShardOf(view.chw_id);
      const shardRef = globalQuotaShardRef(db, own);
      // The other shards are read outside the transaction (db, not tx): locking them would put
      // every claim of the project back in one line (domain/analysis-quota.ts).
      const otherShards = SHARD_INDEXES.filter((k) => k !== own).map((k) =>
        globalQuotaShardRef(db, k),
      );
      const [[chwSnap, shardSnap], others] = await Promise.all([
        tx.getAll(chwQuotaRef(db, view.chw_id), shardRef),
        limits.globalHour > 0 && otherShards.length > 0
          ? db.getAll(...otherShards)
          : Promise.resolve([]),
      ]);
      const quota = takeQuota(
        chwSnap!.data(),
        { shard: shardSnap!.data(), others: others.map((s) => s.data()) },
        limits,
        now,
      );
      if (!quota.ok) {
        const limited = { kind: "limited" as const, quota: quota.quota, limit: quota.limit };
        await limitInTransaction(tx, db, jobKey, view, kase!, limited, now);
        return { decision: limited, job: view, kase };
      }
      tx.set(chwQuotaRef(db, view.chw_id), quota.chw, { merge: true });
      tx.set(shardRef, quota.shard, { merge: true });
    }
    // The claim touches only the job (and the counters): the case (and the CHW's scope
    // document, which every writer of the scope serialises on) is written once, with the outcome.
    const update = job.claim(jobSnap.data() ?? {}, now, claimId);
    tx.update(jobRef(db, jobKey), fields(update));
    return { decision, job: view, kase, claimId, attempt: update.attempts as number };
  });
}

/**
 * Ends a job `limited` and shows it on the case (`analysis.state: "limited"` with the reason),
 * moving a TRIAGED case to PENDING_DIAGNOSIS: the case reaches the doctors without AI.
 */
async function limitInTransaction(
  tx: Transaction,
  db: Firestore,
  jobKey: string,
  view: JobView & { chw_id: string; created_at_ms?: number },
  kase: DocumentData,
  limited: { quota: string; limit: number },
  now: number,
): Promise<void> {
  const error = {
    code: AnalysisErrorCode.LIMITED,
    message: analysisErrorMessage[AnalysisErrorCode.LIMITED],
  };
  const plan = planCaseWrite(
    kase,
    { job_key: jobKey, content_version: view.content_version },
    "limited",
  );
  const scope = plan.analysisState ? await ScopeWriter.open(tx, db, view.chw_id) : undefined;
  tx.update(jobRef(db, jobKey), fields(job.limit(now, limited, error)));
  if (!scope) return;
  const update = {
    analysis: {
      state: "limited",
      job_key: jobKey,
      content_version: view.content_version,
      error,
      limited,
    },
    timeline: { analysis_requested_at: requestedAt(view.created_at_ms, now) },
    ...(plan.status ? { status: plan.status } : {}),
  };
  scope.put("cases", view.case_id, withReview(kase, update, now), kase);
  scope.commit();
}

/**
 * Stores a result: `ai_analysis`, status and the image states on the case (through the scope
 * writer, so the CHW's pull sees it), and `done` on the job. Re-checks the claim, so a worker
 * whose lease was taken over never writes, and never overwrites a newer version's result.
 */
export async function storeResult(
  db: Firestore,
  caseId: string,
  jobKey: string,
  claimId: string,
  aiAnalysis: DocumentData & { content_version: number; image_sha256s: string[] },
  now: number,
): Promise<"written" | "superseded" | "lost_claim" | "case_missing"> {
  return inJobTransaction(db, async (tx) => {
    const jobSnap = await tx.get(jobRef(db, jobKey));
    if (!job.holdsClaim(jobSnap.data() ?? {}, claimId)) return "lost_claim";
    const caseSnap = await tx.get(caseRef(db, caseId));
    const kase = caseSnap.exists ? caseSnap.data() : undefined;
    if (!kase || kase.deleted_at != null) {
      const error = {
        code: AnalysisErrorCode.CASE_NOT_FOUND,
        message: analysisErrorMessage[AnalysisErrorCode.CASE_NOT_FOUND],
      };
      tx.update(jobRef(db, jobKey), fields(job.finish("failed", now, { error })));
      return "case_missing";
    }
    const chwId = String(jobSnap.get("chw_id"));
    const scope = await ScopeWriter.open(tx, db, chwId);
    const plan = planCaseWrite(
      kase,
      { job_key: jobKey, content_version: aiAnalysis.content_version },
      "done",
    );
    const outcome = plan.aiAnalysis ? "analysed" : "superseded";
    tx.update(jobRef(db, jobKey), fields(job.finish("done", now, { outcome })));
    if (!plan.aiAnalysis) return "superseded";
    const analysed = new Set(aiAnalysis.image_sha256s);
    const images = Array.isArray(kase.images)
      ? (kase.images as DocumentData[]).map((img) =>
          analysed.has(String(img.sha256)) && img.state === "verified"
            ? { ...img, state: "analysed" }
            : img,
        )
      : undefined;
    const update: DocumentData = {
      timeline: {
        analysis_requested_at: requestedAt(jobSnap.get("created_at"), now),
        analysed_at: now,
      },
      ...(images ? { images } : {}),
      ...(plan.analysisState
        ? { analysis: analysisField("done", jobKey, aiAnalysis.content_version) }
        : {}),
      ...(plan.status ? { status: plan.status } : {}),
    };
    scope.put("cases", caseId, withReview(kase, update, now), kase);
    scope.commit();
    // ai_analysis is replaced whole (an update, after the merge): merging would keep keys of
    // an older result.
    tx.update(caseRef(db, caseId), { ai_analysis: aiAnalysis });
    return "written";
  });
}

/**
 * Ends a job as failed with a reason the app can show, reflected in `cases.analysis` (unless a
 * newer job already owns it). `expectClaim` makes a worker's failure conditional on still
 * holding the claim; the dead-letter handler passes undefined.
 */
export async function failJob(
  db: Firestore,
  caseId: string,
  jobKey: string,
  code: AnalysisErrorCode,
  now: number,
  expectClaim?: string,
): Promise<"failed" | "already_finished" | "lost_claim"> {
  return inJobTransaction(db, async (tx) => {
    const jobSnap = await tx.get(jobRef(db, jobKey));
    if (!jobSnap.exists) return "already_finished";
    if (job.isTerminal(jobSnap.get("state"))) return "already_finished";
    if (expectClaim !== undefined && jobSnap.get("claim_id") !== expectClaim) return "lost_claim";
    const caseSnap = await tx.get(caseRef(db, caseId));
    const kase = caseSnap.exists ? caseSnap.data() : undefined;
    const error = { code, message: analysisErrorMessage[code] };
    const contentVersion = Number(jobSnap.get("content_version"));
    const plan =
      kase && kase.deleted_at == null
        ? planCaseWrite(kase, { job_key: jobKey, content_version: contentVersion }, "failed")
        : undefined;
    const scope = plan?.analysisState
      ? await ScopeWriter.open(tx, db, String(jobSnap.get("chw_id")))
      : undefined;
    tx.update(jobRef(db, jobKey), fields(job.finish("failed", now, { error })));
    if (scope && plan) {
      const update = {
        analysis: analysisField("failed", jobKey, contentVersion, error),
        timeline: { analysis_requested_at: requestedAt(jobSnap.get("created_at"), now) },
        ...(plan.status ? { status: plan.status } : {}),
      };
      scope.put("cases", caseId, withReview(kase, update, now), kase);
      scope.commit();
    }
    return "failed";
  });
}

/**
 * Gives a job back after a transient failure: the sweeper redelivers it after `retryAt`. The
 * case keeps showing `running`; the app only needs the final outcome.
 */
export async function releaseForRetry(
  db: Firestore,
  jobKey: string,
  claimId: string,
  retryAt: number,
  errorCode: string,
): Promise<boolean> {
  return inJobTransaction(db, async (tx) => {
    const snap = await tx.get(jobRef(db, jobKey));
    const update = job.retry(snap.data() ?? {}, claimId, retryAt, errorCode);
    if (!update) return false;
    tx.update(jobRef(db, jobKey), fields(update));
    return true;
  });
}

/** Marks a job handed to the dead-letter topic; the DLQ handler then fails it. */
export async function markDeadLettered(db: Firestore, jobKey: string, now: number): Promise<void> {
  await inJobTransaction(db, async (tx) => {
    const snap = await tx.get(jobRef(db, jobKey));
    const update = job.deadLetter(snap.exists ? snap.data() : undefined, now);
    if (update) tx.update(jobRef(db, jobKey), fields(update));
  });
}

/** Ends a job whose case has a newer version (its own job analyses that one). */
export async function supersedeJob(db: Firestore, jobKey: string, now: number): Promise<void> {
  await db.runTransaction(async (tx) => {
    const snap = await tx.get(jobRef(db, jobKey));
    const update = job.supersede(snap.exists ? snap.data() : undefined, now);
    if (update) tx.update(jobRef(db, jobKey), fields(update));
  });
}

/**
 * Publishes one job: a transaction first leases it (`leaseForPublish`), then `{case_id, job_key}`
 * goes to Pub/Sub, then the job is marked published. A failed publish leaves the job due after
 * the backoff: nothing committed is ever lost, only delayed. `mode: "relay"` publishes only a
 * job still pending (the create trigger); `mode: "sweep"` any unfinished job that is due.
 */
export async function publishJob(
  db: Firestore,
  publisher: MessagePublisher,
  jobKey: string,
  now: number,
  timing: PublishTiming,
  mode: "relay" | "sweep",
): Promise<job.PublishOutcome> {
  const ref = jobRef(db, jobKey);
  const leased = await db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (!snap.exists) return undefined;
    const lease = job.leaseForPublish(snap.data() ?? {}, now, timing, mode);
    if (!lease) return undefined;
    // Coalescing: a newer version of the case (an edit during the settle window) has its own
    // job; this one ends superseded without a message, so a burst of edits costs one analysis.
    const kase = await tx.get(caseRef(db, String(snap.get("case_id"))));
    if (Number(kase.get("content_version") ?? 0) > Number(snap.get("content_version"))) {
      const update = job.supersede(snap.data(), now);
      if (update) tx.update(ref, fields(update));
      return "superseded" as const;
    }
    tx.update(ref, fields(lease.update));
    return { caseId: String(snap.get("case_id")), ...lease };
  });
  if (!leased) return "skipped";
  if (leased === "superseded") {
    log.info("analysis job superseded before publishing", {
      job_key: jobKey,
      stage: mode === "relay" ? "relay" : "sweep",
      outcome: "superseded",
    });
    return "superseded";
  }
  const logged = {
    job_key: jobKey,
    case_id: leased.caseId,
    publish_attempts: leased.publishAttempts,
  };
  try {
    await publisher.publish(ANALYSIS_TOPIC, { case_id: leased.caseId, job_key: jobKey });
  } catch (e) {
    log.warn("analysis job publish failed; the sweeper retries it", {
      ...logged,
      stage: mode === "relay" ? "relay" : "sweep",
      outcome: "publish_failed",
      error_name: errorName(e),
    });
    await ref.update({ last_publish_error: errorName(e) }).catch(() => undefined);
    return "publish_failed";
  }
  await db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    const update = job.publish(snap.data() ?? {}, leased.attempts, now, timing.deliveryLeaseMs);
    if (Object.keys(update).length > 0) tx.update(ref, fields(update));
  });
  log.info("analysis job published", {
    ...logged,
    stage: mode === "relay" ? "relay" : "sweep",
    outcome: "published",
  });
  return "published";
}

/** Jobs whose `next_publish_at` has passed, oldest first (terminal jobs have no such field). */
export async function dueJobKeys(db: Firestore, now: number, limit: number): Promise<string[]> {
  const snap = await db
    .collection(JOBS)
    .where("next_publish_at", "<=", now)
    .orderBy("next_publish_at")
    .limit(limit)
    .get();
  return snap.docs.map((d) => d.id);
}

/** The JobQueue port over Firestore and Pub/Sub, for the relay, the sweeper and the dead-letter handler. */
export function firestoreJobQueue(
  db: Firestore,
  publisher: MessagePublisher,
  timing: PublishTiming,
): JobQueue {
  return {
    due: (now, limit) => dueJobKeys(db, now, limit),
    publish: (jobKey, now, mode) => publishJob(db, publisher, jobKey, now, timing, mode),
    fail: (caseId, jobKey, code, now) => failJob(db, caseId, jobKey, code, now),
  };
}
