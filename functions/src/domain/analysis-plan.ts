import { isTerminal } from "./analysis-job";
import type { QuotaName } from "./analysis-quota";
import { MAX_DELIVERIES } from "./retry";

/** The fields of an analysis job the pipeline decides on. */
export interface JobView {
  case_id: string;
  content_version: number;
  state: string;
  attempts: number;
  lease_until?: number | null;
}

/** The fields of `cases/{id}` the pipeline decides on. */
export interface CaseView {
  deleted_at?: unknown;
  status?: string;
  content_version?: number;
  ai_analysis?: { content_version?: number; job_key?: string } | null;
  analysis?: { job_key?: string; content_version?: number } | null;
}

/** What a delivery of `{case_id, job_key}` should do, decided inside the claim transaction. */
export type ClaimDecision =
  | { kind: "claim" }
  | { kind: "ignore"; reason: "unknown_job" | "already_finished" | "in_flight" | "case_mismatch" }
  | { kind: "fail"; code: "CASE_NOT_FOUND" }
  | { kind: "superseded" }
  | { kind: "dead_letter" }
  /** A cost cap refused the job's first analysis (decided with the counters, analysis-quota.ts). */
  | { kind: "limited"; quota: QuotaName; limit: number };

/** Content version a job key names (`{case_id}.v{n}`), or undefined for a foreign key. */
export function versionOfJobKey(jobKey: string | undefined): number | undefined {
  const m = jobKey ? /\.v(\d+)$/.exec(jobKey) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * Decides a delivery. Duplicates are expected (at-least-once, republished by the sweeper), so
 * anything but a pending, published, retrying or lease-expired job is acknowledged and ignored.
 */
export function decideClaim(
  job: JobView | undefined,
  caseId: string,
  kase: CaseView | undefined,
  now: number,
): ClaimDecision {
  if (!job) return { kind: "ignore", reason: "unknown_job" };
  if (job.case_id !== caseId) return { kind: "ignore", reason: "case_mismatch" };
  // Handed to the dead-letter topic but not yet failed: forward again (the DLQ message may be lost).
  if (job.state === "dead_lettered") return { kind: "dead_letter" };
  if (isTerminal(job.state)) {
    return { kind: "ignore", reason: "already_finished" };
  }
  if (job.state === "running" && (job.lease_until ?? 0) > now) {
    return { kind: "ignore", reason: "in_flight" };
  }
  if (!kase || kase.deleted_at != null) return { kind: "fail", code: "CASE_NOT_FOUND" };
  // A newer version of the case exists: its own job analyses it, this one would be wasted.
  if ((kase.content_version ?? 0) > job.content_version) return { kind: "superseded" };
  if ((kase.ai_analysis?.content_version ?? -1) > job.content_version)
    return { kind: "superseded" };
  if (job.attempts >= MAX_DELIVERIES) return { kind: "dead_letter" };
  return { kind: "claim" };
}

/** Which case fields a finished job may write, so an older job never hides a newer one. */
export interface CaseWritePlan {
  /** Write `ai_analysis` (only results, never failures). */
  aiAnalysis: boolean;
  /** Write `analysis` (the app's view of the AI step). */
  analysisState: boolean;
  /** The status to set, or undefined to leave it. */
  status?: "PENDING_DIAGNOSIS";
}

/**
 * Plans the case write for a finished job. A DIAGNOSED case keeps its status; a failed or
 * limited analysis still moves a TRIAGED case to PENDING_DIAGNOSIS, because a RED case must
 * reach a doctor even when the model cannot help (or a cost cap stopped it).
 */
export function planCaseWrite(
  kase: CaseView,
  job: { job_key: string; content_version: number },
  outcome: "done" | "failed" | "limited",
): CaseWritePlan {
  const newerResult = (kase.ai_analysis?.content_version ?? -1) > job.content_version;
  const shownVersion =
    kase.analysis?.content_version ?? versionOfJobKey(kase.analysis?.job_key) ?? -1;
  const analysisState =
    kase.analysis?.job_key === job.job_key || shownVersion <= job.content_version;
  const aiAnalysis = outcome === "done" && !newerResult;
  const touches = aiAnalysis || (analysisState && !newerResult);
  return {
    aiAnalysis,
    analysisState: analysisState && !newerResult,
    status: touches && kase.status !== "DIAGNOSED" ? "PENDING_DIAGNOSIS" : undefined,
  };
}
