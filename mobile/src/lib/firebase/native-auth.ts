import * as nativeSdk from "@react-native-firebase/auth";
import { createAuthPort } from "./auth-port";
import type { AuthPort } from "./auth-port";

/** The auth port over `@react-native-firebase/auth` (on device; not exercised here). */
export function createNativeAuthPort(): AuthPort {
  return createAuthPort(nativeSdk, nativeSdk.getAuth());
}
