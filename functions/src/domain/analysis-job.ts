import type { AnalysisErrorCode } from "@dermadetect/contract";
import { backoffMs } from "./retry";

/*
 * The life of one AI analysis job (`{case_id}.v{content_version}`), as pure data: its states,
 * which are terminal, and each transition as the fields it writes. The Firestore adapter
 * (adapters/analysis-jobs.ts) reads a job in a transaction, asks a transition here, and writes
 * what it answers; nothing else compares job states. docs/architecture.md draws the machine.
 *
 *   enqueue → pending ─publish→ published ─claim→ running ─finish→ done | failed
 *                                   ↑                 │
 *                 (sweep: lease ran out) ←── retrying ←┘ retry (transient failure)
 *   running ─(5th failed delivery)→ dead_lettered ─(dead-letter handler)→ failed
 *   any non-terminal ─supersede (a newer case version exists)→ done
 *   pending|published|retrying ─(first claim over a cost cap, analysis-quota.ts)→ limited
 *
 * A new job settles first (ANALYSIS_SETTLE_MS): the relay publishes it only after the window,
 * and a publish finds a newer version of the case and supersedes instead, so a burst of edits
 * costs one analysis.
 */

/** States of a job. */
export const JOB_STATES = [
  "pending",
  "published",
  "running",
  "retrying",
  "dead_lettered",
  "done",
  "failed",
  "limited",
] as const;
/** One job state. */
export type AnalysisJobState = (typeof JOB_STATES)[number];

/** True for a state the job never leaves (the sweeper has nothing left to do). */
export function isTerminal(state: unknown): boolean {
  return state === "done" || state === "failed" || state === "limited";
}

/** How long the relay has to publish a new job before the sweeper takes over. */
export const PUBLISH_LEASE_MS = 60_000;

/**
 * A claimed job stays `running` this long; after it the sweeper redelivers it (the worker
 * crashed or timed out). Longer than analyzeCase's 540 s timeout, so a live worker keeps it.
 */
export const RUN_LEASE_MS = 600_000;

/** The job operations the relay, the sweeper and the dead-letter handler use (adapters/analysis-jobs.ts). */
export interface JobQueue {
  /** Keys of jobs whose `next_publish_at` has passed, oldest first. */
  due(now: number, limit: number): Promise<string[]>;
  /** Leases and publishes one job (`relay`: only a pending one; `sweep`: any due, unfinished one). */
  publish(jobKey: string, now: number, mode: "relay" | "sweep"): Promise<PublishOutcome>;
  /** Ends a job as failed with a reason the app shows; idempotent. */
  fail(caseId: string, jobKey: string, code: AnalysisErrorCode, now: number): Promise<FailOutcome>;
}

/** What publishing one job did (`superseded`: a newer case version exists, nothing was sent). */
export type PublishOutcome = "published" | "skipped" | "publish_failed" | "superseded";
/** What failing one job did. */
export type FailOutcome = "failed" | "already_finished" | "lost_claim";

/** Removes a field (the adapter writes its store's delete sentinel). */
export const REMOVE = Symbol("remove field");

/** The fields a transition writes; `REMOVE` deletes one. */
export type JobUpdate = Record<string, unknown>;

/** The fields of a stored job the transitions read. */
export interface JobSnapshot {
  state?: unknown;
  attempts?: unknown;
  publish_attempts?: unknown;
  next_publish_at?: unknown;
  published_at?: unknown;
  claim_id?: unknown;
}

/** The job key for one version of a case: deterministic, so re-queuing the same version is a no-op. */
export function jobKeyFor(caseId: string, contentVersion: number): string {
  return `${caseId}.v${contentVersion}`;
}

/** A new job, as the transaction that makes the case need it creates it (transactional outbox). */
export function enqueue(job: {
  caseId: string;
  chwId: string;
  contentVersion: number;
  now: number;
}): JobUpdate {
  return {
    case_id: job.caseId,
    chw_id: job.chwId,
    content_version: job.contentVersion,
    state: "pending",
    attempts: 0,
    publish_attempts: 0,
    published_at: null,
    next_publish_at: job.now + PUBLISH_LEASE_MS,
    error: null,
  };
}

/** Timing of publishing and redelivery. */
export interface PublishTiming {
  /** Base and cap of the backoff between publish attempts. */
  baseMs: number;
  capMs: number;
  /** A published job not claimed within this time is published again. */
  deliveryLeaseMs: number;
}

/**
 * Step one of publishing: lease the job by moving `next_publish_at` out by a backoff, so a
 * concurrent relay and sweeper do not both publish, and a crash leaves the job due again.
 * `relay` publishes only a job still pending (right after its creation); `sweep` any
 * non-terminal job that is due. Undefined when this job is not to be published now.
 */
export function leaseForPublish(
  job: JobSnapshot,
  now: number,
  timing: PublishTiming,
  mode: "relay" | "sweep",
  random?: () => number,
): { update: JobUpdate; publishAttempts: number; attempts: number } | undefined {
  const due = Number(job.next_publish_at ?? Infinity) <= now;
  if (mode === "relay" ? job.state !== "pending" : isTerminal(job.state) || !due) return undefined;
  const publishAttempts = Number(job.publish_attempts ?? 0) + 1;
  return {
    update: {
      publish_attempts: publishAttempts,
      next_publish_at: now + backoffMs(publishAttempts - 1, timing, random),
    },
    publishAttempts,
    attempts: Number(job.attempts ?? 0),
  };
}

/**
 * Step two, after the message went out: the job is `published`, unless a delivery claimed it
 * since the lease (a claim that already failed and set its own retry time must keep it).
 */
export function publish(
  job: JobSnapshot,
  leasedAttempts: number,
  now: number,
  deliveryLeaseMs: number,
): JobUpdate {
  const update: JobUpdate = {};
  if (job.published_at == null) update.published_at = now;
  const unclaimed = Number(job.attempts ?? 0) === leasedAttempts;
  const waiting = job.state === "pending" || job.state === "retrying" || job.state === "published";
  if (unclaimed && waiting) {
    // If no delivery claims it within the lease, it is published again.
    update.state = "published";
    update.next_publish_at = now + deliveryLeaseMs;
  }
  return update;
}

/** A delivery takes the job (the claim decision itself is `decideClaim`). */
export function claim(job: JobSnapshot, now: number, claimId: string): JobUpdate {
  return {
    state: "running",
    attempts: Number(job.attempts ?? 0) + 1,
    claim_id: claimId,
    lease_until: now + RUN_LEASE_MS,
    // The sweeper redelivers the job if this worker never finishes it.
    next_publish_at: now + RUN_LEASE_MS,
    // A delivery proves the publish: the relay's own "published" mark may still be in flight.
    ...(job.published_at == null ? { published_at: now } : {}),
  };
}

/** True while `claimId` still holds the job (a worker whose lease was taken over never writes). */
export function holdsClaim(job: JobSnapshot, claimId: string): boolean {
  return job.state === "running" && job.claim_id === claimId;
}

/**
 * A transient failure gives the job back: the sweeper redelivers it after `retryAt`.
 * Undefined when the claim was lost meanwhile.
 */
export function retry(
  job: JobSnapshot,
  claimId: string,
  retryAt: number,
  errorCode: string,
): JobUpdate | undefined {
  if (!holdsClaim(job, claimId)) return undefined;
  return { state: "retrying", lease_until: null, next_publish_at: retryAt, last_error: errorCode };
}

/**
 * The job went to the dead-letter topic; the dead-letter handler then fails it. If that message
 * is lost, the sweeper delivers it again and the claim forwards it once more. Undefined for a
 * missing or finished job.
 */
export function deadLetter(job: JobSnapshot | undefined, now: number): JobUpdate | undefined {
  if (!job || isTerminal(job.state)) return undefined;
  return {
    state: "dead_lettered",
    lease_until: null,
    dead_lettered_at: now,
    next_publish_at: now + RUN_LEASE_MS,
  };
}

/** A newer version of the case has its own job: this one ends as done, unanalysed. */
export function supersede(job: JobSnapshot | undefined, now: number): JobUpdate | undefined {
  if (!job || isTerminal(job.state)) return undefined;
  return {
    state: "done",
    outcome: "superseded",
    lease_until: null,
    next_publish_at: null,
    finished_at: now,
  };
}

/**
 * A cost cap refused the job's first analysis: it ends `limited`, never sent to the model, with
 * the cap named (the case goes to the doctors without AI).
 */
export function limit(
  now: number,
  quota: { quota: string; limit: number },
  error: { code: string; message: string },
): JobUpdate {
  return {
    state: "limited",
    outcome: "limited",
    limited: { quota: quota.quota, limit: quota.limit },
    error,
    lease_until: null,
    next_publish_at: REMOVE,
    finished_at: now,
  };
}

/** The job ends: nothing is left for the sweeper. */
export function finish(state: "done" | "failed", now: number, fields: JobUpdate = {}): JobUpdate {
  return { state, lease_until: null, next_publish_at: REMOVE, finished_at: now, ...fields };
}
