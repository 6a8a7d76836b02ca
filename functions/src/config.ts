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
  imagesBucket: defineString("IMAGES_BUCKET", {
    description: "Cloud Storage bucket that holds case photos (cases/{case_id}/{sha256}.{ext})",
  }),
  imageStoreUrl: defineString("IMAGE_STORE_URL", {
    description: "Local image store base URL (emulator stack only); empty means Cloud Storage",
    default: "",
  }),
  localImageStoreSecret: defineString("LOCAL_IMAGE_STORE_SECRET", {
    description: "HMAC secret of the local image store's URLs (emulator stack only)",
    default: "",
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
