import { AppRegistry } from "react-native";
import type { RootTag } from "react-native";
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, indexedDBLocalPersistence, initializeAuth } from "firebase/auth";
import {
  connectFirestoreEmulator,
  initializeFirestore,
  persistentLocalCache,
  persistentMultipleTabManager,
} from "firebase/firestore";
import { rewriteUrl } from "@dermadetect/contract";
import { App } from "@/app/app";
import type { AppServices } from "@/app/services";
import { ApiClient } from "@/lib/api/api-client";
import { createWebAuthPort } from "@/lib/firebase/web-auth";
import { createWebFirestorePort } from "@/lib/firebase/web-firestore";
import { netInfoPort } from "@/lib/net/network-port";
import { idbKeyValueStore, migrateLocalStorage } from "@/lib/storage/web-storage";
import { browserStorage, idbPhotoStore } from "@/lib/storage/web-photo-store";
import { fetchPut } from "@/features/photos/upload-queue";
import type { AssessCase } from "@/features/cases/assessment";
import { DANGER_SIGN_CODES, SYMPTOM_CODES } from "@/features/triage/danger-signs";
import { installAuthNetworkGuard } from "./auth-network-guard";
import { serviceWorkerUpdates } from "./sw-updates";
import { webPhotoSource } from "./web-photo-source";

/*
 * Web entry: the same App over the Firebase JS SDK (Auth in IndexedDB, Firestore's persistent
 * cache), IndexedDB for the key-value store and photo Blobs, NetInfo's web build and a canvas
 * photo pipeline. Everything the first screen needs is in this chunk and the precache: the
 * config is bundled, and tfjs with the triage model loads only when a case is first assessed.
 * The demo build ships the stand-in model, so every result says "demo model — not for
 * clinical use".
 */

const config = __DD_WEB_CONFIG__;
document.documentElement.dataset.build = __DD_BUILD_ID__;

/** Triage with the stand-in model, loaded on first use (tfjs is ~1.5 MB of JavaScript). */
function lazyAssess(): AssessCase {
  let assess: Promise<AssessCase> | undefined;
  return async (answers, photos) => {
    assess ??= import("./triage-loader").then((m) => m.standInAssess());
    return (await assess)(answers, photos);
  };
}

async function main(): Promise<void> {
  const app = initializeApp({
    projectId: config.projectId,
    apiKey: config.apiKey,
    appId: "dermadetect-web",
  });
  let authStarted = false;
  installAuthNetworkGuard(() => authStarted);
  // No popupRedirectResolver: the app signs in with email and password only, and the resolver
  // loads an iframe script that blocks start-up offline (firebase-js-sdk #5720, #4946).
  const auth = initializeAuth(app, { persistence: indexedDBLocalPersistence });
  if (config.authEmulatorUrl)
    connectAuthEmulator(auth, config.authEmulatorUrl, { disableWarnings: true });
  const db = initializeFirestore(app, {
    localCache: persistentLocalCache({ tabManager: persistentMultipleTabManager() }),
  });
  if (config.firestoreEmulator) {
    connectFirestoreEmulator(db, config.firestoreEmulator.host, config.firestoreEmulator.port);
  }
  const kv = idbKeyValueStore();
  const photos = idbPhotoStore();
  // Older builds kept everything (photos as base64) in localStorage.
  await migrateLocalStorage(window.localStorage, kv, photos).catch(() => undefined);
  const authPort = createWebAuthPort(auth);
  authPort.onUserChanged(() => {
    authStarted = true;
  });
  const services: AppServices = {
    auth: authPort,
    firestore: createWebFirestorePort(db),
    kv,
    photos,
    storage: browserStorage(),
    updates: serviceWorkerUpdates(),
    network: netInfoPort(`${config.apiBaseUrl}/v1/health`),
    api: new ApiClient({ baseUrl: config.apiBaseUrl, idToken: () => authPort.idToken() }),
    put: fetchPut((url) => rewriteUrl(url, config.uploadRewrite)),
    photoSource: webPhotoSource(),
    assess: lazyAssess(),
    symptomCodes: SYMPTOM_CODES,
    dangerSignCodes: DANGER_SIGN_CODES,
    language: config.language ?? "en",
  };
  AppRegistry.registerComponent("DermaDetect", () => () => <App services={services} />);
  // react-native-web takes a DOM element where React Native's types say RootTag.
  const rootTag = document.getElementById("root") as unknown as RootTag;
  AppRegistry.runApplication("DermaDetect", { rootTag, initialProps: {} });
}

void main();
