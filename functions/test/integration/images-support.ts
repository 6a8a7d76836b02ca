// Helpers for the image and diagnosis emulator tests: real emulator tokens, the real API,
// cases written through the real ScopeWriter (as the sync core writes them).
import { randomUUID } from "node:crypto";
import { getAuth } from "firebase-admin/auth";
import { Timestamp, getFirestore } from "firebase-admin/firestore";
import type { Firestore } from "firebase-admin/firestore";
import sharp from "sharp";
import type { ImageUploadResponse } from "@dermadetect/contract";
import { emulatorAdminApp } from "../../../infra/src/seed";
import { API_BASE_URL, PORTS } from "../../../infra/src/stack";
import { ScopeWriter } from "../../src/adapters/scope-writer";
import { sha256Hex } from "../../src/domain/images";
import type { CaseImage } from "../../src/domain/images";

/** Firestore on the emulator (Admin SDK: rules do not apply). */
export function testDb(): Firestore {
  return getFirestore(emulatorAdminApp());
}

const tokens = new Map<string, string>();

/** A real Auth-emulator ID token for `uid` with the `role` claim. */
export async function idToken(uid: string, role: string): Promise<string> {
  const cached = tokens.get(`${uid}/${role}`);
  if (cached) return cached;
  const custom = await getAuth(emulatorAdminApp()).createCustomToken(uid, { role });
  const res = await fetch(
    `http://127.0.0.1:${PORTS.auth}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=demo-key`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: custom, returnSecureToken: true }),
    },
  );
  const body = (await res.json()) as { idToken?: string };
  if (!body.idToken) throw new Error(`no token for ${uid}`);
  tokens.set(`${uid}/${role}`, body.idToken);
  return body.idToken;
}

/** An API answer: the error shape, or the route's own fields. */
export type ApiBody = { error?: { code: string; message: string } } & Record<string, unknown>;

/** Calls the API on the functions emulator; `T` is the answer shape the test expects. */
export async function api<T = ApiBody>(
  method: "GET" | "POST" | "DELETE",
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${API_BASE_URL}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T };
}

/** A unique id per test run, so tests never see each other's records. */
export const uid = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A real JPEG (or PNG), different per seed, with its sha256. */
export async function photo(
  seed: number,
  format: "jpeg" | "png" = "jpeg",
  size = 64,
): Promise<{ bytes: Buffer; sha256: string; content_type: CaseImage["content_type"] }> {
  const img = sharp({
    create: {
      width: size,
      height: size,
      channels: 3,
      background: { r: seed % 256, g: (seed * 7) % 256, b: (seed * 13) % 256 },
    },
  });
  const bytes = await (format === "jpeg" ? img.jpeg() : img.png()).toBuffer();
  return { bytes, sha256: sha256Hex(bytes), content_type: `image/${format}` };
}

/** A photo as `photo` makes it. */
export type Photo = Awaited<ReturnType<typeof photo>>;

/**
 * Uploads a photo as the app does: asks for a grant, then PUTs the bytes with exactly the
 * grant's method and headers. Answers both statuses (the PUT's is 0 when there was no grant).
 */
export async function uploadPhoto(
  caseId: string,
  token: string,
  img: Photo,
): Promise<{ grant: number; put: number }> {
  const grant = await api<ImageUploadResponse>("POST", `/v1/cases/${caseId}/images`, token, {
    sha256: img.sha256,
    content_type: img.content_type,
    bytes: img.bytes.length,
  });
  if (grant.status !== 200) return { grant: grant.status, put: 0 };
  const put = await fetch(grant.body.upload_url, {
    method: grant.body.method,
    headers: grant.body.headers,
    body: new Uint8Array(img.bytes),
  });
  return { grant: grant.status, put: put.status };
}

/**
 * Every page of the doctor queue (`GET /v1/cases?status=PENDING_DIAGNOSIS`), `limit` cases a
 * page, following `next_cursor` (at most `maxPages`, so a cursor that never ends fails the test).
 */
export async function queuePages<P extends { next_cursor: string | null }>(
  token: string,
  limit: number,
  maxPages = 500,
): Promise<P[]> {
  const pages: P[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${cursor}` : "";
    const res = await api<P>("GET", `/v1/cases?status=PENDING_DIAGNOSIS&limit=${limit}${q}`, token);
    if (res.status !== 200) throw new Error(`the queue answered ${res.status}`);
    pages.push(res.body);
    cursor = res.body.next_cursor;
  } while (cursor && pages.length < maxPages);
  return pages;
}

/** Writes a patient and a case as the sync core would (through the ScopeWriter). */
export async function createCase(c: {
  id: string;
  chwId: string;
  risk: "RED" | "YELLOW" | "GREEN";
  status?: "TRIAGED" | "PENDING_DIAGNOSIS" | "DIAGNOSED";
  images?: Partial<CaseImage>[];
  createdAtMs?: number;
  deleted?: boolean;
}): Promise<void> {
  const db = testDb();
  const patientId = `p-${c.id}`;
  const now = Date.now();
  await db.runTransaction(async (tx) => {
    const scope = await ScopeWriter.open(tx, db, c.chwId);
    scope.put(
      "patients",
      patientId,
      {
        id: patientId,
        demographics: { name: "Test Patient", sex: "F", age_years: 40, village: "Testville" },
        last_modified_at: now,
        created_at: Timestamp.fromMillis(now),
      },
      undefined,
    );
    scope.put(
      "cases",
      c.id,
      {
        id: c.id,
        patient_id: patientId,
        triage_data: { body_site: "arm", duration_days: 3, symptoms: [], danger_signs: [] },
        risk_level: c.risk,
        status: c.status ?? "TRIAGED",
        images: c.images ?? [],
        content_version: 1,
        last_modified_at: now,
        deleted_at: c.deleted ? now : null,
        created_at: Timestamp.fromMillis(c.createdAtMs ?? now),
        timeline: { captured_at: now - 60_000, synced_at: now },
      },
      undefined,
    );
    scope.commit();
  });
}

/** Polls until `read` returns a value (triggers and the image store run asynchronously). */
export async function waitFor<T>(
  read: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The state of one image on a case, once it satisfies `done`. */
export function waitForImage(
  caseId: string,
  sha256: string,
  done: (img: Partial<CaseImage>) => boolean,
): Promise<Partial<CaseImage>> {
  return waitFor(
    async () => {
      const snap = await testDb().doc(`cases/${caseId}`).get();
      const img = (snap.get("images") as Partial<CaseImage>[] | undefined)?.find(
        (i) => i.sha256 === sha256,
      );
      return img && done(img) ? img : undefined;
    },
    `image ${sha256.slice(0, 8)} on ${caseId}`,
  );
}

/** The CHW pull's view: records of the scope with `server_seq` above the cursor. */
export async function pulledSince(
  collection: "cases" | "diagnoses",
  chwId: string,
  cursor: number,
): Promise<Array<Record<string, unknown>>> {
  const snap = await testDb()
    .collection(collection)
    .where("chw_id", "==", chwId)
    .where("server_seq", ">", cursor)
    .orderBy("server_seq")
    .get();
  return snap.docs.map((d) => ({ id: d.id, ...d.data() }));
}

/** The scope's current sequence number (the newest pull cursor). */
export async function scopeSeq(chwId: string): Promise<number> {
  const snap = await testDb().doc(`syncScopes/${chwId}`).get();
  return Number(snap.get("seq") ?? 0);
}

/**
 * Waits until every analysis job of the CHW has ended. The AI pipeline writes to the scope
 * asynchronously (claim, result), so a test asserting exact cursors waits for it first.
 */
export async function settleAnalyses(chwId: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      const jobs = await testDb().collection("analysisJobs").where("chw_id", "==", chwId).get();
      const open = jobs.docs.filter((d) => !["done", "failed"].includes(String(d.get("state"))));
      return open.length === 0 ? true : undefined;
    },
    `analysis jobs of ${chwId} to end`,
    timeoutMs,
  );
}
