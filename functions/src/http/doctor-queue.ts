import { FieldPath, Timestamp } from "firebase-admin/firestore";
import type { DocumentData, Firestore, QueryDocumentSnapshot } from "firebase-admin/firestore";
import { writeAudit } from "../adapters/audit";
import { db } from "../adapters/firebase";
import { imageStore } from "../adapters/image-store";
import { RISK_LEVELS } from "@dermadetect/contract";
import type { RiskLevel } from "@dermadetect/contract";
import type { CaseView } from "../domain/case-view";
import { DOWNLOAD_URL_TTL_MS, isVerifiedState, normalizeCaseImage } from "../domain/images";
import type { ImageStore } from "../domain/image-store";
import { AppError, ErrorCode } from "../errors";
import type { AuthContext, Route } from "./router";

/** Queue order: RED first, then YELLOW, then GREEN; oldest first within a level. */
const LEVELS: readonly RiskLevel[] = RISK_LEVELS; // the queue's order: RED first
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 50;

/** Where a page ended: risk level index, then the last case's `created_at` and id. */
interface QueueCursor {
  r: number;
  s: number;
  n: number;
  id: string;
}

const badQuery = (message: string) => new AppError(ErrorCode.BAD_QUERY, message);

/** Opaque to clients: base64url JSON. */
function encodeCursor(c: QueueCursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

function decodeCursor(raw: string): QueueCursor {
  try {
    if (raw.length > 512) throw new Error("too long");
    const c = JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as Partial<QueueCursor>;
    const ok =
      Number.isInteger(c.r) &&
      (c.r as number) >= 0 &&
      (c.r as number) < LEVELS.length &&
      Number.isInteger(c.s) &&
      Number.isInteger(c.n) &&
      (c.n as number) >= 0 &&
      (c.n as number) < 1e9 &&
      (c.s as number) >= -62135596800 &&
      (c.s as number) <= 253402300799 &&
      typeof c.id === "string" &&
      c.id.length <= 128;
    if (!ok) throw new Error("shape");
    return c as QueueCursor;
  } catch {
    throw badQuery("Invalid cursor");
  }
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_LIMIT;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) {
    throw badQuery(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  return n;
}

/** `created_at` as a Timestamp (the sync core stamps it with the server clock on create). */
function createdAt(doc: QueryDocumentSnapshot): Timestamp {
  const v: unknown = doc.get("created_at");
  return v instanceof Timestamp ? v : Timestamp.fromMillis(0);
}

/** One page of PENDING_DIAGNOSIS cases in queue order, and where the next page starts. */
async function readPage(
  firestore: Firestore,
  limit: number,
  cursor: QueueCursor | undefined,
): Promise<{ docs: QueryDocumentSnapshot[]; next: QueueCursor | null }> {
  const docs: QueryDocumentSnapshot[] = [];
  let level = cursor?.r ?? 0;
  // A cursor with an empty id points at the start of its level.
  let after: { ts: Timestamp; id: string } | undefined = cursor?.id
    ? { ts: new Timestamp(cursor.s, cursor.n), id: cursor.id }
    : undefined;
  while (level < LEVELS.length) {
    const want = limit - docs.length;
    let q = firestore
      .collection("cases")
      .where("status", "==", "PENDING_DIAGNOSIS")
      .where("risk_level", "==", LEVELS[level])
      .orderBy("created_at")
      .orderBy(FieldPath.documentId());
    if (after) q = q.startAfter(after.ts, after.id);
    const snap = await q.limit(want + 1).get();
    const taken = snap.docs.slice(0, want);
    docs.push(...taken);
    const last = taken[taken.length - 1];
    if (snap.docs.length > want && last) {
      const ts = createdAt(last);
      return { docs, next: { r: level, s: ts.seconds, n: ts.nanoseconds, id: last.id } };
    }
    level += 1;
    after = undefined;
    if (docs.length === limit) {
      // This level is exhausted and the page is full: the next page starts at the next level.
      return { docs, next: level < LEVELS.length ? { r: level, s: 0, n: 0, id: "" } : null };
    }
  }
  return { docs, next: null };
}

/** The queue entry a doctor sees: the case, its patient and short-lived photo URLs. */
async function toEntry(
  doc: QueryDocumentSnapshot,
  patient: DocumentData | undefined,
  store: ImageStore,
  now: number,
): Promise<Record<string, unknown>> {
  const c = doc.data() as CaseView;
  const images = await Promise.all(
    (c.images ?? []).map(async (raw) => {
      const img = normalizeCaseImage(doc.id, raw);
      if (!img) return undefined;
      const base = { sha256: img.sha256, content_type: img.content_type, bytes: img.bytes };
      if (!isVerifiedState(img.state)) return { ...base, state: img.state };
      const signed = await store.signDownload({
        key: img.image_key,
        now,
        ttlMs: DOWNLOAD_URL_TTL_MS,
      });
      return {
        ...base,
        state: img.state,
        download_url: signed.url,
        url_expires_at: signed.expiresAt,
      };
    }),
  );
  return {
    id: doc.id,
    chw_id: c.chw_id,
    patient_id: c.patient_id ?? null,
    patient: patient
      ? { id: c.patient_id, demographics: (patient.demographics as unknown) ?? null }
      : null,
    risk_level: c.risk_level,
    status: c.status,
    content_version: c.content_version ?? null,
    triage_data: c.triage_data ?? null,
    analysis: c.analysis ?? null,
    ai_analysis: c.ai_analysis ?? null,
    timeline: c.timeline ?? {},
    created_at: createdAt(doc).toMillis(),
    images: images.filter((i) => i !== undefined),
  };
}

/** What the doctor queue needs. */
export interface DoctorQueueDeps {
  db: () => Firestore;
  store: () => ImageStore;
  now: () => number;
}

/**
 * `GET /v1/cases?status=PENDING_DIAGNOSIS[&limit=n][&cursor=c]` (doctors, admins): the cases
 * awaiting diagnosis, RED first and oldest (`created_at`, first arrival on the server) first,
 * paged with an opaque cursor, with their patients and 5-minute signed photo URLs. Deleted
 * cases are skipped. Each page is recorded in the audit log (cases and patients read).
 */
export function doctorQueueRoute(
  deps: DoctorQueueDeps = { db, store: imageStore, now: () => Date.now() },
): Route {
  return {
    method: "GET",
    path: "/v1/cases",
    roles: ["doctor", "admin"],
    async handle({ req, auth }) {
      const who = auth as AuthContext;
      if (req.query.status !== "PENDING_DIAGNOSIS") {
        throw badQuery("status=PENDING_DIAGNOSIS is required");
      }
      const limit = parseLimit(req.query.limit);
      const cursor = req.query.cursor ? decodeCursor(req.query.cursor) : undefined;
      const firestore = deps.db();
      const page = await readPage(firestore, limit, cursor);
      const live = page.docs.filter((d) => d.get("deleted_at") == null);
      const patientIds = [
        ...new Set(live.map((d) => d.get("patient_id") as unknown).filter(isString)),
      ];
      const patients = new Map<string, DocumentData>();
      if (patientIds.length > 0) {
        const snaps = await firestore.getAll(
          ...patientIds.map((id) => firestore.doc(`patients/${id}`)),
        );
        for (const s of snaps) {
          const p = s.data();
          if (p && p.deleted_at == null) patients.set(s.id, p);
        }
      }
      // A patient is joined to a case only when both belong to the same CHW: a case that names
      // another CHW's patient (a client bug or a forged id) never shows that patient (issue 17).
      const joined = new Set<string>();
      const patientOf = (d: QueryDocumentSnapshot): DocumentData | undefined => {
        const id = String(d.get("patient_id"));
        const p = patients.get(id);
        const chw: unknown = d.get("chw_id");
        if (!p || typeof chw !== "string" || chw === "" || p.chw_id !== chw) return undefined;
        joined.add(id);
        return p;
      };
      const now = deps.now();
      const store = deps.store();
      const cases = await Promise.all(live.map((d) => toEntry(d, patientOf(d), store, now)));
      const batch = firestore.batch();
      for (const [collection, ids] of [
        ["cases", live.map((d) => d.id)],
        ["patients", [...joined]],
      ] as const) {
        writeAudit(batch, firestore, {
          actor: who.uid,
          role: who.role,
          action: `${collection}.list`,
          resource: { collection, ids: [...ids] },
          outcome: "ok",
          request_id: req.requestId,
        });
      }
      await batch.commit();
      return {
        status: 200,
        body: { cases, next_cursor: page.next ? encodeCursor(page.next) : null },
      };
    },
  };
}

function isString(v: unknown): v is string {
  return typeof v === "string" && v.length > 0 && v.length <= 128 && !v.includes("/");
}
