import { getApps, initializeApp } from "firebase-admin/app";
import type { App } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import type { Firestore } from "firebase-admin/firestore";

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
  }
  return firestore;
}
