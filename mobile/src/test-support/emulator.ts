import {
  deleteApp as deleteAdminApp,
  initializeApp as initializeAdminApp,
} from "firebase-admin/app";
import type { App as AdminApp } from "firebase-admin/app";
import { getAuth as getAdminAuth } from "firebase-admin/auth";
import { getFirestore as getAdminFirestore } from "firebase-admin/firestore";
import { deleteApp, initializeApp } from "firebase/app";
import type { FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import {
  connectFirestoreEmulator,
  initializeFirestore,
  memoryLocalCache,
  terminate,
} from "firebase/firestore";
import type { Firestore } from "firebase/firestore";
import { newId } from "@/lib/ids";

/** The local stack's project and ports (docs/design.md §3). */
export const PROJECT_ID = "demo-dermadetect";
export const FIRESTORE = { host: "127.0.0.1", port: 8080 };
export const AUTH_URL = "http://127.0.0.1:9099";
export const API_BASE_URL = `http://127.0.0.1:5001/${PROJECT_ID}/us-central1/api`;

let admin: AdminApp | undefined;

function adminApp(): AdminApp {
  process.env.FIREBASE_AUTH_EMULATOR_HOST ??= "127.0.0.1:9099";
  process.env.FIRESTORE_EMULATOR_HOST ??= "127.0.0.1:8080";
  return (admin ??= initializeAdminApp({ projectId: PROJECT_ID }, `mobile-test-admin-${newId()}`));
}

/** Admin Firestore (bypasses rules and the sync core: for setting up broken states). */
export function adminDb() {
  return getAdminFirestore(adminApp());
}

/** A fresh user with a role claim; unique per call, so tests never share data. */
export async function createUser(
  role: "chw" | "doctor",
): Promise<{ uid: string; email: string; password: string }> {
  const uid = `${role}-test-${newId().slice(0, 8)}`;
  const email = `${uid}@test.dermadetect.test`;
  const password = `pw-${newId()}`;
  const auth = getAdminAuth(adminApp());
  await auth.createUser({ uid, email, password, emailVerified: true });
  await auth.setCustomUserClaims(uid, { role });
  return { uid, email, password };
}

/** A signed-in Firebase JS SDK client (its own app, memory cache) on the emulators. */
export interface Client {
  app: FirebaseApp;
  db: Firestore;
  idToken(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** Signs a user in with the JS SDK, as the web build does. */
export async function signedInClient(email: string, password: string): Promise<Client> {
  const app = initializeApp(
    { projectId: PROJECT_ID, apiKey: "demo-key", appId: "demo" },
    `c-${newId()}`,
  );
  const auth = getAuth(app);
  connectAuthEmulator(auth, AUTH_URL, { disableWarnings: true });
  const db = initializeFirestore(app, { localCache: memoryLocalCache() });
  connectFirestoreEmulator(db, FIRESTORE.host, FIRESTORE.port);
  await signInWithEmailAndPassword(auth, email, password);
  return {
    app,
    db,
    idToken: async () => auth.currentUser?.getIdToken(),
    close: async () => {
      await terminate(db);
      await deleteApp(app);
    },
  };
}

/** Releases the admin app. */
export async function closeAdmin(): Promise<void> {
  if (admin) await deleteAdminApp(admin);
  admin = undefined;
}

/**
 * Resolves when `predicate(get())` holds, re-checking on every change; rejects after `ms`.
 * The default outlasts one listener reconnect at the SDK's maximum backoff (60 s): the Firestore
 * emulator now and then kills a Listen stream with a bogus RESOURCE_EXHAUSTED ("Received message
 * larger than max (145272969 vs 17825792)", firebase-tools#8654), after which the SDK waits its
 * maximum backoff before listening again. Production listeners recover the same way.
 */
export function until<T>(
  subscribe: (l: () => void) => () => void,
  get: () => T,
  predicate: (v: T) => boolean,
  what: string,
  ms = 90_000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let unsubscribe: () => void = () => undefined;
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      unsubscribe();
      reject(new Error(`timed out waiting for ${what}`));
    }, ms);
    const check = () => {
      if (done) return;
      const v = get();
      if (!predicate(v)) return;
      done = true;
      clearTimeout(timer);
      unsubscribe();
      resolve(v);
    };
    unsubscribe = subscribe(check);
    check();
  });
}
