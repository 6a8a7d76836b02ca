/*
 * Error codes shared by the server and its clients: the server answers
 * `{"error":{"code","message"}}` with one of these, and the app decides what to do by code, so
 * both read them from here.
 */

/**
 * Error codes of the API. Codes are stable and documented here; the server's HTTP edge maps
 * them to a status and a `{error:{code,message}}` body, and never sends anything else.
 * Ranges: SYNC_1xxx request/shape, SYNC_2xxx auth, SYNC_3xxx records, SYNC_4xxx images and
 * diagnoses, SYNC_5xxx server side.
 */
export enum ErrorCode {
  /**
   * The body is not valid JSON, does not match the route's schema, or nests deeper than
   * `LIMITS.maxBodyDepth` (refused by a scan before parsing; there is no separate depth code).
   */
  BAD_REQUEST = "SYNC_1000",
  /** The body exceeds the size cap (checked before parsing). */
  PAYLOAD_TOO_LARGE = "SYNC_1001",
  /** No route for this method and path. */
  NOT_FOUND = "SYNC_1002",
  /** The route exists but not for this method. */
  METHOD_NOT_ALLOWED = "SYNC_1003",
  /** Query parameters are missing or malformed. */
  BAD_QUERY = "SYNC_1004",
  /** Too many records in one batch. */
  TOO_MANY_RECORDS = "SYNC_1005",
  /** No, malformed, expired or otherwise invalid bearer token. */
  UNAUTHENTICATED = "SYNC_2001",
  /** Valid token but the role may not use this route or resource. */
  FORBIDDEN = "SYNC_2002",
  /** Signing keys could not be fetched: fail closed. */
  AUTH_UNAVAILABLE = "SYNC_2003",
  /** The case or record does not exist (or is not visible to the caller). */
  RESOURCE_NOT_FOUND = "SYNC_3004",
  /** The request conflicts with the current state. */
  CONFLICT = "SYNC_3009",
  /** The image is already verified on the case: nothing to upload (re-uploads cannot overwrite it). */
  IMAGE_ALREADY_VERIFIED = "SYNC_4001",
  /** The case lists this sha256 with another content type or size than the request says. */
  IMAGE_MISMATCH = "SYNC_4002",
  /** The diagnosis id is already used for another case or by another doctor. */
  DIAGNOSIS_ID_CONFLICT = "SYNC_4003",
  /** A diagnosis written in the console fails validation (recorded on it as `normalization_error`). */
  DIAGNOSIS_INVALID = "SYNC_4004",
  /** The case already lists the most images a case may have. */
  TOO_MANY_IMAGES = "SYNC_4005",
  /** Another doctor holds a live claim on the case (the error carries `claim`). */
  CLAIMED = "SYNC_4091",
  /** The case is already diagnosed and the request does not amend its current diagnosis (carries `diagnosis`). */
  ALREADY_DIAGNOSED = "SYNC_4092",
  /** The case does not need a doctor (e.g. a GREEN case that was only triaged). */
  CASE_NOT_IN_REVIEW = "SYNC_4093",
  /** A dependency (Firestore, Pub/Sub, model endpoint) is unavailable; retry later. */
  UNAVAILABLE = "SYNC_5003",
  /** Anything unexpected. Details are logged, never returned. */
  INTERNAL = "SYNC_5000",
}

/**
 * Why an AI analysis ended without a result: stored as `cases.analysis.error.code` with the
 * matching message, which the app shows as is (no PHI, no internals).
 */
export enum AnalysisErrorCode {
  /** The case was deleted (or never existed) before it could be analysed. */
  CASE_NOT_FOUND = "AI_6001",
  /** The model's answer never matched the required structure, even after one repair request. */
  INVALID_OUTPUT = "AI_6002",
  /** The model endpoint refused the request (4xx): a configuration or input problem. */
  MODEL_REJECTED = "AI_6003",
  /** Every delivery failed (model overloaded or unreachable); the job went to the dead-letter topic. */
  DEAD_LETTERED = "AI_6004",
  /** A cost cap (per health worker per hour or day, or for the whole service) was reached. */
  LIMITED = "AI_6005",
}

/** The text the app shows for each analysis failure. */
export const analysisErrorMessage: Record<AnalysisErrorCode, string> = {
  [AnalysisErrorCode.CASE_NOT_FOUND]: "The case no longer exists, so it was not analysed.",
  [AnalysisErrorCode.INVALID_OUTPUT]:
    "The AI model did not return a usable answer. A doctor will review the case without it.",
  [AnalysisErrorCode.MODEL_REJECTED]:
    "The AI service refused the request. A doctor will review the case without it.",
  [AnalysisErrorCode.DEAD_LETTERED]:
    "The AI service could not be reached after 5 attempts. A doctor will review the case without it.",
  [AnalysisErrorCode.LIMITED]:
    "AI analysis limit reached, so this case was not analysed. A doctor will review the case without it.",
};
