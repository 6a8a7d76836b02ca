import type { Firestore } from "firebase/firestore";
import { createFirestorePort } from "./firestore-port";
import type { FirestorePort } from "./firestore-port";
import * as sdk from "./web-firestore-sdk";

/**
 * The Firestore port over the Firebase JS SDK (browser build, Node tests on the emulators).
 * The SDK functions come from web-firestore-sdk.ts, which names them one by one, so the web
 * bundle keeps only what the port uses.
 */
export function createWebFirestorePort(db: Firestore): FirestorePort {
  return createFirestorePort(sdk, db);
}
