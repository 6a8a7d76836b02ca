import { FieldValue } from "firebase-admin/firestore";
import type { DocumentData, Firestore } from "firebase-admin/firestore";
import { decideClaim, planCaseWrite } from "../domain/analysis-plan";
import { backoffMs } from "../domain/analysis-retry";
import type { ClaimDecision, JobView } from "../domain/analysis-plan";
import { AnalysisErrorCode, analysisErrorMessage } from "../errors";
import { withReview } from "./case-review";
import { ScopeWriter } from "./scope-writer";

/**
 * A claimed job stays `running` this long; after it the sweeper redelivers it (the worker
 * crashed or timed out). Longer than analyzeCase's 540 s timeout, so a live worker keeps it.
 */
export const RUN_LEASE_MS = 600_000;

/** What the claim transaction saw and did. */
export interface ClaimResult {
  decision: ClaimDecision;
  job?: JobView & { chw_id: string; created_at_ms?: number };
  kase?: DocumentData;
  claimId?: string;
  attempt?: number;
}

const jobRef = (db: Firestore, key: string) => db.doc(`analysisJobs/${key}`);
const caseRef = (db: Firestore, id: string) => db.doc(`cases/${id}`);

function millis(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (v && typeof v === "object" && "toMillis" in v && typeof v.toMillis === "function") {
    return (v as { toMillis(): number }).toMillis();
  }
  return undefined;
}

/** gRPC codes worth another try of a transaction: ABORTED (contention), UNAVAILABLE, DEADLINE_EXCEEDED. */
const RETRYABLE_CODES = new Set([10, 14, 4]);

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
      const code = (e as { code?: unknown }).code;
      if (attempt >= attempts || typeof code !== "number" || !RETRYABLE_CODES.has(code)) throw e;
      await new Promise((r) => setTimeout(r, backoffMs(attempt, { baseMs: 200, capMs: 3_000 })));
    }
  }
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
 * same job key make exactly one claim.
 */
export async function claimJob(
  db: Firestore,
  caseId: string,
  jobKey: string,
  now: number,
  claimId: string,
): Promise<ClaimResult> {
  return withTxRetry(() =>
    db.runTransaction(async (tx) => {
      const jobSnap = await tx.get(jobRef(db, jobKey));
      const job = jobSnap.exists
        ? ({
            ...(jobSnap.data() as JobView & { chw_id: string }),
            created_at_ms: millis(jobSnap.get("created_at")),
          } as ClaimResult["job"])
        : undefined;
      const caseSnap = job ? await tx.get(caseRef(db, caseId)) : undefined;
      const kase = caseSnap?.exists ? caseSnap.data() : undefined;
      const decision = decideClaim(job, caseId, kase, now);
      if (decision.kind !== "claim" || !job) return { decision, job, kase };
      const attempt = job.attempts + 1;
      // The claim touches only the job: the case (and the CHW's scope document, which every
      // writer of the scope serialises on) is written once, with the outcome.
      tx.update(jobRef(db, jobKey), {
        state: "running",
        attempts: attempt,
        claim_id: claimId,
        lease_until: now + RUN_LEASE_MS,
        // The sweeper redelivers the job if this worker never finishes it.
        next_publish_at: now + RUN_LEASE_MS,
        // A delivery proves the publish: the relay's own "published" mark may still be in
        // flight (it commits after the publish call returns), and may even land after the result.
        ...(jobSnap.get("published_at") == null ? { published_at: now } : {}),
      });
      return { decision, job, kase, claimId, attempt };
    }),
  );
}

/** Terminal job fields: nothing left for the sweeper. */
function finished(state: "done" | "failed", now: number): DocumentData {
  return { state, lease_until: null, next_publish_at: FieldValue.delete(), finished_at: now };
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
  return withTxRetry(() =>
    db.runTransaction(async (tx) => {
      const jobSnap = await tx.get(jobRef(db, jobKey));
      if (jobSnap.get("state") !== "running" || jobSnap.get("claim_id") !== claimId)
        return "lost_claim";
      const caseSnap = await tx.get(caseRef(db, caseId));
      const kase = caseSnap.exists ? caseSnap.data() : undefined;
      if (!kase || kase.deleted_at != null) {
        tx.update(jobRef(db, jobKey), {
          ...finished("failed", now),
          error: {
            code: AnalysisErrorCode.CASE_NOT_FOUND,
            message: analysisErrorMessage[AnalysisErrorCode.CASE_NOT_FOUND],
          },
        });
        return "case_missing";
      }
      const chwId = String(jobSnap.get("chw_id"));
      const scope = await ScopeWriter.open(tx, db, chwId);
      const plan = planCaseWrite(
        kase,
        { job_key: jobKey, content_version: aiAnalysis.content_version },
        "done",
      );
      tx.update(jobRef(db, jobKey), {
        ...finished("done", now),
        outcome: plan.aiAnalysis ? "analysed" : "superseded",
      });
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
    }),
  );
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
  return withTxRetry(() =>
    db.runTransaction(async (tx) => {
      const jobSnap = await tx.get(jobRef(db, jobKey));
      if (!jobSnap.exists) return "already_finished";
      const state = jobSnap.get("state") as string;
      if (state === "done" || state === "failed") return "already_finished";
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
      tx.update(jobRef(db, jobKey), { ...finished("failed", now), error });
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
    }),
  );
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
  return withTxRetry(() =>
    db.runTransaction(async (tx) => {
      const snap = await tx.get(jobRef(db, jobKey));
      if (snap.get("state") !== "running" || snap.get("claim_id") !== claimId) return false;
      tx.update(jobRef(db, jobKey), {
        state: "retrying",
        lease_until: null,
        next_publish_at: retryAt,
        last_error: errorCode,
      });
      return true;
    }),
  );
}

/** Marks a job handed to the dead-letter topic; the DLQ handler then fails it. */
export async function markDeadLettered(db: Firestore, jobKey: string, now: number): Promise<void> {
  await withTxRetry(() =>
    db.runTransaction(async (tx) => {
      const snap = await tx.get(jobRef(db, jobKey));
      const state = snap.get("state") as string | undefined;
      if (!snap.exists || state === "done" || state === "failed") return;
      tx.update(jobRef(db, jobKey), {
        state: "dead_lettered",
        lease_until: null,
        dead_lettered_at: now,
        // Safety net: if the DLQ message is lost, the sweeper delivers again and the claim
        // forwards it once more.
        next_publish_at: now + RUN_LEASE_MS,
      });
    }),
  );
}
