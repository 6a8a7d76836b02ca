import { AppRegistry } from "react-native";
import type { RootTag } from "react-native";
import { initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth } from "firebase/auth";
import {
  connectFirestoreEmulator,
  initializeFirestore,
  persistentLocalCache,
  persistentSingleTabManager,
} from "firebase/firestore";
import * as tf from "@tensorflow/tfjs";
import { App } from "@/app/app";
import type { AppServices } from "@/app/services";
import { ApiClient } from "@/lib/api/api-client";
import { createWebAuthPort } from "@/lib/firebase/web-auth";
import { createWebFirestorePort } from "@/lib/firebase/web-firestore";
import { netInfoPort } from "@/lib/net/network-port";
import { localStorageStore } from "@/lib/storage/web-storage";
import { fetchPut } from "@/features/photos/upload-queue";
import { assessWithTriage } from "@/features/cases/assess-with-triage";
import { DANGER_SIGN_CODES, SYMPTOM_CODES, loadTriageModel } from "@/features/triage/api";
import type { TriageModel } from "@/features/triage/api";
import modelJsonUrl from "../assets/models/triage-stand-in/model.json?url";
import weightsUrl from "../assets/models/triage-stand-in/group1-shard1of1.bin?url";
import metaUrl from "../assets/models/triage-stand-in/triage-meta.json?url";
import { loadWebConfig } from "./web-config";
import { webPhotoSource } from "./web-photo-source";

/*
 * Web entry: the same App over the Firebase JS SDK (IndexedDB persistence in the browser),
 * localStorage, NetInfo's web build and a canvas photo pipeline. The demo build ships the
 * stand-in triage model, so every result says "demo model — not for clinical use".
 */

async function loadStandInModel(): Promise<TriageModel | null> {
  await tf.setBackend("cpu");
  const [modelJson, weights, meta] = await Promise.all([
    fetch(modelJsonUrl).then((r) => r.json() as Promise<tf.io.ModelJSON>),
    fetch(weightsUrl).then((r) => r.arrayBuffer()),
    fetch(metaUrl).then((r) => r.json() as Promise<unknown>),
  ]);
  const loaded = await loadTriageModel({ kind: "artifacts", modelJson, weights, meta });
  return loaded.kind === "ok" ? loaded.model : null;
}

async function main(): Promise<void> {
  const config = await loadWebConfig();
  const app = initializeApp({
    projectId: config.projectId,
    apiKey: config.apiKey,
    appId: "dermadetect-web",
  });
  const auth = getAuth(app);
  if (config.authEmulatorUrl)
    connectAuthEmulator(auth, config.authEmulatorUrl, { disableWarnings: true });
  const db = initializeFirestore(app, {
    localCache: persistentLocalCache({ tabManager: persistentSingleTabManager(undefined) }),
  });
  if (config.firestoreEmulator) {
    connectFirestoreEmulator(db, config.firestoreEmulator.host, config.firestoreEmulator.port);
  }
  const authPort = createWebAuthPort(auth);
  const rewrite = config.uploadRewrite;
  const services: AppServices = {
    auth: authPort,
    firestore: createWebFirestorePort(db),
    kv: localStorageStore(),
    network: netInfoPort(`${config.apiBaseUrl}/v1/health`),
    api: new ApiClient({ baseUrl: config.apiBaseUrl, idToken: () => authPort.idToken() }),
    put: fetchPut((url) =>
      rewrite && url.startsWith(rewrite.from) ? rewrite.to + url.slice(rewrite.from.length) : url,
    ),
    photoSource: webPhotoSource(),
    assess: assessWithTriage(loadStandInModel().catch(() => null)),
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
