/**
 * Device build settings. Everything bundled is readable by anyone holding the APK, so only
 * public values go here (the API base URL); Firebase project settings come from the native
 * config files and credentials from sign-in, never from the bundle.
 */
export const NATIVE_CONFIG = {
  apiBaseUrl: "https://us-central1-dermadetect.cloudfunctions.net/api",
  language: "en",
} as const satisfies { apiBaseUrl: string; language: "en" | "sw" };
