import release from "./native-release.json";

/**
 * Device build settings. Everything bundled is readable by anyone holding the APK, so only
 * public values go here (the API base URL); Firebase project settings come from the native
 * config files and credentials from sign-in, never from the bundle.
 *
 * The API URL is the api's front door (its HTTPS load balancer), the only address that answers
 * once the api's ingress is limited to it. A release writes it into native-release.json from
 * terraform's output (`npm run release:config`, docs/runbook.md); the committed value is on the
 * reserved `.invalid` domain, so a build nobody configured reaches no server at all rather than
 * one that bypasses the front door.
 */
export const NATIVE_CONFIG = {
  apiBaseUrl: release.apiBaseUrl,
  language: "en",
} as const satisfies { apiBaseUrl: string; language: "en" | "sw" };
