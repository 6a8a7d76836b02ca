import { Ajv } from "ajv";
import { diagnosisRequestSchema, imageUploadRequestSchema } from "@dermadetect/contract";
import type { DiagnosisRequest, ImageUploadRequest } from "@dermadetect/contract";
import { AppError, ErrorCode } from "../errors";

// allErrors off and no $data (DESIGN.md §2); schemas are trusted code from the contract.
const ajv = new Ajv({ strict: true, allErrors: false });
const isImageUploadRequest = ajv.compile<ImageUploadRequest>(imageUploadRequestSchema);
const isDiagnosisRequest = ajv.compile<DiagnosisRequest>(diagnosisRequestSchema);

/** Validates the body of `POST /v1/cases/{id}/images`; 400 without echoing ajv's text. */
export function parseImageUploadRequest(body: unknown): ImageUploadRequest {
  if (!isImageUploadRequest(body)) {
    throw new AppError(ErrorCode.BAD_REQUEST, "Invalid image upload request");
  }
  return body;
}

/** Validates the body of `POST /v1/cases/{id}/diagnoses`. */
export function parseDiagnosisRequest(body: unknown): DiagnosisRequest {
  if (!isDiagnosisRequest(body)) {
    throw new AppError(ErrorCode.BAD_REQUEST, "Invalid diagnosis request");
  }
  return body;
}

const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

/** Checks a record id from the path (client UUIDs; nothing that could form another path). */
export function parseRecordId(id: string | undefined): string {
  if (!id || !ID_PATTERN.test(id)) throw new AppError(ErrorCode.BAD_REQUEST, "Invalid id");
  return id;
}
