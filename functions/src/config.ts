import { defineBoolean, defineInt, defineString } from "firebase-functions/params";

/**
 * Default cost caps. One model replica answers roughly one case (a synthesis plus one call per
 * photo) per 20-60 s, so about 60-180 cases an hour: the global cap keeps a queue behind it
 * bounded, and a CHW's caps sit far above a day in the field (a few RED cases) while stopping
 * one faulty phone from taking the replica for the day.
 */
export const ANALYSIS_QUOTA_DEFAULTS = { perChwHour: 12, perChwDay: 60, globalHour: 240 } as const;

/** Default settle window of a new analysis job (rapid edits of one case coalesce within it). */
export const ANALYSIS_SETTLE_DEFAULT_MS = 20_000;
/** Longest settle window: the relay waits it inside its own 60 s timeout. */
export const ANALYSIS_SETTLE_MAX_MS = 30_000;

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
  apiCorsOrigins: defineString("API_CORS_ORIGINS", {
    description:
      "Comma-separated exact origins (the two Hosting sites) the api answers cross-origin, behind its front door; empty = same-origin only",
    default: "",
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
  // AI pipeline (docs/design.md §6). Local values point at the MedGemma stand-in (functions/.env.local).
  medgemmaProvider: defineString("MEDGEMMA_PROVIDER", {
    description: "vertex (Vertex AI :predict) or openai (vLLM/Ollama /v1/chat/completions)",
    default: "vertex",
    input: { select: { options: [{ value: "vertex" }, { value: "openai" }] } },
  }),
  medgemmaBaseUrl: defineString("MEDGEMMA_BASE_URL", {
    description:
      "vertex: overrides https://{region}-aiplatform.googleapis.com (empty = default); openai: the server's base URL",
    default: "",
  }),
  medgemmaProject: defineString("MEDGEMMA_PROJECT", {
    description: "Project of the MedGemma endpoint (empty = this project)",
    default: "",
  }),
  medgemmaRegion: defineString("MEDGEMMA_REGION", {
    description: "Region of the MedGemma endpoint",
    default: "us-central1",
  }),
  medgemmaEndpointId: defineString("MEDGEMMA_ENDPOINT_ID", {
    description: "Vertex AI endpoint id serving MedGemma",
    default: "medgemma",
  }),
  medgemmaDedicated: defineBoolean("MEDGEMMA_DEDICATED", {
    description: "The endpoint is dedicated (Model Garden default): call its dedicatedEndpointDns",
    default: true,
  }),
  medgemmaDedicatedDns: defineString("MEDGEMMA_DEDICATED_DNS", {
    description: "Known dedicatedEndpointDns; empty = read once with endpoints.get and cache",
    default: "",
  }),
  medgemmaAuth: defineString("MEDGEMMA_AUTH", {
    description: "google (ADC bearer tokens) or none (local stand-in only)",
    default: "google",
  }),
  medgemmaModelId: defineString("MEDGEMMA_MODEL_ID", {
    description: "Model id recorded in provenance and sent as `model` to OpenAI-compatible servers",
    default: "google/medgemma-4b-it",
  }),
  medgemmaTimeoutMs: defineInt("MEDGEMMA_TIMEOUT_MS", {
    description: "Timeout of one model call (below the 540 s function timeout)",
    default: 120_000,
  }),
  medgemmaMaxTokens: defineInt("MEDGEMMA_MAX_TOKENS", {
    description: "max_tokens of one call (structured answers stay under ~400 tokens)",
    default: 600,
  }),
  medgemmaRetryBaseMs: defineInt("MEDGEMMA_RETRY_BASE_MS", {
    description: "Base of the jittered backoff between calls within one delivery",
    default: 2_000,
  }),
  analysisRedeliveryBaseMs: defineInt("ANALYSIS_REDELIVERY_BASE_MS", {
    description: "Base of the jittered backoff before the sweeper redelivers a failed job",
    default: 60_000,
  }),
  // Cost caps (docs/runbook.md "AI cost caps"): one analysis per case version at most; counted
  // when a job first reaches the model; a job over a cap ends `limited` and its case goes to the
  // doctors' queue without AI. 0 turns a cap off.
  analysisMaxPerChwHour: defineInt("ANALYSIS_MAX_PER_CHW_HOUR", {
    description: "Analyses one CHW's cases may start per clock hour (0 = no cap)",
    default: ANALYSIS_QUOTA_DEFAULTS.perChwHour,
  }),
  analysisMaxPerChwDay: defineInt("ANALYSIS_MAX_PER_CHW_DAY", {
    description: "Analyses one CHW's cases may start per UTC day (0 = no cap)",
    default: ANALYSIS_QUOTA_DEFAULTS.perChwDay,
  }),
  analysisMaxGlobalHour: defineInt("ANALYSIS_MAX_GLOBAL_HOUR", {
    description: "Analyses the whole project may start per clock hour (0 = no cap)",
    default: ANALYSIS_QUOTA_DEFAULTS.globalHour,
  }),
  analysisSettleMs: defineInt("ANALYSIS_SETTLE_MS", {
    description:
      "A new job waits this long before it is published; a newer version of the case meanwhile supersedes it (rapid edits coalesce into one analysis). At most 30000.",
    default: ANALYSIS_SETTLE_DEFAULT_MS,
  }),
  analysisDeliveryLeaseMs: defineInt("ANALYSIS_DELIVERY_LEASE_MS", {
    description: "A published job not claimed within this time is republished by the sweeper",
    default: 600_000,
  }),
  syncSweepAfterMs: defineInt("SYNC_SWEEP_AFTER_MS", {
    description:
      "A syncBatches document still pending this long after its creation is re-driven by sweepSyncBatches",
    default: 300_000,
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
