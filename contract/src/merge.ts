import { LIMITS } from "./limits";
import { IMAGE_TYPES, REASONS } from "./records";
import type {
  CaseRecord,
  ImageContentType,
  ImageRef,
  Outcome,
  PatientRecord,
  PushTable,
  Reason,
  StoredImage,
} from "./records";

/*
 * Pure merge rules shared by the server and the app (docs/sync-protocol.md §Conflicts).
 * Versions of one record are totally ordered by (deleted, last_modified_at, canonical content):
 * the merged state is the maximum, so applying any set of changes in any order, any number of
 * times, converges to the same state (max is commutative, associative and idempotent).
 * A tombstone outranks every live version: deletes win and are never resurrected.
 */

/** A client record of either pushable table. */
export type ClientRecord = PatientRecord | CaseRecord;

/**
 * Converts a wire timestamp to epoch ms: values below 1e11 are seconds (seed clients).
 * Returns undefined for unusable values (negative, not finite, before 2015).
 */
export function toMillis(value: number): number | undefined {
  if (!Number.isFinite(value) || value < 0) return undefined;
  const ms = Math.round(value < LIMITS.secondsThreshold ? value * 1000 : value);
  return ms < LIMITS.minTimestampMs ? undefined : ms;
}

/**
 * The clock-skew clamp: a time more than 5 minutes ahead of the server is replaced by the
 * server's time; `skewMs` says by how much the device was ahead (0 when not clamped).
 */
export function clampToServer(ms: number, nowMs: number): { ms: number; skewMs: number } {
  if (ms - nowMs > LIMITS.maxClockSkewMs) return { ms: nowMs, skewMs: ms - nowMs };
  return { ms, skewMs: 0 };
}

/**
 * Normalises a validated record's timestamps: seconds → ms, then the skew clamp. Returns the
 * record with ms timestamps and the largest skew seen, or INVALID_TIMESTAMP.
 */
export function normalizeTimestamps<T extends ClientRecord>(
  record: T,
  nowMs: number,
): { ok: true; record: T; skewMs: number } | { ok: false; reason: Reason } {
  const lmt = toMillis(record.last_modified_at);
  if (lmt === undefined) return { ok: false, reason: REASONS.INVALID_TIMESTAMP };
  const clampedLmt = clampToServer(lmt, nowMs);
  let skewMs = clampedLmt.skewMs;
  const out: T = { ...record, last_modified_at: clampedLmt.ms };
  if (record.deleted_at != null) {
    const del = toMillis(record.deleted_at);
    if (del === undefined) return { ok: false, reason: REASONS.INVALID_TIMESTAMP };
    const clampedDel = clampToServer(del, nowMs);
    skewMs = Math.max(skewMs, clampedDel.skewMs);
    out.deleted_at = clampedDel.ms;
  } else {
    delete out.deleted_at;
  }
  return { ok: true, record: out, skewMs };
}

/** JSON with object keys sorted at every level: equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
}

/** Projects a stored image list onto the fields a device sends. */
export function imageRefs(images: readonly ImageRef[] | undefined): ImageRef[] {
  return (images ?? []).map((i) => ({
    sha256: i.sha256,
    content_type: i.content_type,
    bytes: i.bytes,
  }));
}

/** The CHW-owned content of a record (what last-write-wins decides between). */
export function chwContent(table: PushTable, r: Partial<CaseRecord & PatientRecord>): unknown {
  if (table === "patients") return { demographics: r.demographics };
  return {
    patient_id: r.patient_id,
    triage_data: r.triage_data,
    risk_level: r.risk_level,
    images: imageRefs(r.images),
  };
}

/** The CHW version of a record: what the total order compares. */
export interface ChwVersion {
  last_modified_at: number;
  deleted_at?: number | null;
  content: string;
}

/** The CHW version of a record (stored or incoming). */
export function versionOf(
  table: PushTable,
  r: Partial<CaseRecord & PatientRecord> & { last_modified_at: number },
): ChwVersion {
  return {
    last_modified_at: r.last_modified_at,
    deleted_at: r.deleted_at ?? null,
    content: canonicalJson(chwContent(table, r)),
  };
}

/** Orders two versions: negative when `a` loses to `b`, 0 when they are the same version. */
export function compareVersions(a: ChwVersion, b: ChwVersion): number {
  const aDel = a.deleted_at != null ? 1 : 0;
  const bDel = b.deleted_at != null ? 1 : 0;
  if (aDel !== bDel) return aDel - bDel;
  if (a.last_modified_at !== b.last_modified_at) return a.last_modified_at - b.last_modified_at;
  const ad = a.deleted_at ?? 0;
  const bd = b.deleted_at ?? 0;
  if (ad !== bd) return ad - bd;
  if (a.content === b.content) return 0;
  // Deterministic tie-break on equal timestamps: the larger canonical content wins everywhere.
  return a.content < b.content ? -1 : 1;
}

/** What the merge decided for one incoming version against the stored one. */
export interface Resolution {
  /** "remote" writes the incoming version; "local" keeps what is stored. */
  winner: "remote" | "local";
  outcome: Outcome;
  reason?: Reason;
}

/**
 * Last-write-wins on CHW fields with deterministic ties and delete-wins. `local` is the stored
 * version (undefined when absent), `remote` the incoming one.
 */
export function resolveConflict(local: ChwVersion | undefined, remote: ChwVersion): Resolution {
  if (!local) return { winner: "remote", outcome: "applied" };
  const order = compareVersions(remote, local);
  if (order > 0) return { winner: "remote", outcome: "applied" };
  if (order === 0) return { winner: "local", outcome: "duplicate", reason: REASONS.SAME_VERSION };
  if (local.deleted_at != null && remote.deleted_at == null) {
    return { winner: "local", outcome: "stale", reason: REASONS.DELETED };
  }
  if (remote.last_modified_at < local.last_modified_at) {
    return { winner: "local", outcome: "stale", reason: REASONS.OLDER_THAN_STORED };
  }
  return { winner: "local", outcome: "stale", reason: REASONS.TIE_LOST };
}

/** The object key of an image: `cases/{case_id}/{sha256}.{ext}` (docs/design.md §7). */
export function imageKeyFor(caseId: string, sha256: string, contentType: ImageContentType): string {
  return `cases/${caseId}/${sha256}.${IMAGE_TYPES[contentType]}`;
}

/**
 * Merges a device's image list into the stored one by sha256: the device's list decides which
 * images exist and in what order, the server's state per image is kept; new images are queued.
 */
export function mergeImages(
  caseId: string,
  incoming: readonly ImageRef[],
  stored: readonly StoredImage[] | undefined,
): StoredImage[] {
  const have = new Map((stored ?? []).map((i) => [i.sha256, i]));
  const seen = new Set<string>();
  const out: StoredImage[] = [];
  for (const img of incoming) {
    if (seen.has(img.sha256)) continue; // the same photo listed twice is one image
    seen.add(img.sha256);
    const prev = have.get(img.sha256);
    if (prev) {
      out.push({ ...prev, content_type: img.content_type, bytes: img.bytes });
    } else {
      out.push({
        ...img,
        state: "queued",
        image_key: imageKeyFor(caseId, img.sha256, img.content_type),
      });
    }
  }
  return out;
}

/** True when the case content a model analyses (triage, risk, image list) differs. */
export function caseContentChanged(
  before: Partial<CaseRecord> | undefined,
  after: Partial<CaseRecord>,
): boolean {
  if (!before) return true;
  const pick = (c: Partial<CaseRecord>) =>
    canonicalJson({
      triage_data: c.triage_data,
      risk_level: c.risk_level,
      images: imageRefs(c.images).map((i) => i.sha256),
    });
  return pick(before) !== pick(after);
}

/**
 * Applies one incoming CHW version to the stored one: the pure core of every route. The state
 * after is the winner of `resolveConflict`; the server adds its own fields around it.
 */
export function mergeRecord<T extends ClientRecord>(
  table: PushTable,
  stored: T | undefined,
  incoming: T,
): { state: T; resolution: Resolution } {
  const resolution = resolveConflict(
    stored ? versionOf(table, stored) : undefined,
    versionOf(table, incoming),
  );
  return { state: resolution.winner === "remote" || !stored ? incoming : stored, resolution };
}
