import { RISK_ORDER } from "@/lib/case-types";
import type { ReviewState, StoredCase, StoredPatient } from "@/lib/case-types";

/** One row of the queue: the case and, when readable, its patient. */
export interface QueueItem {
  case: StoredCase;
  patient?: StoredPatient;
}

/** What the AI column says. */
export type AiState = "done" | "flagged" | "queued" | "failed" | "limited" | "overdue" | "none";

/** Queue views: what needs a doctor now, or one review state. */
export type QueueView = "queue" | "answered" | "waiting_for_chw" | "reviewed";

/** The filters of the queue screen; `undefined` means all. */
export interface QueueFilters {
  view: QueueView;
  risk?: string;
  chw?: string;
  village?: string;
}

/** The review state of a case, derived for servers that do not write it yet. */
export function reviewStateOf(c: StoredCase): ReviewState {
  if (c.review_state) return c.review_state;
  return c.status === "DIAGNOSED" ? "reviewed" : "waiting";
}

/** True while the case needs a doctor (the server's flag, or PENDING_DIAGNOSIS before it). */
export function needsDoctor(c: StoredCase): boolean {
  if (c.needs_doctor !== undefined) return c.needs_doctor;
  return c.status === "PENDING_DIAGNOSIS";
}

/** The AI column: a RED case's analysis state; others were never sent to the AI. */
export function aiStateOf(c: StoredCase): AiState {
  if (c.ai_analysis?.urgency_check?.agrees === false) return "flagged";
  if (c.ai_analysis || c.analysis?.state === "done") return "done";
  if (c.analysis?.state === "failed") return "failed";
  // A cost cap stopped the analysis: the case is in the queue for review without AI.
  if (c.analysis?.state === "limited") return "limited";
  if (c.queue_reason === "AI_OVERDUE") return "overdue";
  if (c.analysis?.state === "queued") return "queued";
  return "none";
}

/** When the case started waiting for a doctor. */
export function waitingSince(c: StoredCase): number {
  return c.needs_doctor_since ?? c.created_at ?? c.last_modified_at;
}

/** RED first, then the longest waiting; ties by id so the order is stable. */
export function sortQueue(items: readonly QueueItem[]): QueueItem[] {
  return [...items].sort(
    (a, b) =>
      RISK_ORDER[a.case.risk_level] - RISK_ORDER[b.case.risk_level] ||
      waitingSince(a.case) - waitingSince(b.case) ||
      a.case.id.localeCompare(b.case.id),
  );
}

function inView(c: StoredCase, view: QueueView): boolean {
  if (view === "queue") return needsDoctor(c);
  return reviewStateOf(c) === view;
}

/** The rows the filters let through, in queue order. */
export function filterQueue(items: readonly QueueItem[], f: QueueFilters): QueueItem[] {
  return sortQueue(
    items.filter(
      (i) =>
        !i.case.deleted_at &&
        inView(i.case, f.view) &&
        (f.risk === undefined || i.case.risk_level === f.risk) &&
        (f.chw === undefined || i.case.chw_id === f.chw) &&
        (f.village === undefined || i.patient?.demographics.village === f.village),
    ),
  );
}

/** Counts shown above the queue. */
export interface QueueCounts {
  queue: number;
  red: number;
  answered: number;
  waiting_for_chw: number;
  reviewed: number;
}

/** Counts over every case the console holds (not only the filtered ones). */
export function countQueue(items: readonly QueueItem[]): QueueCounts {
  const live = items.filter((i) => !i.case.deleted_at);
  return {
    queue: live.filter((i) => needsDoctor(i.case)).length,
    red: live.filter((i) => needsDoctor(i.case) && i.case.risk_level === "RED").length,
    answered: live.filter((i) => reviewStateOf(i.case) === "answered").length,
    waiting_for_chw: live.filter((i) => reviewStateOf(i.case) === "waiting_for_chw").length,
    reviewed: live.filter((i) => reviewStateOf(i.case) === "reviewed").length,
  };
}

/** The distinct values of a filter, sorted, for its select. */
export function filterOptions(items: readonly QueueItem[]): { chws: string[]; villages: string[] } {
  const chws = new Set(items.map((i) => i.case.chw_id));
  const villages = new Set(
    items.map((i) => i.patient?.demographics.village).filter((v): v is string => !!v),
  );
  return { chws: [...chws].sort(), villages: [...villages].sort() };
}
