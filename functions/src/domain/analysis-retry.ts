/** Deliveries of one job before it is dead-lettered (DESIGN.md §6). */
export const MAX_DELIVERIES = 5;

/** HTTP statuses worth retrying (reference §3: 429, 500, 502, 503, 504). */
export function isTransientStatus(status: number): boolean {
  return status === 429 || status === 408 || (status >= 500 && status <= 599);
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
