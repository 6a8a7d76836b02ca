import { FieldValue } from "firebase-admin/firestore";
import type { Firestore, Transaction } from "firebase-admin/firestore";

/** States of an `analysisJobs/{job_key}` outbox document. */
export type AnalysisJobState =
  "pending" | "published" | "running" | "retrying" | "dead_lettered" | "done" | "failed";

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
  published_at: FieldValue | null;
  /** The sweeper republishes a job still unpublished after this instant (epoch ms). */
  next_publish_at: number;
  error: { code: string; message: string } | null;
  created_at: FieldValue;
}

/** The job key for one version of a case: deterministic, so re-queuing the same version is a no-op. */
export function jobKeyFor(caseId: string, contentVersion: number): string {
  return `${caseId}.v${contentVersion}`;
}

/** How long the relay has to publish before the sweeper takes over. */
export const PUBLISH_LEASE_MS = 60_000;

/**
 * Creates the outbox document in the caller's transaction, together with the case write that
 * requires it (transactional outbox): the job exists if and only if the case change committed.
 * Publishing happens after commit (relay trigger on the job, sweeper as the safety net).
 * Returns the job key. Callers read `analysisJobs/{key}` in the transaction's read phase and
 * call this only when it is absent: a set over an existing job would reset its state.
 */
export function enqueueAnalysis(
  tx: Transaction,
  db: Firestore,
  job: { caseId: string; chwId: string; contentVersion: number; now: number },
): string {
  const key = jobKeyFor(job.caseId, job.contentVersion);
  const doc: AnalysisJobDoc = {
    case_id: job.caseId,
    chw_id: job.chwId,
    content_version: job.contentVersion,
    state: "pending",
    attempts: 0,
    publish_attempts: 0,
    published_at: null,
    next_publish_at: job.now + PUBLISH_LEASE_MS,
    error: null,
    created_at: FieldValue.serverTimestamp(),
  };
  tx.set(db.doc(`analysisJobs/${key}`), doc);
  return key;
}
