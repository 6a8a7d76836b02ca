import type { WebConfig } from "./web-config";

/*
 * The local emulator stack (project demo-dermadetect, pinned ports) as the web build sees it.
 * The build bundles this config (no fetch before the first screen); `serve.ts` proxies /api and
 * /image-store to the stack on the page's own origin.
 */

/** Where `serve.ts` forwards the same-origin proxies. */
export const LOCAL_STACK = {
  apiTarget: "http://127.0.0.1:5001/demo-dermadetect/us-central1/api",
  imageStoreTarget: "http://127.0.0.1:8092",
} as const;

/** The config bundled into a build for the local stack (the default build). */
export const LOCAL_WEB_CONFIG: WebConfig = {
  projectId: "demo-dermadetect",
  apiKey: "demo-key",
  apiBaseUrl: "/api",
  authEmulatorUrl: "http://127.0.0.1:9099",
  firestoreEmulator: { host: "127.0.0.1", port: 8080 },
  uploadRewrite: { from: LOCAL_STACK.imageStoreTarget, to: "/image-store" },
};
