// Helpers of the AI pipeline's emulator tests: seed cases the way the sync core does (case +
// outbox job in one transaction through the scope writer), talk to the MedGemma stand-in's admin
// routes, and tick the scheduled sweeper the way Cloud Scheduler does.
import { randomUUID } from "node:crypto";
import type { DocumentData, Firestore } from "firebase-admin/firestore";
import { PubSub } from "@google-cloud/pubsub";
import { enqueueAnalysis, jobKeyFor } from "../../src/adapters/analysis-jobs";
import { testDb } from "./images-support";
import { ScopeWriter } from "../../src/adapters/scope-writer";
import { PROJECT_ID } from "../../../infra/src/stack";
import { runScheduledFunction } from "../../../infra/src/local-scheduler";
import type { StandInCall } from "../../../infra/src/medgemma-stand-in";

process.env.GCLOUD_PROJECT ??= PROJECT_ID;

/** Base URL of the MedGemma stand-in the test runner started. */
export const STAND_IN = "http://127.0.0.1:8091";

/** Firestore on the emulator. */
export function db(): Firestore {
  return testDb();
}

let pubsub: PubSub | undefined;
/** Publishes JSON to a topic on the Pub/Sub emulator. */
export async function publish(topic: string, json: Record<string, unknown>): Promise<void> {
  pubsub ??= new PubSub({ projectId: PROJECT_ID });
  await pubsub.topic(topic).publishMessage({ json });
}

/** Runs the scheduled sweeper now, over HTTP as Cloud Scheduler does (infra/src/local-scheduler.ts). */
export async function tickSweeper(): Promise<void> {
  if (!(await runScheduledFunction("sweepAnalysisJobs"))) throw new Error("sweeper did not run");
}

/** A RED case as a CHW's device records it (no PHI: fixtures only). */
export function redCase(over: DocumentData = {}): DocumentData {
  return {
    patient_id: randomUUID(),
    risk_level: "RED",
    triage_data: {
      body_site: "left forearm",
      duration_days: 30,
      symptoms: ["itching", "colour change"],
      danger_signs: ["bleeding"],
    },
    images: [],
    last_modified_at: Date.now(),
    ...over,
  };
}

/**
 * Writes a case version and, when asked, its analysis job in one transaction (what the sync
 * core does for a RED case). Returns the job key.
 */
export async function commitCase(
  chwId: string,
  caseId: string,
  record: DocumentData,
  contentVersion: number,
  enqueue = true,
): Promise<string> {
  const firestore = db();
  const key = jobKeyFor(caseId, contentVersion);
  await firestore.runTransaction(async (tx) => {
    const scope = await ScopeWriter.open(tx, firestore, chwId);
    const before = await tx.get(firestore.doc(`cases/${caseId}`));
    const now = Date.now();
    scope.put(
      "cases",
      caseId,
      {
        ...record,
        id: caseId,
        content_version: contentVersion,
        status: (before.get("status") as string | undefined) ?? "TRIAGED",
        ...(enqueue
          ? { analysis: { state: "queued", job_key: key, content_version: contentVersion } }
          : {}),
        timeline: { synced_at: now },
        ...(before.exists ? {} : { created_at: now }),
      },
      before.exists ? before.data() : undefined,
    );
    if (enqueue) enqueueAnalysis(tx, firestore, { caseId, chwId, contentVersion, now });
    scope.commit();
  });
  return key;
}

/** The case fields these tests read. */
export interface CaseDoc {
  status: string;
  server_seq: number;
  content_version: number;
  images?: Array<{ sha256: string; state: string; image_key: string }>;
  analysis?: { state: string; job_key: string; error?: { code: string; message: string } };
  ai_analysis?: {
    job_key: string;
    content_version: number;
    prompt_version: string;
    model: string;
    served_model: string;
    fixture: boolean;
    endpoint: string;
    disclaimer: string;
    usage: { total_tokens: number };
    latency_ms: number;
    model_calls: number;
    image_sha256s: string[];
    per_image: unknown[];
    findings: { urgency: string; limitations: string[] };
  };
  timeline: { analysis_requested_at?: number; analysed_at?: number };
}

/** The job fields these tests read. */
export interface JobDoc {
  state: string;
  attempts: number;
  publish_attempts: number;
  published_at: number | null;
  next_publish_at?: number;
  outcome?: string;
  error?: { code: string; message: string } | null;
  last_publish_error?: string;
  dead_lettered_at?: number;
}

/** Reads a document's data (undefined when absent). */
export async function read<T = DocumentData>(path: string): Promise<T | undefined> {
  const snap = await db().doc(path).get();
  return snap.exists ? (snap.data() as T) : undefined;
}

/** Polls until `predicate` holds for the document, or fails after `timeoutMs`. */
export async function waitFor<T = DocumentData>(
  path: string,
  predicate: (d: T | undefined) => boolean,
  timeoutMs = 30_000,
  onPoll?: () => Promise<void>,
): Promise<T> {
  const started = Date.now();
  let last: T | undefined;
  while (Date.now() - started < timeoutMs) {
    last = await read<T>(path);
    if (predicate(last)) return last!;
    if (onPoll) await onPoll();
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting on ${path}: ${JSON.stringify(last)}`);
}

/** Scripts the stand-in's answers for one job key. */
export async function script(key: string, steps: string[], then = "ok"): Promise<void> {
  const res = await fetch(`${STAND_IN}/admin/scripts`, {
    method: "POST",
    body: JSON.stringify({ key, steps, then }),
  });
  if (!res.ok) throw new Error(`stand-in script failed: ${res.status}`);
}

/** Model calls the stand-in answered for a job key. */
export async function calls(key: string): Promise<StandInCall[]> {
  const res = await fetch(`${STAND_IN}/admin/calls?key=${encodeURIComponent(key)}`);
  return ((await res.json()) as { calls: StandInCall[] }).calls;
}

/** Turns the functions emulator's background triggers off or on (emulator hub). */
export async function backgroundTriggers(enabled: boolean): Promise<void> {
  const path = enabled ? "enableBackgroundTriggers" : "disableBackgroundTriggers";
  const res = await fetch(`http://127.0.0.1:4400/functions/${path}`, { method: "PUT" });
  if (!res.ok) throw new Error(`hub ${path}: ${res.status}`);
}

/** A fresh CHW id per test, so scopes and data never collide across tests or runs. */
export function freshChw(): string {
  return `chw-ai-${randomUUID().slice(0, 8)}`;
}

/** An `onPoll` for waitFor that runs the sweeper at most once per `everyMs`. */
export function sweeperEvery(everyMs: number): () => Promise<void> {
  let last = 0;
  return async () => {
    if (Date.now() - last < everyMs) return;
    last = Date.now();
    await tickSweeper();
  };
}
