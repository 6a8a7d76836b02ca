/**
 * Request and answer shapes of the image and diagnosis routes (docs/design.md §5 HTTP API, §7).
 * The JSON Schemas are the contract: the server validates with them and the app can check a
 * request before queuing it. They are compiled with every other schema (validate.ts).
 */
import { followUpSchema, referralSchema } from "./review";
import type { FollowUp, Referral } from "./review";

import { ID_PATTERN } from "./ids";
import { closedObject } from "./json-schema";
import { MAX_IMAGE_BYTES } from "./limits";
import { IMAGE_TYPES } from "./records";
import type { ImageContentType } from "./records";

/** Body of `POST /v1/cases/{id}/images`. */
export interface ImageUploadRequest {
  sha256: string;
  content_type: ImageContentType;
  bytes: number;
}

/** Answer of `POST /v1/cases/{id}/images` (the app's upload grant): send `method` to `upload_url` with exactly `headers`. */
export interface ImageUploadResponse {
  upload_url: string;
  method: "PUT";
  headers: Record<string, string>;
  /** Epoch ms after which the URL is refused. */
  expires_at: number;
  image_key: string;
}

/** Body of `POST /v1/cases/{id}/diagnoses`. */
export interface DiagnosisRequest {
  /** Client-generated UUID; the route is idempotent on it. */
  id: string;
  diagnosis_text: string;
  prescription?: string | null;
  /** The referral decision (required from the console; absent from older API clients). */
  referral?: Referral;
  follow_up?: FollowUp;
  /** The id of the case's current diagnosis this one amends (never overwrites it). */
  amends?: string;
}

/** Bounds of diagnosis fields, shared by the route and the console-diagnosis trigger. */
export const DIAGNOSIS_LIMITS = { textMax: 10_000, prescriptionMax: 4_000 } as const;

/** JSON Schema of `ImageUploadRequest`. */
export const imageUploadRequestSchema = {
  $id: "image-upload-request",
  ...closedObject(["sha256", "content_type", "bytes"], {
    sha256: { type: "string", minLength: 64, maxLength: 64, pattern: "^[0-9a-f]{64}$" },
    content_type: { type: "string", enum: Object.keys(IMAGE_TYPES) as ImageContentType[] },
    bytes: { type: "integer", minimum: 1, maximum: MAX_IMAGE_BYTES },
  }),
} as const;

/** JSON Schema of `DiagnosisRequest`. */
export const diagnosisRequestSchema = {
  $id: "diagnosis-request",
  ...closedObject(["id", "diagnosis_text"], {
    id: { type: "string", minLength: 1, maxLength: 64, pattern: ID_PATTERN },
    diagnosis_text: { type: "string", minLength: 1, maxLength: DIAGNOSIS_LIMITS.textMax },
    prescription: {
      anyOf: [{ type: "string", maxLength: DIAGNOSIS_LIMITS.prescriptionMax }, { type: "null" }],
    },
    referral: referralSchema,
    follow_up: followUpSchema,
    amends: { type: "string", minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9_-]+$" },
  }),
} as const;
