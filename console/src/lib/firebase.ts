import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth } from "firebase/auth";
import type { Auth } from "firebase/auth";
import { connectFirestoreEmulator, initializeFirestore, memoryLocalCache } from "firebase/firestore";
import type { Firestore } from "firebase/firestore";
import type { ConsoleConfig } from "./config";

/** The Firebase clients the console uses. */
export interface FirebaseClients {
  auth: Auth;
  db: Firestore;
}

/**
 * One Firebase app per page. Memory cache on purpose: patient data must not outlive the tab on
 * a shared clinic computer (the CHW app persists; the console does not).
 */
export function createFirebaseClients(config: ConsoleConfig): FirebaseClients {
  const app = initializeApp({
    projectId: config.projectId,
    apiKey: config.apiKey,
    appId: "dermadetect-console",
  });
  const auth = getAuth(app);
  if (config.authEmulatorUrl)
    connectAuthEmulator(auth, config.authEmulatorUrl, { disableWarnings: true });
  const db = initializeFirestore(app, { localCache: memoryLocalCache() });
  if (config.firestoreEmulator)
    connectFirestoreEmulator(db, config.firestoreEmulator.host, config.firestoreEmulator.port);
  return { auth, db };
}
