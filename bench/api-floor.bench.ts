import { API_BASE_URL } from "../infra/src/stack";
import { runCannon } from "./lib/cannon";
import { percentile } from "./types";
import type { Bench, BenchResult } from "./types";

const CONNECTIONS = 10;
const DURATION_S = 6;

/**
 * The floor under every API figure: GET /v1/health through the functions emulator on loopback,
 * the same path every sync request takes minus auth and Firestore. Sync latencies in this
 * report read best against it.
 */
const bench: Bench = {
  name: "api floor: GET /v1/health under 10 connections",
  needs: "emulators",
  async run(): Promise<BenchResult[]> {
    // The functions emulator starts one worker process per concurrent request it has no idle
    // worker for; warm as many as there are connections so start-up is not measured.
    for (let round = 0; round < 2; round++) {
      await Promise.all(
        Array.from({ length: CONNECTIONS }, () => fetch(`${API_BASE_URL}/v1/health`)),
      );
    }
    const { result, samples, statuses } = await runCannon({
      url: `${API_BASE_URL}/v1/health`,
      connections: CONNECTIONS,
      duration: DURATION_S,
      timeout: 10,
    });
    const total = samples.length;
    const ok = statuses.get(200) ?? 0;
    return [
      {
        id: "api.health-floor",
        issue: 9,
        title: `GET /v1/health, ${CONNECTIONS} connections for ${DURATION_S} s (functions emulator)`,
        figures: {
          requests: total,
          requests_per_s: total / DURATION_S,
          non_200: total - ok,
          errors: result.errors,
          timeouts: result.timeouts,
          p50_ms: percentile(samples, 50),
          p95_ms: percentile(samples, 95),
          p99_ms: percentile(samples, 99),
        },
        ratio: {
          value: total === 0 ? Number.NaN : ok / total,
          target: 1,
          kind: "min",
          definition: "GET /v1/health answered 200 / requests sent",
        },
        latency: [
          {
            label: "GET /v1/health",
            samples: total,
            p50: percentile(samples, 50),
            p95: percentile(samples, 95),
            p99: percentile(samples, 99),
          },
        ],
      },
    ];
  },
};

export default bench;
