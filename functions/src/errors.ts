import { ErrorCode } from "@dermadetect/contract";

/*
 * The backend's error type. The codes themselves live in the contract (shared with the app);
 * they are re-exported here so server code keeps one import for codes and AppError.
 */
export { AnalysisErrorCode, ErrorCode, analysisErrorMessage } from "@dermadetect/contract";

const defaultStatus: Record<ErrorCode, number> = {
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.METHOD_NOT_ALLOWED]: 405,
  [ErrorCode.BAD_QUERY]: 400,
  [ErrorCode.TOO_MANY_RECORDS]: 413,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.AUTH_UNAVAILABLE]: 503,
  [ErrorCode.RESOURCE_NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.IMAGE_ALREADY_VERIFIED]: 409,
  [ErrorCode.IMAGE_MISMATCH]: 409,
  [ErrorCode.DIAGNOSIS_ID_CONFLICT]: 409,
  [ErrorCode.DIAGNOSIS_INVALID]: 400,
  [ErrorCode.TOO_MANY_IMAGES]: 409,
  [ErrorCode.CLAIMED]: 409,
  [ErrorCode.ALREADY_DIAGNOSED]: 409,
  [ErrorCode.CASE_NOT_IN_REVIEW]: 409,
  [ErrorCode.UNAVAILABLE]: 503,
  [ErrorCode.INTERNAL]: 500,
};

/** An expected failure with a stable code; `message` must be safe to show a client (no PHI). */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly opts: { status?: number; original?: unknown; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = "AppError";
  }

  /** HTTP status for this error at the edge. */
  get status(): number {
    return this.opts.status ?? defaultStatus[this.code];
  }

  /** The only shape an error ever takes on the wire. */
  toJSON(): { error: { code: ErrorCode; message: string; [extra: string]: unknown } } {
    return { error: { code: this.code, message: this.message, ...this.opts.extra } };
  }
}

/** Converts anything thrown into the wire error; unknown errors become a generic INTERNAL. */
export function toAppError(e: unknown): AppError {
  if (e instanceof AppError) return e;
  return new AppError(ErrorCode.INTERNAL, "Internal error", { original: e });
}
