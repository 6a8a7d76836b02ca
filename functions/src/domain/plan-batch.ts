import {
  REASONS,
  caseContentChanged,
  imageRefs,
  keyOrderOf,
  mergeImages,
  resolveConflict,
  versionOf,
} from "@dermadetect/contract";
import type {
  CaseRecord,
  Checked,
  ClientRecord,
  PatientRecord,
  PushTable,
  RecordResult,
  RiskLevel,
  StoredImage,
} from "@dermadetect/contract";

/*
 * The pure half of applySyncBatch (planner apart from the effects). Given the
 * checked records of one chunk and the documents read in its transaction, it decides each
 * record's outcome and the exact fields to write. It never sees an SDK type: server timestamps
 * and sequence numbers are added by the adapter that executes the plan.
 */

/** One record of a batch as the planner receives it. */
export interface BatchItem {
  table: string;
  /** The id reported in the result (`#<index>` when the record carried none). */
  resultId: string;
  /** A checked upsert (seed or WatermelonDB created/updated), or a WatermelonDB delete by id. */
  change: Checked | { ok: true; table: PushTable; deleteId: string };
  /**
   * The device says the record is new (WatermelonDB `created`, the seed format's
   * `sync_status: "new"`, which the record check drops from the stored fields). A hint only: the
   * record is written with a must-not-exist precondition instead of being read first, and the
   * chunk re-runs reading everything when that fails.
   */
  claimsNew?: boolean;
}

/** A stored document as read in the transaction (only the fields the planner uses are typed). */
export type StoredDoc = Record<string, unknown> & {
  chw_id?: string;
  last_modified_at?: number;
  deleted_at?: number | null;
  content_version?: number;
  risk_level?: RiskLevel;
  images?: StoredImage[];
};

/** A write the adapter performs through the ScopeWriter. */
export interface PlannedWrite {
  table: PushTable;
  id: string;
  /** Fields to set (merged into the document). Maps in `replaceMaps` replace the stored ones. */
  data: Record<string, unknown>;
  /** Top-level map fields whose removed keys must be deleted (CHW maps are replaced whole). */
  replaceMaps: string[];
  /** True when the document did not exist: the adapter stamps created_at/created_seq. */
  create: boolean;
  /** For RED cases that need analysis: the content version to analyse. */
  analyseVersion?: number;
  /**
   * A stale push re-stamps the stored record's server_seq without changing it, so the device
   * that sent the older version pulls the winning one next time (no silent divergence).
   */
  touch?: boolean;
}

/** The plan of one chunk. */
export interface BatchPlan {
  results: RecordResult[];
  writes: PlannedWrite[];
  /** Largest clock skew seen among the chunk's records (ms; 0 when none was clamped). */
  skewMs: number;
}

/** Everything the planner needs, all plain data. */
export interface PlanInput {
  chwId: string;
  nowMs: number;
  items: readonly BatchItem[];
  /** Stored documents by `table/id` (absent when the document does not exist). */
  have: ReadonlyMap<string, StoredDoc>;
}

/**
 * Ids of the documents a chunk must read: its records and the patients its cases point at. With
 * `trustNew`, records the device claims are new are left out (so is a case's patient that is
 * itself claimed new in the chunk): they are written with a create precondition, which fails
 * the commit if one exists after all, and the caller then reads everything (`trustNew` off).
 */
export function docsToRead(
  items: readonly BatchItem[],
  opts: { trustNew?: boolean } = {},
): string[] {
  const claimed = new Set<string>();
  if (opts.trustNew) {
    for (const { change, claimsNew } of items) {
      if (claimsNew && change.ok && !("deleteId" in change)) {
        claimed.add(`${change.table}/${change.record.id}`);
      }
    }
  }
  const paths = new Set<string>();
  const need = (path: string) => {
    if (!claimed.has(path)) paths.add(path);
  };
  for (const { change } of items) {
    if (!change.ok) continue;
    if ("deleteId" in change) {
      need(`${change.table}/${change.deleteId}`);
      continue;
    }
    need(`${change.table}/${change.record.id}`);
    if (change.table === "cases") need(`patients/${(change.record as CaseRecord).patient_id}`);
  }
  return [...paths];
}

function storedVersion(table: PushTable, doc: StoredDoc) {
  return versionOf(table, { ...doc, last_modified_at: Number(doc.last_modified_at ?? 0) });
}

/** Fields of the CHW version to write for an applied record. */
function chwFields(table: PushTable, r: ClientRecord): Record<string, unknown> {
  const base = {
    id: r.id,
    last_modified_at: r.last_modified_at,
    deleted_at: r.deleted_at ?? null,
    // The order of a newer app's keys, which Firestore maps do not keep (null: nothing to keep).
    key_order: keyOrderOf(table, r as unknown as Record<string, unknown>) ?? null,
  };
  if (table === "patients") return { ...base, demographics: (r as PatientRecord).demographics };
  const c = r as CaseRecord;
  return {
    ...base,
    patient_id: c.patient_id,
    triage_data: c.triage_data,
    risk_level: c.risk_level,
  };
}

/**
 * Plans one chunk: object-level ownership, last-write-wins with delete-wins, the case's
 * server-owned fields (status on create, content_version, merged images, timeline) and which
 * RED cases need an analysis job. Later records of the chunk see the effect of earlier ones.
 */
export function planBatch(input: PlanInput): BatchPlan {
  const { chwId, nowMs } = input;
  const current = new Map(input.have);
  const writes = new Map<string, PlannedWrite>();
  const results: RecordResult[] = [];
  let skewMs = 0;

  for (const item of input.items) {
    const { change } = item;
    // Fields the server did not store are named on whatever outcome the record gets.
    const ignored = "ignored" in change && change.ignored?.length ? change.ignored : undefined;
    const result = (r: Omit<RecordResult, "table" | "id">): void => {
      results.push({
        table: item.table,
        id: item.resultId,
        ...r,
        ...(ignored && { ignored_fields: ignored }),
      });
    };
    if (!change.ok) {
      result({ outcome: "rejected", reason: change.reason });
      continue;
    }
    const table = change.table;
    const id = "deleteId" in change ? change.deleteId : change.record.id;
    const key = `${table}/${id}`;
    const before = current.get(key);
    if (before && before.chw_id !== chwId) {
      result({ outcome: "rejected", reason: REASONS.NOT_OWNER });
      continue;
    }

    let incoming: ClientRecord;
    if ("deleteId" in change) {
      // WatermelonDB deletes carry only an id: a tombstone at server time over what is stored.
      if (!before) {
        result({ outcome: "duplicate", reason: REASONS.DELETE_OF_MISSING });
        continue;
      }
      incoming = {
        ...(before as unknown as ClientRecord),
        last_modified_at: nowMs,
        deleted_at: before.deleted_at ?? nowMs,
      };
    } else {
      incoming = change.record;
      skewMs = Math.max(skewMs, change.skewMs);
      if (table === "cases") {
        const owner = current.get(`patients/${(incoming as CaseRecord).patient_id}`)?.chw_id;
        if (owner !== undefined && owner !== chwId) {
          result({ outcome: "rejected", reason: REASONS.PATIENT_NOT_OWNED });
          continue;
        }
      }
    }

    const resolution = resolveConflict(
      before ? storedVersion(table, before) : undefined,
      versionOf(table, incoming),
    );
    if (resolution.winner === "local") {
      result({
        outcome: resolution.outcome,
        ...(resolution.reason && { reason: resolution.reason }),
      });
      if (resolution.outcome === "stale" && before && !writes.has(key)) {
        writes.set(key, { table, id, data: {}, replaceMaps: [], create: false, touch: true });
      }
      continue;
    }
    const clamped = "deleteId" in change ? 0 : change.skewMs;
    result({ outcome: "applied", ...(clamped > 0 && { reason: REASONS.CLOCK_SKEW_CLAMPED }) });

    const data = chwFields(table, incoming);
    const write: PlannedWrite = {
      table,
      id,
      data,
      replaceMaps: table === "patients" ? ["demographics"] : ["triage_data"],
      create: !input.have.has(key),
    };
    if (table === "cases") planCase(write, incoming as CaseRecord, before, nowMs);
    // The same record twice in one chunk: one write carrying both (the later wins field by
    // field, create-only fields of the first stay).
    const prev = writes.get(key);
    if (prev && !prev.touch) {
      const timeline = { ...(prev.data.timeline as object), ...(write.data.timeline as object) };
      write.data = { ...prev.data, ...write.data, ...(table === "cases" && { timeline }) };
      write.analyseVersion ??= prev.analyseVersion;
    }
    writes.set(key, write);
    current.set(key, { ...before, ...data, chw_id: chwId });
  }
  return { results, writes: [...writes.values()], skewMs };
}

/** Case-only fields: status on create, content version, merged images, timeline, analysis. */
function planCase(
  write: PlannedWrite,
  c: CaseRecord,
  before: StoredDoc | undefined,
  nowMs: number,
): void {
  // No `images` (a client without photos, or none yet) keeps the stored list as it is.
  const listed = c.images ?? imageRefs(before?.images);
  const images = mergeImages(c.id, listed, before?.images);
  const changed = caseContentChanged(before, { ...c, images: listed });
  const version = before ? Number(before.content_version ?? 0) + (changed ? 1 : 0) : 1;
  Object.assign(write.data, { images, content_version: version });
  if (!before) {
    write.data.status = "TRIAGED";
    write.data.timeline = { captured_at: c.last_modified_at, synced_at: nowMs };
  } else {
    // synced_at stays the first arrival (the turnaround report measures from it); later edits
    // move only last_synced_at.
    write.data.timeline = { last_synced_at: nowMs };
  }
  const live = c.deleted_at == null;
  const becameRed = c.risk_level === "RED" && before?.risk_level !== "RED";
  if (live && c.risk_level === "RED" && (becameRed || changed)) write.analyseVersion = version;
}

/**
 * Bytes one item may add to its transaction, estimated from above: the stored record (its JSON
 * twice over, for server fields and the protobuf framing of every key), plus its analysis job,
 * its result in the receipt and its id in the audit entry. A rejected item adds only its result.
 */
export function itemBytes(item: BatchItem): number {
  const c = item.change;
  if (!c.ok) return 256;
  if ("deleteId" in c) return 1024;
  return 2 * JSON.stringify(c.record).length + 1024;
}

/** Bytes every chunk writes besides its records: scope, receipt and audit documents. */
export const CHUNK_OVERHEAD_BYTES = 64 * 1024;

/**
 * Splits a batch into chunks whose estimated writes fit one transaction, in batch order.
 * Deterministic: the same batch always splits the same way, so chunk receipts line up on replay.
 */
export function chunkItems(items: readonly BatchItem[], maxBytes: number): BatchItem[][] {
  const budget = maxBytes - CHUNK_OVERHEAD_BYTES;
  const chunks: BatchItem[][] = [[]];
  let used = 0;
  for (const item of items) {
    const cost = itemBytes(item);
    const current = chunks[chunks.length - 1]!;
    if (used + cost > budget && current.length > 0) {
      chunks.push([item]);
      used = cost;
    } else {
      current.push(item);
      used += cost;
    }
  }
  return chunks;
}
