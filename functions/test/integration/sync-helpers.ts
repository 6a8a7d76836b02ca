// Helpers for the sync integration specs: real users in the Auth emulator, real ID tokens from
// its REST sign-in, real HTTP against the functions emulator. Every spec uses fresh uids, so
// specs do not depend on order or on each other's data.
import { randomUUID } from "node:crypto";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import type { Firestore } from "firebase-admin/firestore";
import { deleteApp, initializeApp } from "firebase/app";
import type { FirebaseApp } from "firebase/app";
import {
  connectAuthEmulator,
  getAuth as getWebAuth,
  signInWithEmailAndPassword,
} from "firebase/auth";
import {
  connectFirestoreEmulator,
  doc,
  getFirestore as getWebFirestore,
  setDoc,
  terminate,
} from "firebase/firestore";
import type { Firestore as WebFirestore } from "firebase/firestore";
import { emulatorAdminApp } from "../../../infra/src/seed";
import { API_BASE_URL, PORTS, PROJECT_ID } from "../../../infra/src/stack";

/** Admin Firestore on the emulator. */
export function adminDb(): Firestore {
  return getFirestore(emulatorAdminApp());
}

/** A signed-in test user. */
export interface TestUser {
  uid: string;
  email: string;
  password: string;
  token: string;
}

/** Creates a user with a role claim and signs it in through the Auth emulator's REST API. */
export async function createUser(
  role: "chw" | "doctor" | "admin",
  prefix: string = role,
): Promise<TestUser> {
  const uid = `${prefix}-${randomUUID().slice(0, 8)}`;
  const email = `${uid}@test.dermadetect.test`;
  const password = `pw-${uid}`;
  const auth = getAuth(emulatorAdminApp());
  await auth.createUser({ uid, email, password, emailVerified: true });
  await auth.setCustomUserClaims(uid, { role });
  return { uid, email, password, token: await signIn(email, password) };
}

/** Signs in with email and password on the Auth emulator; returns an ID token (alg none). */
export async function signIn(email: string, password: string): Promise<string> {
  const res = await fetch(
    `http://127.0.0.1:${PORTS.auth}/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=fake-api-key`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password, returnSecureToken: true }),
    },
  );
  const body = (await res.json()) as { idToken?: string };
  if (!body.idToken) throw new Error(`sign-in failed: ${res.status}`);
  return body.idToken;
}

/** A JSON answer from the API. */
export interface ApiAnswer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** Calls the API with a bearer token; `raw` sends the body bytes as given. */
export async function api<T = Record<string, unknown>>(
  method: "GET" | "POST",
  path: string,
  opts: { token?: string; body?: unknown; raw?: string; contentType?: string } = {},
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined) headers["content-type"] = opts.contentType ?? "application/json";
  const res = await fetch(`${API_BASE_URL}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = { unparsed: text };
  }
  return { status: res.status, body: parsed as T };
}

const SHA = (n: number) => n.toString(16).padStart(64, "0");

/** A valid seed-format patient. */
export function patient(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomUUID(),
    demographics: { name: "Test Patient", sex: "female", age_years: 30, village: "Testville" },
    last_modified_at: Date.now() - 60_000,
    ...over,
  };
}

/** A valid seed-format case for a patient. */
export function kase(
  patientId: string,
  over: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    id: randomUUID(),
    patient_id: patientId,
    triage_data: {
      body_site: "left forearm",
      duration_days: 10,
      symptoms: ["itch"],
      danger_signs: [],
    },
    risk_level: "GREEN",
    images: [{ sha256: SHA(1), content_type: "image/jpeg", bytes: 2048 }],
    last_modified_at: Date.now() - 60_000,
    ...over,
  };
}

/** A per-record result as the API answers it. */
export interface Result {
  table: string;
  id: string;
  outcome: string;
  reason?: string;
  server_seq?: number;
  ignored_fields?: string[];
}

/** The seed-format answer. */
export interface SeedAnswer {
  new_sync_timestamp: number;
  server_updates: Record<string, Record<string, unknown>[]>;
  results: Result[];
  clock_skew_ms?: number;
  manifest: { count: number; hash: string };
  has_more: boolean;
  replayed?: boolean;
  error?: { code: string; message: string };
}

/** POST /v1/sync with a seed body. */
export function seedSync(
  token: string,
  body: Record<string, unknown>,
): Promise<ApiAnswer<SeedAnswer>> {
  return api<SeedAnswer>("POST", "/v1/sync", {
    token,
    body: { last_sync_timestamp: null, ...body },
  });
}

/** Waits until `check` returns a value (polling), for trigger results. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A device: the firebase web SDK signed in against the Auth emulator as a CHW. */
export interface Device {
  app: FirebaseApp;
  db: WebFirestore;
}

/** Signs a device in as `user`. */
export async function device(user: TestUser): Promise<Device> {
  const app = initializeApp(
    { projectId: PROJECT_ID, apiKey: "fake-api-key" },
    `device-${randomUUID()}`,
  );
  const auth = getWebAuth(app);
  connectAuthEmulator(auth, `http://127.0.0.1:${PORTS.auth}`, { disableWarnings: true });
  const db = getWebFirestore(app);
  connectFirestoreEmulator(db, "127.0.0.1", PORTS.firestore);
  await signInWithEmailAndPassword(auth, user.email, user.password);
  return { app, db };
}

/** Stops a device's Firestore client and releases its app. */
export async function closeDevice(dev: Device): Promise<void> {
  await terminate(dev.db);
  await deleteApp(dev.app);
}

/** A fresh CHW and their signed-in device. */
export async function chwWithDevice(): Promise<{ chw: TestUser; dev: Device }> {
  const chw = await createUser("chw");
  return { chw, dev: await device(chw) };
}

/**
 * Writes `syncBatches/{batchId}` from the device, as the app's outbox does: for `chw`, from
 * "phone-1", with `extra` fields (`pending`, `auth_time`) after the changes. The rules decide.
 */
export function writeBatch(
  dev: Device,
  chw: TestUser,
  batchId: string,
  changes: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<void> {
  return setDoc(doc(dev.db, "syncBatches", batchId), {
    chw_id: chw.uid,
    device_id: "phone-1",
    changes,
    ...extra,
  });
}

/** A syncBatches document as the server leaves it. */
export interface BatchDoc {
  status?: string;
  results?: Result[];
  error?: { code: string };
  expire_at?: { toMillis(): number };
}

/**
 * Waits until applySync has written a status on the batch. A minute by default: on a loaded
 * machine the Firestore emulator delivers a trigger's event late (tens of seconds), not never.
 */
export function processed(batchId: string, ms = 60_000): Promise<BatchDoc> {
  return eventually(async () => {
    const d = (await adminDb().doc(`syncBatches/${batchId}`).get()).data() as BatchDoc | undefined;
    return d?.status ? d : undefined;
  }, ms);
}
