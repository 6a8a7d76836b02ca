import { isDiagnosisRequest, isId, isImageUploadRequest } from "@dermadetect/contract";
import type { DiagnosisRequest, ImageUploadRequest } from "@dermadetect/contract";
import { AppError, ErrorCode } from "../errors";

// The schemas are compiled with every other one, by the contract's single Ajv instance.

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

/** Checks a record id from the path (the contract's id pattern: nothing that could form another path). */
export function parseRecordId(id: string | undefined): string {
  if (!isId(id)) throw new AppError(ErrorCode.BAD_REQUEST, "Invalid id");
  return id;
}
