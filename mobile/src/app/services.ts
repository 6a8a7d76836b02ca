import type { Language } from "@/lib/i18n/strings";
import type { AuthPort } from "@/lib/firebase/auth-port";
import type { FirestorePort } from "@/lib/firebase/firestore-port";
import type { KeyValueStore } from "@/lib/storage/key-value-store";
import type { DeviceStorage, PhotoStore } from "@/lib/storage/photo-store";
import type { NetworkPort } from "@/lib/net/network-port";
import type { ApiClient, UploadGrant } from "@/lib/api/api-client";
import type { PhotoSource } from "@/features/photos/photo";
import type { AssessCase } from "@/features/cases/assessment";
import type { AppUpdates } from "./app-updates";

/** Everything platform-specific the app needs; built once by the native or the web entry. */
export interface AppServices {
  auth: AuthPort;
  firestore: FirestorePort;
  kv: KeyValueStore;
  /** Photo bytes until the server has verified them (not the key-value store). */
  photos: PhotoStore;
  storage: DeviceStorage;
  /** Downloaded updates waiting for the CHW (web build only). */
  updates?: AppUpdates;
  network: NetworkPort;
  api: ApiClient;
  /** Sends photo bytes as an upload grant says. */
  put(grant: UploadGrant, body: Uint8Array, contentType: string): Promise<number>;
  photoSource: PhotoSource;
  assess: AssessCase;
  symptomCodes: readonly string[];
  dangerSignCodes: readonly string[];
  language: Language;
}
