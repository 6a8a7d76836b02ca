/*
 * "Retry this?" in one place. Every failure the backend may try again is classified here: the
 * model client's HTTP calls, Firestore transactions under contention, analysis deliveries and
 * the `applySync` trigger all ask `isRetryable`, and back off with `backoffMs`.
 */

/** Deliveries of one analysis job before it is dead-lettered. */
export const MAX_DELIVERIES = 5;

/** HTTP statuses worth retrying: 408, 429 and every 5xx. */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
}

/** gRPC codes worth another try: DEADLINE_EXCEEDED (4), ABORTED (10, contention), UNAVAILABLE (14). */
const TRANSIENT_GRPC_CODES: ReadonlySet<number> = new Set([4, 10, 14]);

/**
 * True when a later attempt may succeed. An error that knows its class says so itself (a
 * `transient` flag: model calls, image reads, permanent analysis failures); a Firestore/gRPC
 * error by its numeric `code`; one with an HTTP `status` (an AppError) when that status is.
 * Anything else is unknown: `ifUnknown` is the caller's policy (a trigger whose retry is a
 * safe replay retries the unexpected; a transaction loop does not).
 */
export function isRetryable(e: unknown, ifUnknown = false): boolean {
  if (e === null || typeof e !== "object") return ifUnknown;
  const { transient, status, code } = e as {
    transient?: unknown;
    status?: unknown;
    code?: unknown;
  };
  if (typeof transient === "boolean") return transient;
  if (typeof code === "number") return TRANSIENT_GRPC_CODES.has(code);
  if (typeof status === "number") return isTransientStatus(status);
  return ifUnknown;
}

/**
 * Full-jitter exponential backoff: a uniform delay in [base/2, min(cap, base·2^attempt)].
 * The half-base floor keeps a burst of failures from retrying all at once at ~0 ms.
 */
export function backoffMs(
  attempt: number,
  opts: { baseMs: number; capMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(opts.capMs, opts.baseMs * 2 ** Math.max(0, attempt));
  const floor = Math.min(ceiling, opts.baseMs / 2);
  return Math.round(floor + random() * (ceiling - floor));
}
