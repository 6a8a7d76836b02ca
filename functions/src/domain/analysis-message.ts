import { Ajv } from "ajv";
import type { JSONSchemaType } from "ajv";
import { ID_MAX_LENGTH, ID_PATTERN, JOB_KEY_PATTERN } from "@dermadetect/contract";

/** The Pub/Sub message on `case-analysis-requested` (and, unchanged, on its dead-letter topic). */
export interface AnalysisRequest {
  case_id: string;
  job_key: string;
  /** Set when the pipeline itself forwards a job to the dead-letter topic. */
  reason?: "max_deliveries";
}

const schema: JSONSchemaType<AnalysisRequest> = {
  $id: "analysis-request",
  type: "object",
  additionalProperties: false,
  required: ["case_id", "job_key"],
  properties: {
    case_id: { type: "string", minLength: 1, maxLength: ID_MAX_LENGTH, pattern: ID_PATTERN },
    job_key: { type: "string", minLength: 3, maxLength: 160, pattern: JOB_KEY_PATTERN },
    reason: { type: "string", enum: ["max_deliveries"], nullable: true },
  },
};

/** Validates a decoded message (a bad one is logged and acknowledged, never retried). */
export const isAnalysisRequest = new Ajv({ strict: true, allErrors: false }).compile(schema);
