import type { CaseRecord, PatientRecord, RecordResult, SeedChanges } from "@dermadetect/contract";
import { manifestOf } from "@dermadetect/contract";
import type { Manifest, ManifestEntry } from "@dermadetect/contract";
import type { DocData, PortDoc } from "@/lib/firebase/firestore-port";

/*
 * Pure derivation of what the screens show: the CHW's canonical documents (from listeners)
 * overlaid with the versions still travelling in `syncBatches`, and one honest state per record.
 * Nothing here reads a clock or a client flag that could drift from the server's receipts:
 * "applied" comes from the batch's per-record result, "analysed" and "diagnosed" from the
 * canonical documents the server wrote.
 */

/** A `syncBatches` document as the device sees it. */
export interface BatchView {
  id: string;
  /** The server has not acknowledged the document yet (it is only in the local queue). */
  pending: boolean;
  changes: SeedChanges;
  status?: "applied" | "rejected";
  results?: RecordResult[];
  error?: { code: string; message: string };
  clockSkewMs?: number;
  processedAt?: number;
}

/** Per-record sync state, in the order a record normally moves through them. */
export type RecordState =
  | { kind: "pending" }
  | { kind: "uploaded" }
  | { kind: "applied" }
  | { kind: "stale"; reason: string }
  | { kind: "rejected"; reason: string; batchId: string }
  | { kind: "analysed" }
  | { kind: "diagnosed" };

/** The server-owned parts of a case the app shows. */
export interface CaseServerFields {
  status?: string;
  ai_analysis?: DocData;
  analysis?: { state?: string; error?: { code?: string; message?: string } };
  images?: { sha256: string; state?: string; reason?: string }[];
  timeline?: Record<string, number>;
  server_seq?: number;
  server_updated_at?: number;
  /** The doctor's question to the CHW (server-owned; see the contract's review.ts). */
  info_request?: {
    id: string;
    kind: "photo" | "information";
    message: string;
    requested_by_name?: string;
    requested_at?: number;
    answered_at?: number | null;
  } | null;
  review_state?: "waiting" | "waiting_for_chw" | "answered" | "reviewed" | null;
}

/** A diagnosis as the CHW sees it. */
export interface DiagnosisView {
  id: string;
  case_id: string;
  diagnosis_text: string;
  prescription?: string;
  created_at?: number;
  referral?: { decision: "none" | "routine" | "urgent"; destination?: string } | null;
  follow_up?: { in_days?: number; note?: string } | null;
  amends?: string | null;
  doctor_name?: string | null;
}

/** A patient on screen. */
export interface PatientView {
  record: PatientRecord;
  state: RecordState;
}

/** A case on screen. */
export interface CaseView {
  record: CaseRecord;
  server: CaseServerFields;
  state: RecordState;
  diagnoses: DiagnosisView[];
}

/** A record the server rejected, with what to tell the CHW. */
export interface RejectedItem {
  table: "patients" | "cases";
  id: string;
  batchId: string;
  reason: string;
  /** The version the device sent, so the CHW can fix and resend it. */
  record: PatientRecord | CaseRecord;
}

/** Everything the data layer needs to derive the screens' view. */
export interface ViewInput {
  patients: PortDoc[];
  cases: PortDoc[];
  diagnoses: PortDoc[];
  batches: BatchView[];
  /** `batchId/table/id` keys of rejected records the CHW chose to discard. */
  discarded: ReadonlySet<string>;
}

/** The derived view. */
export interface RecordsView {
  patients: PatientView[];
  cases: CaseView[];
  rejected: RejectedItem[];
  /** Records saved on this phone that the server has not yet answered for. */
  unconfirmed: number;
}

/** Key of a discarded rejection. */
export function discardKey(batchId: string, table: string, id: string): string {
  return `${batchId}/${table}/${id}`;
}

interface LocalVersion<R> {
  record: R;
  batch: BatchView;
  result: RecordResult | undefined;
}

function latestLocal<R extends { id: string; last_modified_at: number }>(
  batches: BatchView[],
  table: "patients" | "cases",
): Map<string, LocalVersion<R>> {
  const out = new Map<string, LocalVersion<R>>();
  for (const batch of batches) {
    for (const record of (batch.changes[table] ?? []) as unknown as R[]) {
      const have = out.get(record.id);
      if (have && have.record.last_modified_at > record.last_modified_at) continue;
      // Same timestamp in two batches: the one the server answered decides (a resend).
      if (have && have.record.last_modified_at === record.last_modified_at && !batch.status)
        continue;
      const result = batch.results?.find((r) => r.table === table && r.id === record.id);
      out.set(record.id, { record, batch, result });
    }
  }
  return out;
}

/** Whether the canonical document already reflects the local version. */
function canonicalCaughtUp(
  local: LocalVersion<{ last_modified_at: number }>,
  canonical: DocData | undefined,
): boolean {
  if (!canonical) return false;
  const lmt = canonical.last_modified_at;
  if (typeof lmt === "number" && lmt >= local.record.last_modified_at) return true;
  // The server may clamp a future timestamp (device clock ahead): trust its sequence number.
  const seq = canonical.server_seq;
  const applied = local.result?.server_seq;
  return typeof seq === "number" && typeof applied === "number" && seq >= applied;
}

function stateOfLocal(local: LocalVersion<unknown>): RecordState {
  const { batch, result } = local;
  if (batch.pending) return { kind: "pending" };
  if (batch.status === "rejected") {
    return { kind: "rejected", reason: batch.error?.code ?? "BATCH_REJECTED", batchId: batch.id };
  }
  if (!batch.status || !result) return { kind: "uploaded" };
  switch (result.outcome) {
    case "applied":
    case "duplicate":
      return { kind: "applied" };
    case "stale":
      return { kind: "stale", reason: result.reason ?? "STALE" };
    case "rejected":
      return { kind: "rejected", reason: result.reason ?? "REJECTED", batchId: batch.id };
  }
}

function caseServerState(server: CaseServerFields, diagnoses: DiagnosisView[]): RecordState {
  if (server.status === "DIAGNOSED" || diagnoses.length > 0) return { kind: "diagnosed" };
  if (server.ai_analysis) return { kind: "analysed" };
  return { kind: "applied" };
}

function serverFields(data: DocData | undefined): CaseServerFields {
  if (!data) return {};
  const d = data as CaseServerFields;
  return {
    status: d.status,
    ai_analysis: d.ai_analysis,
    analysis: d.analysis,
    images: d.images,
    timeline: d.timeline,
    server_seq: d.server_seq,
    server_updated_at: d.server_updated_at,
    ...(d.info_request != null && { info_request: d.info_request }),
    ...(d.review_state != null && { review_state: d.review_state }),
  };
}

function patientFromDoc(d: PortDoc): PatientRecord {
  const { id, demographics, last_modified_at, deleted_at } = d.data as unknown as PatientRecord;
  return {
    id: id ?? d.id,
    demographics,
    last_modified_at,
    ...(deleted_at != null && { deleted_at }),
  };
}

function caseFromDoc(d: PortDoc): CaseRecord {
  const r = d.data as unknown as CaseRecord;
  return {
    id: r.id ?? d.id,
    patient_id: r.patient_id,
    triage_data: r.triage_data,
    risk_level: r.risk_level,
    images: (r.images ?? []).map(({ sha256, content_type, bytes }) => ({
      sha256,
      content_type,
      bytes,
    })),
    last_modified_at: r.last_modified_at,
    ...(r.deleted_at != null && { deleted_at: r.deleted_at }),
  };
}

interface Overlaid<R> {
  record: R;
  state: RecordState;
  canonical: DocData | undefined;
}

function overlay<R extends { id: string; last_modified_at: number; deleted_at?: number | null }>(
  table: "patients" | "cases",
  docs: PortDoc[],
  batches: BatchView[],
  discarded: ReadonlySet<string>,
  fromDoc: (d: PortDoc) => R,
  canonicalState: (id: string, data: DocData) => RecordState,
  rejected: RejectedItem[],
): Overlaid<R>[] {
  const canonical = new Map(docs.map((d) => [d.id, d]));
  const locals = latestLocal<R>(batches, table);
  const ids = new Set([...canonical.keys(), ...locals.keys()]);
  const out: Overlaid<R>[] = [];
  for (const id of ids) {
    const doc = canonical.get(id);
    const local = locals.get(id);
    if (local && !canonicalCaughtUp(local, doc?.data)) {
      const state = stateOfLocal(local);
      if (state.kind === "rejected") {
        if (!discarded.has(discardKey(state.batchId, table, id))) {
          rejected.push({
            table,
            id,
            batchId: state.batchId,
            reason: state.reason,
            record: local.record as never,
          });
          out.push({ record: local.record, state, canonical: doc?.data });
          continue;
        }
      } else if (state.kind === "stale") {
        // The server kept its newer version: show it, and say why the edit did not win.
        out.push({ record: doc ? fromDoc(doc) : local.record, state, canonical: doc?.data });
        continue;
      } else {
        out.push({ record: local.record, state, canonical: doc?.data });
        continue;
      }
    }
    if (doc)
      out.push({ record: fromDoc(doc), state: canonicalState(id, doc.data), canonical: doc.data });
  }
  return out.filter((o) => o.record.deleted_at == null);
}

const RISK_ORDER = { RED: 0, YELLOW: 1, GREEN: 2 } as const;

/** Derives the screens' records and states; RED cases first, then the newest. */
export function deriveView(input: ViewInput): RecordsView {
  const rejected: RejectedItem[] = [];
  const diagnosesByCase = new Map<string, DiagnosisView[]>();
  for (const d of input.diagnoses) {
    const v = { ...(d.data as unknown as DiagnosisView), id: d.id };
    if (d.data.deleted_at != null) continue;
    diagnosesByCase.set(v.case_id, [...(diagnosesByCase.get(v.case_id) ?? []), v]);
  }
  const patients = overlay<PatientRecord>(
    "patients",
    input.patients,
    input.batches,
    input.discarded,
    patientFromDoc,
    () => ({ kind: "applied" }),
    rejected,
  ).map(({ record, state }) => ({ record, state }));
  const cases = overlay<CaseRecord>(
    "cases",
    input.cases,
    input.batches,
    input.discarded,
    caseFromDoc,
    (id, data) => caseServerState(serverFields(data), diagnosesByCase.get(id) ?? []),
    rejected,
  ).map(({ record, state, canonical }) => ({
    record,
    state,
    server: serverFields(canonical),
    diagnoses: diagnosesByCase.get(record.id) ?? [],
  }));
  patients.sort((a, b) => a.record.demographics.name.localeCompare(b.record.demographics.name));
  cases.sort(
    (a, b) =>
      RISK_ORDER[a.record.risk_level] - RISK_ORDER[b.record.risk_level] ||
      b.record.last_modified_at - a.record.last_modified_at,
  );
  const unconfirmed = [...patients, ...cases].filter(
    (v) => v.state.kind === "pending" || v.state.kind === "uploaded",
  ).length;
  return { patients, cases, rejected, unconfirmed };
}

/** The device-side manifest of what it holds: live canonical documents with a server_seq. */
export function localManifest(
  input: Pick<ViewInput, "patients" | "cases" | "diagnoses">,
): Manifest {
  const entries: ManifestEntry[] = [];
  for (const [collection, docs] of [
    ["patients", input.patients],
    ["cases", input.cases],
    ["diagnoses", input.diagnoses],
  ] as const) {
    for (const d of docs) {
      const seq = d.data.server_seq;
      if (typeof seq !== "number" || d.data.deleted_at != null) continue;
      entries.push({ collection, id: d.id, serverSeq: seq });
    }
  }
  return manifestOf(entries);
}

/** Reads a `syncBatches` document into a BatchView. */
export function toBatchView(d: PortDoc): BatchView {
  const data = d.data as {
    changes?: SeedChanges;
    status?: "applied" | "rejected";
    results?: RecordResult[];
    error?: { code: string; message: string };
    clock_skew_ms?: number;
    processed_at?: number;
  };
  return {
    id: d.id,
    pending: d.hasPendingWrites,
    changes: data.changes ?? {},
    ...(data.status && { status: data.status }),
    ...(data.results && { results: data.results }),
    ...(data.error && { error: data.error }),
    ...(typeof data.clock_skew_ms === "number" && { clockSkewMs: data.clock_skew_ms }),
    ...(typeof data.processed_at === "number" && { processedAt: data.processed_at }),
  };
}
