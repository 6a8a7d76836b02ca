import {
  collection,
  disableNetwork,
  doc,
  enableNetwork,
  getDocFromServer,
  getDocsFromServer,
  onSnapshot,
  query,
  setDoc,
  where,
} from "firebase/firestore";
import type { Firestore } from "firebase/firestore";
import { createFirestorePort } from "./firestore-port";
import type { FirestorePort, FirestoreSdk } from "./firestore-port";

/**
 * The Firestore port over the Firebase JS SDK (browser build, Node tests on the emulators).
 * Named imports, not the module namespace, so the web bundle keeps only what the port uses.
 */
export function createWebFirestorePort(db: Firestore): FirestorePort {
  const sdk: FirestoreSdk = {
    collection,
    disableNetwork,
    doc,
    enableNetwork,
    getDocFromServer,
    getDocsFromServer,
    onSnapshot,
    query,
    setDoc,
    where,
  };
  return createFirestorePort(sdk, db);
}
