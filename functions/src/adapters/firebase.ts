import { getApps, initializeApp } from "firebase-admin/app";
import type { App } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import type { Firestore } from "firebase-admin/firestore";
import { countOperations, countingEnabled } from "./op-counter";

let app: App | undefined;
let firestore: Firestore | undefined;

/** The Admin SDK app, created on first use (lazy globals keep cold starts and unit tests cheap). */
export function adminApp(): App {
  return (app ??= getApps()[0] ?? initializeApp());
}

/** The default Firestore database. */
export function db(): Firestore {
  if (!firestore) {
    firestore = getFirestore(adminApp());
    // Optional fields are simply absent; never write `undefined` into a document.
    firestore.settings({ ignoreUndefinedProperties: true });
    // Benchmarks on the local stack count operations per call (docs/cost.md); off elsewhere.
    if (countingEnabled()) countOperations(firestore);
  }
  return firestore;
}
