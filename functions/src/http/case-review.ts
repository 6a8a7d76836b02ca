import type { DocumentData, Firestore, Transaction } from "firebase-admin/firestore";
import { CLAIM_TTL_MS, isInfoRequestBody, reviewFieldsOf, turnaround } from "@dermadetect/contract";
import type { InfoRequest, InfoRequestBody, ReviewClaim } from "@dermadetect/contract";
import { writeAudit } from "../adapters/audit";
import type { AuditEntry } from "../adapters/audit";
import { diagnosisView } from "../adapters/diagnosis-writer";
import { db } from "../adapters/firebase";
import { imageStore } from "../adapters/image-store";
import { ScopeWriter } from "../adapters/scope-writer";
import { toWire } from "../adapters/sync-store";
import { readCaseTimes } from "../adapters/turnaround-source";
import { DOWNLOAD_URL_TTL_MS, isVerifiedState, normalizeCaseImage } from "../domain/images";
import { AppError, ErrorCode } from "../errors";
import type { ImageRouteDeps } from "./case-images";
import { parseRecordId } from "./image-schemas";
import type { AuthContext, Route } from "./router";

/*
 * The clinician console's routes (docs/console-api.md): the review of one case (with photo URLs
 * and audit), claims, the doctor's request to the CHW, and the turnaround report. Every write
 * to a case goes through the case's ScopeWriter, so the CHW's pull carries it.
 */

/** What the console routes need: the same as the image routes (Firestore, the store, a clock). */
export type ReviewRouteDeps = ImageRouteDeps;

const defaults: ReviewRouteDeps = { db, store: imageStore, now: () => Date.now() };

const notFound = () => new AppError(ErrorCode.RESOURCE_NOT_FOUND, "No such case");

/**
 * Whether a doctor may open a case: while it needs a doctor or awaits diagnosis, once they
 * diagnosed it, or any case that went through review (so a doctor whose diagnosis lost a race
 * can read the one that stands and amend it). Admins read everything.
 */
export function mayReview(who: AuthContext, c: DocumentData): boolean {
  if (who.role === "admin") return true;
  if (who.role !== "doctor") return false;
  const doctors = Array.isArray(c.review_doctor_ids) ? (c.review_doctor_ids as unknown[]) : [];
  return (
    c.needs_doctor === true ||
    c.status === "PENDING_DIAGNOSIS" ||
    c.doctor_id === who.uid ||
    doctors.includes(who.uid) ||
    c.review_state != null
  );
}

async function readCase(
  get: (path: string) => Promise<DocumentData | undefined>,
  who: AuthContext,
  caseId: string,
): Promise<DocumentData> {
  const c = await get(`cases/${caseId}`);
  if (!c || c.deleted_at != null || !mayReview(who, c)) throw notFound();
  return c;
}

const txGet = (tx: Transaction, firestore: Firestore) => async (path: string) =>
  (await tx.get(firestore.doc(path))).data();

/** The display name of a doctor from `users/{uid}` (the uid when the account has none). */
async function doctorName(tx: Transaction, firestore: Firestore, uid: string): Promise<string> {
  const name: unknown = (await tx.get(firestore.doc(`users/${uid}`))).get("display_name");
  return typeof name === "string" && name.length > 0 ? name.slice(0, 200) : uid;
}

/** The claim if it is still live, else null. */
function liveClaim(c: DocumentData, now: number): ReviewClaim | null {
  const claim = c.review_claim as ReviewClaim | null | undefined;
  return claim && typeof claim.expires_at === "number" && claim.expires_at > now ? claim : null;
}

/** Diagnoses of some cases (stored ones: invalid console documents are left out), oldest first. */
async function diagnosesOf(
  firestore: Firestore,
  caseIds: string[],
): Promise<Map<string, Record<string, unknown>[]>> {
  const out = new Map<string, Record<string, unknown>[]>();
  for (let i = 0; i < caseIds.length; i += 30) {
    const snap = await firestore
      .collection("diagnoses")
      .where("case_id", "in", caseIds.slice(i, i + 30))
      .get();
    for (const d of snap.docs) {
      const data = d.data();
      if (data.server_seq == null || data.deleted_at != null) continue;
      const list = out.get(String(data.case_id)) ?? [];
      list.push(diagnosisView(data));
      out.set(String(data.case_id), list);
    }
  }
  for (const list of out.values()) {
    list.sort((a, b) => Number(a.created_at ?? 0) - Number(b.created_at ?? 0));
  }
  return out;
}

/** Earlier cases of the same patient (same CHW) shown with a review. */
const HISTORY_LIMIT = 20;

/** `GET /v1/cases/{id}/review`: everything a doctor needs to review one case. */
export function caseReviewRoute(deps: ReviewRouteDeps = defaults): Route {
  return {
    method: "GET",
    path: "/v1/cases/:id/review",
    roles: ["doctor", "admin"],
    async handle({ req, params, auth }) {
      const who = auth as AuthContext;
      const caseId = parseRecordId(params.id);
      const firestore = deps.db();
      const now = deps.now();
      const c = await readCase(async (p) => (await firestore.doc(p).get()).data(), who, caseId);
      const patientId = typeof c.patient_id === "string" ? c.patient_id : undefined;
      let patient: DocumentData | undefined;
      let earlier: DocumentData[] = [];
      if (patientId && !patientId.includes("/")) {
        const p = (await firestore.doc(`patients/${patientId}`).get()).data();
        // A case naming another CHW's patient is never joined to it.
        if (p && p.chw_id === c.chw_id && p.deleted_at == null) patient = p;
        const others = await firestore
          .collection("cases")
          .where("patient_id", "==", patientId)
          .where("chw_id", "==", c.chw_id)
          .limit(HISTORY_LIMIT + 1)
          .get();
        earlier = others.docs
          .map((d) => d.data())
          .filter((o) => o.id !== caseId && o.deleted_at == null)
          .slice(0, HISTORY_LIMIT);
      }
      const diagnoses = await diagnosesOf(firestore, [caseId, ...earlier.map((o) => String(o.id))]);
      const store = deps.store();
      const photos = await Promise.all(
        (Array.isArray(c.images) ? (c.images as unknown[]) : []).map(async (raw, index) => {
          const img = normalizeCaseImage(caseId, raw as never);
          if (!img) return undefined;
          const base = {
            index,
            sha256: img.sha256,
            content_type: img.content_type,
            state: img.state,
          };
          if (!isVerifiedState(img.state)) return { ...base, url: null, expires_at: null };
          const signed = await store.signDownload({
            key: img.image_key,
            now,
            ttlMs: DOWNLOAD_URL_TTL_MS,
          });
          return { ...base, url: signed.url, expires_at: signed.expiresAt };
        }),
      );
      const issued = photos.filter((p) => p?.url != null).length;
      // Audited before the answer leaves: ids only, never the patient's data.
      const batch = firestore.batch();
      const entry = (action: string) =>
        writeAudit(batch, firestore, caseAudit(who, req.requestId, action, caseId));
      entry("case.open");
      for (let i = 0; i < issued; i++) entry("photo.url_issued");
      await batch.commit();
      return {
        status: 200,
        body: {
          case: toWire(c),
          patient: patient ? toWire(patient) : null,
          photos: photos.filter((p) => p !== undefined),
          history: earlier.map((o) => ({
            case: toWire(o),
            diagnoses: diagnoses.get(String(o.id)) ?? [],
          })),
          diagnoses: diagnoses.get(caseId) ?? [],
          claim: liveClaim(c, now),
        },
      };
    },
  };
}

/** The audit entry of a console action on one case (ids only). */
function caseAudit(
  who: AuthContext,
  requestId: string,
  action: string,
  caseId: string,
): AuditEntry {
  return {
    actor: who.uid,
    role: who.role,
    action,
    resource: { collection: "cases", ids: [caseId] },
    outcome: "ok",
    request_id: requestId,
  };
}

/** What a console write to one case sees inside its transaction. */
interface CaseWrite<B> {
  tx: Transaction;
  firestore: Firestore;
  who: AuthContext;
  caseId: string;
  /** The case, already checked: the caller may review it. */
  c: DocumentData;
  body: B;
  now: number;
  /** Puts fields on the case through the CHW's ScopeWriter (after every read). */
  writeCase(fields: Record<string, unknown>): Promise<void>;
  /** Adds the action's audit entry to the transaction. */
  audit(action: string): void;
}

/**
 * A doctor's write to one case: the body checked before anything is read, then one transaction
 * that reads the case the doctor may review and runs `write`, whose result is the answer.
 */
function caseWriteRoute<B, T>(
  deps: ReviewRouteDeps,
  spec: { method: "POST" | "DELETE"; path: string; maxBodyBytes: number; parse(body: unknown): B },
  write: (w: CaseWrite<B>) => Promise<T>,
): Route {
  return {
    method: spec.method,
    path: spec.path,
    roles: ["doctor"],
    maxBodyBytes: spec.maxBodyBytes,
    async handle({ req, params, auth }) {
      const who = auth as AuthContext;
      const caseId = parseRecordId(params.id);
      const body = spec.parse(req.body);
      const firestore = deps.db();
      const result = await firestore.runTransaction(async (tx) => {
        const now = deps.now();
        const c = await readCase(txGet(tx, firestore), who, caseId);
        return write({
          tx,
          firestore,
          who,
          caseId,
          c,
          body,
          now,
          async writeCase(fields) {
            const scope = await ScopeWriter.open(tx, firestore, String(c.chw_id));
            scope.put("cases", caseId, fields, c);
            scope.commit();
          },
          audit: (action) =>
            writeAudit(tx, firestore, caseAudit(who, req.requestId, action, caseId)),
        });
      });
      return { status: 200, body: result };
    },
  };
}

/** Claim and release refuse a case another doctor holds a live claim on. */
function refuseOthersClaim(w: CaseWrite<unknown>): void {
  const held = liveClaim(w.c, w.now);
  if (held && held.doctor_id !== w.who.uid) {
    throw new AppError(ErrorCode.CLAIMED, `This case is being reviewed by ${held.doctor_name}`, {
      extra: { claim: held },
    });
  }
}

const noBody = (): undefined => undefined;

/** `POST /v1/cases/{id}/claim`: claims (or extends the caller's claim on) a case for 10 minutes. */
export function claimRoute(deps: ReviewRouteDeps = defaults): Route {
  const spec = { path: "/v1/cases/:id/claim", maxBodyBytes: 1024, parse: noBody };
  return caseWriteRoute(deps, { method: "POST", ...spec }, async (w) => {
    refuseOthersClaim(w);
    const next: ReviewClaim = {
      doctor_id: w.who.uid,
      doctor_name: await doctorName(w.tx, w.firestore, w.who.uid),
      expires_at: w.now + CLAIM_TTL_MS,
    };
    await w.writeCase({ review_claim: next });
    w.audit("case.claim");
    return next;
  });
}

/** `DELETE /v1/cases/{id}/claim`: releases the caller's own claim. */
export function releaseClaimRoute(deps: ReviewRouteDeps = defaults): Route {
  const spec = { path: "/v1/cases/:id/claim", maxBodyBytes: 1024, parse: noBody };
  return caseWriteRoute(deps, { method: "DELETE", ...spec }, async (w) => {
    refuseOthersClaim(w);
    const mine = (w.c.review_claim as ReviewClaim | null | undefined)?.doctor_id === w.who.uid;
    if (mine) {
      await w.writeCase({ review_claim: null });
      w.audit("case.release");
    }
    return { released: mine };
  });
}

function parseInfoRequest(body: unknown): InfoRequestBody {
  if (!isInfoRequestBody(body)) {
    throw new AppError(ErrorCode.BAD_REQUEST, "Invalid request to the CHW");
  }
  return body;
}

/**
 * `POST /v1/cases/{id}/requests`: the doctor asks the CHW for a photo or information. The case
 * leaves the queue (`waiting_for_chw`) until the CHW's next edit or verified photo answers it.
 * Idempotent on the request id.
 */
export function infoRequestRoute(deps: ReviewRouteDeps = defaults): Route {
  const spec = {
    method: "POST" as const,
    path: "/v1/cases/:id/requests",
    maxBodyBytes: 8 * 1024,
    parse: parseInfoRequest,
  };
  return caseWriteRoute(deps, spec, async ({ c, body, now, who, ...w }) => {
    const open = c.info_request as InfoRequest | null | undefined;
    if (open?.id === body.id) return open;
    if (c.status === "DIAGNOSED" || !reviewFieldsOf(c, now).needs_doctor) {
      throw new AppError(ErrorCode.CASE_NOT_IN_REVIEW, "This case does not need a doctor");
    }
    const request: InfoRequest = {
      id: body.id,
      kind: body.kind,
      message: body.message,
      requested_by: who.uid,
      requested_by_name: await doctorName(w.tx, w.firestore, who.uid),
      requested_at: now,
      answered_at: null,
    };
    await w.writeCase({
      info_request: request,
      review_claim: null,
      ...reviewFieldsOf({ ...c, info_request: request }, now),
    });
    w.audit("case.info_request");
    return request;
  });
}

const DAY_MS = 86_400_000;

/** `since` from `?days=N` (1..366, default 30) or `?since=YYYY-MM-DD`. */
export function turnaroundSince(query: Record<string, string | undefined>, now: number): number {
  if (query.since !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(query.since) || !Number.isFinite(Date.parse(query.since))) {
      throw new AppError(ErrorCode.BAD_QUERY, "since must be a date, YYYY-MM-DD");
    }
    return Date.parse(query.since);
  }
  const days = query.days === undefined ? 30 : Number(query.days);
  if (!Number.isInteger(days) || days < 1 || days > 366) {
    throw new AppError(ErrorCode.BAD_QUERY, "days must be an integer from 1 to 366");
  }
  return now - days * DAY_MS;
}

/**
 * `GET /v1/reports/turnaround` (doctors, admins): the same JSON as
 * `npm run report -- turnaround --json`, from the same reader and statistics.
 */
export function turnaroundRoute(deps: ReviewRouteDeps = defaults): Route {
  return {
    method: "GET",
    path: "/v1/reports/turnaround",
    roles: ["doctor", "admin"],
    async handle({ req }) {
      const since = turnaroundSince(req.query, deps.now());
      const rows = await readCaseTimes(deps.db(), since);
      return { status: 200, body: { since, groups: turnaround(rows) } };
    },
  };
}

/** The console routes, for the route table. */
export function caseReviewRoutes(): Route[] {
  return [
    caseReviewRoute(),
    claimRoute(),
    releaseClaimRoute(),
    infoRequestRoute(),
    turnaroundRoute(),
  ];
}
