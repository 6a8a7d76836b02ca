import * as nativeSdk from "@react-native-firebase/firestore";
import { createFirestorePort } from "./firestore-port";
import type { FirestorePort } from "./firestore-port";

/**
 * The Firestore port over `@react-native-firebase/firestore`: the native SDKs keep pending
 * writes and the cache on disk, so queued batches survive the app being killed (the JS SDK on
 * React Native silently falls back to memory). Metro bundles the whole module either way, so
 * the namespace is passed as is. Not exercised here: no device or simulator.
 */
export function createNativeFirestorePort(): FirestorePort {
  return createFirestorePort(nativeSdk, nativeSdk.getFirestore());
}
