import { floodApi, MiB } from "../functions/test/support/functions-framework-flood";
import type { Bench, BenchResult } from "./types";

// The memory limit terraform gives the api (modules/dermadetect/functions.tf).
const LIMIT_MIB = 512;

/**
 * Issue 17: the api under the real Functions Framework (not the emulator) flooded with
 * unauthenticated bodies, RSS of the Framework's process sampled from /proc. Before the
 * pre-parse cap the same floods peaked at 1337-1774 MiB (40 × 30 MiB declared), 748 MiB
 * (10 × 30 MiB chunked) and 1017-1050 MiB (40 × 2 MB of empty arrays).
 */
const bench: Bench = {
  name: "api flood under the Functions Framework: RSS before, peak, after",
  needs: "none",
  async run(): Promise<BenchResult[]> {
    const cases = [
      {
        id: "api.flood-30mib-declared",
        title: "40 concurrent 30 MiB bodies with Content-Length",
        requests: 40,
        bodyBytes: 30 * MiB,
        declareLength: true,
        shape: "string" as const,
      },
      {
        id: "api.flood-30mib-chunked",
        title: "40 concurrent 30 MiB chunked bodies (no Content-Length)",
        requests: 40,
        bodyBytes: 30 * MiB,
        declareLength: false,
        shape: "string" as const,
      },
      {
        id: "api.flood-2mb-arrays",
        title: "40 concurrent unauthenticated 2 MB bodies of empty arrays (under the cap)",
        requests: 40,
        bodyBytes: 1_999_000,
        declareLength: true,
        shape: "arrays" as const,
      },
    ];
    const out: BenchResult[] = [];
    for (const c of cases) {
      const r = await floodApi(c);
      out.push({
        id: c.id,
        issue: 17,
        title: `${c.title}, real Functions Framework`,
        figures: {
          rss_before_mib: r.rssBeforeMiB,
          rss_peak_mib: r.rssPeakMiB,
          rss_after_mib: r.rssAfterMiB,
          answered_4xx: r.statuses.filter((s) => s >= 400 && s < 500).length,
          unanswered: r.statuses.filter((s) => s === 0).length,
          health_during_flood: r.healthDuringFlood,
        },
        ratio: {
          value: r.rssPeakMiB / LIMIT_MIB,
          target: 1,
          kind: "max",
          definition: `peak RSS / the api's ${LIMIT_MIB} MiB memory limit`,
        },
      });
    }
    return out;
  },
};

export default bench;
