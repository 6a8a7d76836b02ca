import { AppRegistry } from "react-native";
import { App } from "./app";
import type { AppServices } from "./services";
import { ApiClient } from "@/lib/api/api-client";
import { createNativeAuthPort } from "@/lib/firebase/native-auth";
import { createNativeFirestorePort } from "@/lib/firebase/native-firestore";
import { netInfoPort } from "@/lib/net/network-port";
import { nativePhotoSource } from "@/lib/photos/native-photo-source";
import { asyncStorageStore } from "@/lib/storage/native-storage";
import { deviceStorage, filePhotoStore } from "@/lib/storage/native-photo-store";
import { fetchPut } from "@/features/photos/upload-queue";
import { assessWithTriage } from "@/features/cases/assess-with-triage";
import { DANGER_SIGN_CODES, SYMPTOM_CODES } from "@/features/triage/api";
import { NATIVE_CONFIG } from "./native-config";

/*
 * Native entry (Metro, index.js). Firebase is configured by the native projects
 * (google-services.json / GoogleService-Info.plist), and @react-native-firebase keeps Firestore's
 * cache and pending writes on disk. Integration point: no triage model is bundled for the device
 * build yet (loading one needs the model files in the app bundle and an IOHandler such as
 * tfjs-react-native's bundleResourceIO), so the phone triages with the danger-sign rules alone.
 */
const auth = createNativeAuthPort();
const services: AppServices = {
  auth,
  firestore: createNativeFirestorePort(),
  kv: asyncStorageStore(),
  photos: filePhotoStore(),
  storage: deviceStorage(),
  network: netInfoPort(`${NATIVE_CONFIG.apiBaseUrl}/v1/health`),
  api: new ApiClient({ baseUrl: NATIVE_CONFIG.apiBaseUrl, idToken: () => auth.idToken() }),
  put: fetchPut(),
  photoSource: nativePhotoSource(),
  assess: assessWithTriage(Promise.resolve(null)),
  symptomCodes: SYMPTOM_CODES,
  dangerSignCodes: DANGER_SIGN_CODES,
  language: NATIVE_CONFIG.language,
};

AppRegistry.registerComponent("DermaDetect", () => () => <App services={services} />);
