import autocannon from "autocannon";

/** What one autocannon run measured: its summary plus every response time and status. */
export interface CannonRun {
  result: autocannon.Result;
  /** Response times in ms, one per response, in arrival order. */
  samples: number[];
  /** Responses per HTTP status. */
  statuses: Map<number, number>;
}

/**
 * Runs autocannon and records every response time (autocannon's own summary has p97.5 but no
 * p95, and the report wants p50/p95/p99 computed the same way for every benchmark).
 * `onSample` sees each response after the request's own `onResponse` ran, so a caller can file
 * the time under the request kind that `onResponse` noted.
 */
export function runCannon(
  opts: autocannon.Options,
  onSample?: (statusCode: number, responseTimeMs: number) => void,
): Promise<CannonRun> {
  const samples: number[] = [];
  const statuses = new Map<number, number>();
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err: unknown, result) => {
      if (err) reject(err instanceof Error ? err : new Error("autocannon failed"));
      else resolve({ result, samples, statuses });
    });
    instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
      samples.push(responseTimeMs);
      statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1);
      onSample?.(statusCode, responseTimeMs);
    });
  });
}

/** Responses with a status at or above `min` (e.g. 500 for server errors). */
export function countAtLeast(statuses: ReadonlyMap<number, number>, min: number): number {
  let n = 0;
  for (const [status, count] of statuses) if (status >= min) n += count;
  return n;
}
