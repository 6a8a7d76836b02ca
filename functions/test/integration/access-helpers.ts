// Helpers for the access-control specs: real accounts on the Auth emulator, real HTTP against
// the functions emulator, and the emulator suite's log stream, so log hygiene is checked on what
// the deployed code actually writes.
import { randomUUID } from "node:crypto";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import type { Firestore } from "firebase-admin/firestore";
import { emulatorAdminApp } from "../../../infra/src/seed";
import { API_BASE_URL, PORTS } from "../../../infra/src/stack";
import { signIn } from "./sync-helpers";

/** Admin Firestore on the emulator. */
export function adminDb(): Firestore {
  return getFirestore(emulatorAdminApp());
}

/** A signed-in account. */
export interface Account {
  uid: string;
  token: string;
  email: string;
  password: string;
}

/**
 * Creates an account on the Auth emulator (role claim optional), optionally with a
 * `users/{uid}` document, and signs it in. Fresh uids: specs never share accounts.
 */
export async function account(
  role: string | undefined,
  userDoc?: { role?: string; disabled?: boolean },
): Promise<Account> {
  const uid = `${role ?? "norole"}-${randomUUID().slice(0, 8)}`;
  const email = `${uid}@access.dermadetect.test`;
  const password = `pw-${randomUUID()}`;
  const auth = getAuth(emulatorAdminApp());
  await auth.createUser({ uid, email, password, emailVerified: true });
  if (role) await auth.setCustomUserClaims(uid, { role });
  if (userDoc) {
    await adminDb()
      .doc(`users/${uid}`)
      .set({ role: role ?? null, display_name: uid, email, disabled: false, ...userDoc });
  }
  return { uid, token: await signIn(email, password), email, password };
}

/** An API answer: status, parsed body and the raw text (for leak checks). */
export interface Answer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/** Calls the API. `requestId` goes in `x-request-id`, which the router logs. */
export async function call(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; requestId?: string; authorization?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.authorization !== undefined) headers.authorization = opts.authorization;
  else if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.requestId) headers["x-request-id"] = opts.requestId;
  let body: string | undefined;
  if (opts.body !== undefined && method !== "GET") {
    body = JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  const res = await fetch(`${API_BASE_URL}${path}`, { method, headers, body });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  return { status: res.status, body: parsed, text };
}

/** Everything the emulator suite logged while capturing, as raw JSON strings. */
export interface LogCapture {
  lines(): string[];
  stop(): void;
}

/**
 * Subscribes to the emulator suite's log stream (the logging emulator's WebSocket on port 4500,
 * which the Emulator UI reads): it carries every line the functions write, with history replayed
 * on connect. Resolves once connected.
 */
export function captureLogs(): Promise<LogCapture> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    const ws = new WebSocket(`ws://127.0.0.1:${PORTS.logging}`);
    ws.addEventListener("message", (ev: MessageEvent) => {
      lines.push(typeof ev.data === "string" ? ev.data : String(ev.data));
    });
    ws.addEventListener("open", () => resolve({ lines: () => lines, stop: () => ws.close() }));
    ws.addEventListener("error", () => reject(new Error("cannot reach the logging emulator")));
  });
}

/** Polls until `check` returns a value. */
export { eventually } from "./sync-helpers";
