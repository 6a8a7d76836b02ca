import { randomUUID } from "node:crypto";
import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";
import { deleteApp, initializeApp } from "firebase-admin/app";
import type { App } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { emulatorIdToken } from "../../infra/src/walk-support";

/*
 * What the console walk needs from the local stack, through its real interfaces: accounts in
 * the Auth emulator (Admin SDK, as `npm run users` makes them), and a CHW's records sent
 * through `POST /v1/sync` and the image upload route, exactly as a phone sends them.
 */

/** The local stack's project and ports. */
export const PROJECT_ID = "demo-dermadetect";
/** The `api` function on the functions emulator. */
export const API_BASE_URL = `http://127.0.0.1:5001/${PROJECT_ID}/us-central1/api`;

let admin: App | undefined;

function adminApp(): App {
  process.env.FIREBASE_AUTH_EMULATOR_HOST ??= "127.0.0.1:9099";
  process.env.FIRESTORE_EMULATOR_HOST ??= "127.0.0.1:8080";
  return (admin ??= initializeApp({ projectId: PROJECT_ID }, `console-walk-${randomUUID()}`));
}

/** Admin Firestore, to read what the server stored. */
export function adminDb() {
  return getFirestore(adminApp());
}

/** A test account. */
export interface TestUser {
  uid: string;
  email: string;
  password: string;
  name: string;
}

/** A fresh account with a role claim and its `users/{uid}` document. */
export async function createUser(
  role: "chw" | "doctor" | "admin",
  name: string,
): Promise<TestUser> {
  const uid = `${role}-walk-${randomUUID().slice(0, 8)}`;
  const email = `${uid}@test.dermadetect.test`;
  const password = `pw-${randomUUID()}`;
  const auth = getAuth(adminApp());
  await auth.createUser({ uid, email, password, displayName: name, emailVerified: true });
  await auth.setCustomUserClaims(uid, { role });
  await adminDb().doc(`users/${uid}`).set({ role, display_name: name, email, disabled: false });
  return { uid, email, password, name };
}

/** Releases the admin app. */
export async function closeAdmin(): Promise<void> {
  if (admin) await deleteApp(admin);
  admin = undefined;
}

/** An ID token for a user (Auth emulator REST, as the SDK gets one). */
export const idToken: (user: TestUser) => Promise<string> = emulatorIdToken;

/** Calls the API as a user; answers status and JSON body. */
export async function api(
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${API_BASE_URL}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A small RGB PNG: skin tone with a dark irregular patch, so the photo is visibly a lesion. */
export function lesionPng(width = 320, height = 240): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      const dx = (x - width / 2) / (width / 6);
      const dy = (y - height / 2) / (height / 5);
      const r = Math.hypot(dx, dy) * (1 + 0.2 * Math.sin(5 * Math.atan2(dy, dx)));
      const dark = r < 1;
      raw[row + 1 + x * 3] = dark ? 70 : 214;
      raw[row + 2 + x * 3] = dark ? 40 : 160;
      raw[row + 3 + x * 3] = dark ? 30 : 130;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk("IHDR", ihdr),
    pngChunk("IDAT", deflateSync(raw)),
    pngChunk("IEND", Buffer.alloc(0)),
  ]);
}

/** A RED case as a phone records it, with its patient. */
export function redCase(
  name: string,
  village: string,
  photo?: Buffer,
): { patient: Record<string, unknown>; case: Record<string, unknown> } {
  const now = Date.now();
  const patientId = randomUUID();
  return {
    patient: {
      id: patientId,
      demographics: {
        name,
        sex: "female",
        age_years: 42,
        village,
      },
      last_modified_at: now,
    },
    case: {
      id: randomUUID(),
      patient_id: patientId,
      risk_level: "RED",
      triage_data: {
        body_site: "left forearm",
        duration_days: 21,
        symptoms: ["itching"],
        danger_signs: ["bleeding"],
        lesion: { diameter_mm: 9, asymmetry: true, bleeding: true },
        on_device: {
          model_id: "triage-stand-in",
          model_version: "0.1.0",
          fixture: true,
          risk_level: "RED",
          rules_risk_level: "RED",
          rules_fired: ["bleeding"],
        },
      },
      images: photo
        ? [
            {
              sha256: createHash("sha256").update(photo).digest("hex"),
              content_type: "image/png",
              bytes: photo.length,
            },
          ]
        : [],
      last_modified_at: now,
    },
  };
}

/** Sends a CHW's records through `POST /v1/sync`; fails unless every record applied. */
export async function chwSync(
  token: string,
  changes: { patients?: unknown[]; cases?: unknown[] },
  lastSync: number | null = null,
): Promise<Record<string, unknown>> {
  const r = await api(token, "POST", "/v1/sync", {
    batch_id: randomUUID(),
    device_id: "walk-device",
    last_sync_timestamp: lastSync,
    changes,
  });
  if (r.status !== 200) throw new Error(`sync answered ${r.status}`);
  const results = (r.body.results ?? []) as { outcome: string; reason?: string }[];
  const refused = results.find((x) => x.outcome !== "applied");
  if (refused) throw new Error(`a record was not applied: ${refused.outcome} ${refused.reason}`);
  return r.body;
}

/** Uploads a case photo the way the app does: ask for an upload URL, then PUT the bytes. */
export async function uploadPhoto(token: string, caseId: string, photo: Buffer): Promise<void> {
  const r = await api(token, "POST", `/v1/cases/${caseId}/images`, {
    sha256: createHash("sha256").update(photo).digest("hex"),
    content_type: "image/png",
    bytes: photo.length,
  });
  if (r.status !== 200) throw new Error(`image request answered ${r.status}`);
  const put = await fetch(String(r.body.upload_url), {
    method: typeof r.body.method === "string" ? r.body.method : "PUT",
    headers: r.body.headers as Record<string, string>,
    body: new Uint8Array(photo),
  });
  if (!put.ok) throw new Error(`upload answered ${put.status}`);
}
