import { defineInt, defineString } from "firebase-functions/params";

/**
 * Deploy-time parameters. `.value()` is read only inside handlers (never at import time), so a
 * cold start and the unit tests need no configuration.
 */
export const params = {
  region: defineString("REGION", {
    description: "Region of the functions",
    default: "us-central1",
  }),
  maxBodyBytes: defineInt("MAX_BODY_BYTES", {
    description: "Largest sync request body accepted, in bytes (413 above it)",
    default: 2_000_000,
  }),
};

/** The project id the code runs under (the emulator sets GCLOUD_PROJECT). */
export function projectId(): string {
  return process.env.GCLOUD_PROJECT ?? process.env.GOOGLE_CLOUD_PROJECT ?? "demo-dermadetect";
}

/** True only for demo-* projects with the Auth emulator configured: the one mode that trusts emulator tokens. */
export function isEmulatorAuthMode(): boolean {
  return Boolean(process.env.FIREBASE_AUTH_EMULATOR_HOST) && projectId().startsWith("demo-");
}
