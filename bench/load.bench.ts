import { randomUUID } from "node:crypto";
import { getFirestore } from "firebase-admin/firestore";
import type autocannon from "autocannon";
import { emulatorChws } from "../functions/test/support/emulator-users";
import type { EmulatorUser } from "../functions/test/support/emulator-users";
import { SyncModel, versionTag, violations } from "../functions/test/support/sync-model";
import { emulatorAdminApp } from "../infra/src/seed";
import { API_BASE_URL } from "../infra/src/stack";
import { countAtLeast, runCannon } from "./lib/cannon";
import { percentile } from "./types";
import type { Bench, BenchResult, LatencySummary } from "./types";

/**
 * The load curve: simulated CHWs per step, the connections they share, and how long each step
 * lasts. Every CHW is its own account, scope and device; a device syncs one request at a time.
 * The functions emulator runs one worker process per concurrent request, so connections stop at
 * 25: 200 workers would not fit in memory on the 2-core machines this runs on, warming each
 * costs seconds of CPU, and throughput is saturated well before 25 (about 20 answers/s at 50 in
 * earlier runs). At 50 CHWs two devices take turns on each connection, at 200 eight.
 */
const STEPS = [
  { chws: 10, connections: 10, durationS: 10 },
  { chws: 50, connections: 25, durationS: 20 },
  { chws: 200, connections: 25, durationS: 30 },
] as const;
const REQUEST_TIMEOUT_S = 30;
/** Every REPLAY_EVERY-th seed sync resends the previous batch verbatim (same batch_id). */
const REPLAY_EVERY = 4;
const BASE_PATH = new URL(API_BASE_URL).pathname;

type Kind = "push" | "pull" | "seed";
interface Sent {
  table: "patients" | "cases";
  id: string;
  lmt: number;
}
interface Result {
  table: string;
  id: string;
  outcome: string;
  reason?: string;
}

/** Counters shared by all simulated devices. */
interface Tally {
  byKind: Record<Kind, number[]>;
  status5xx: number;
  rejectedValid: number;
  crossTenant: number;
  replays: number;
  replayMismatch: number;
}

const ACKED = new Set(["applied", "duplicate", "stale"]);

/**
 * One simulated CHW device on one connection: each round it pushes (WatermelonDB: a new
 * patient, an edit of an older one, a new GREEN case), pulls (WatermelonDB, from its cursor), and
 * syncs in the seed format (an edit; every 4th time the previous batch again, verbatim, which
 * must be answered with the same per-record results).
 */
class Device {
  private readonly patients: string[] = [];
  private lastLmt = 0;
  private cursor = 0;
  private seedCursor: number | null = null;
  private inflight: Sent[] = [];
  private kind: Kind = "push";
  private seeds = 0;
  private previousSeed: { body: string; sent: Sent[]; results?: string } | undefined;
  private replaying = false;

  constructor(
    readonly user: EmulatorUser,
    private readonly model: SyncModel,
    private readonly tally: Tally,
  ) {}

  private nextLmt(): number {
    this.lastLmt = Math.max(Date.now(), this.lastLmt + 1);
    return this.lastLmt;
  }

  private pick(): string | undefined {
    return this.patients[Math.floor(Math.random() * this.patients.length)];
  }

  private patient(id: string, lmt: number) {
    return {
      id,
      demographics: {
        name: "Load Patient",
        sex: "female",
        age_years: 40,
        village: versionTag(lmt),
      },
      last_modified_at: lmt,
    };
  }

  private kase(id: string, patientId: string, lmt: number) {
    return {
      id,
      patient_id: patientId,
      triage_data: {
        body_site: "forearm",
        duration_days: 3,
        symptoms: ["itch"],
        danger_signs: [],
        notes: versionTag(lmt),
      },
      risk_level: "GREEN",
      images: [],
      last_modified_at: lmt,
    };
  }

  private track(sent: Sent[]): void {
    this.inflight = sent;
    for (const s of sent) this.model.send(this.user.uid, s.table, s.id, s.lmt);
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.user.token}`, "content-type": "application/json" };
  }

  private acknowledge(status: number, body: string, kind: Kind): Result[] | undefined {
    this.kind = kind;
    if (status >= 500) this.tally.status5xx += 1;
    if (status !== 200) return undefined;
    const results = (JSON.parse(body) as { results?: Result[] }).results ?? [];
    for (const r of results) {
      const sent = this.inflight.find((s) => s.id === r.id && s.table === r.table);
      if (!sent) continue;
      if (ACKED.has(r.outcome)) this.model.ack(sent.table, sent.id, sent.lmt);
      else this.tally.rejectedValid += 1;
    }
    return results;
  }

  /** Response time of the answer just acknowledged, filed under its request kind. */
  sample(ms: number): void {
    this.tally.byKind[this.kind].push(ms);
  }

  /** Called with every answer this device receives (a shared connection files its sample). */
  onAnswer: (() => void) | undefined;

  requests(): autocannon.Request[] {
    const push: autocannon.Request = {
      method: "POST",
      setupRequest: (req) => {
        const p = randomUUID();
        const c = randomUUID();
        const created = this.nextLmt();
        const sent: Sent[] = [{ table: "patients", id: p, lmt: created }];
        const updated: ReturnType<Device["patient"]>[] = [];
        const old = this.pick();
        if (old) {
          const lmt = this.nextLmt();
          updated.push(this.patient(old, lmt));
          sent.push({ table: "patients", id: old, lmt });
        }
        const caseLmt = this.nextLmt();
        sent.push({ table: "cases", id: c, lmt: caseLmt });
        this.patients.push(p);
        this.track(sent);
        const raw = <T extends Record<string, unknown>>(r: T, status: string) =>
          Object.fromEntries(
            Object.entries({ ...r, _status: status, _changed: "" }).map(([k, v]) => [
              k,
              typeof v === "object" ? JSON.stringify(v) : v,
            ]),
          );
        const body = {
          changes: {
            patients: {
              created: [raw(this.patient(p, created), "created")],
              updated: updated.map((u) => raw(u, "updated")),
              deleted: [],
            },
            cases: {
              created: [raw(this.kase(c, p, caseLmt), "created")],
              updated: [],
              deleted: [],
            },
            diagnoses: { created: [], updated: [], deleted: [] },
          },
        };
        return {
          ...req,
          path: `${BASE_PATH}/v1/sync/push?last_pulled_at=${this.cursor}`,
          headers: this.headers(),
          body: JSON.stringify(body),
        };
      },
      onResponse: (status, body) => {
        this.onAnswer?.();
        this.acknowledge(status, body, "push");
      },
    };
    const pull: autocannon.Request = {
      method: "GET",
      setupRequest: (req) => ({
        ...req,
        path: `${BASE_PATH}/v1/sync/pull?last_pulled_at=${this.cursor}&schema_version=1`,
        headers: this.headers(),
      }),
      onResponse: (status, body) => {
        this.onAnswer?.();
        this.kind = "pull";
        if (status >= 500) this.tally.status5xx += 1;
        if (status !== 200) return;
        const page = JSON.parse(body) as {
          timestamp: number;
          changes: Record<
            string,
            { created: { chw_id?: unknown }[]; updated: { chw_id?: unknown }[] }
          >;
        };
        for (const set of Object.values(page.changes))
          for (const r of [...set.created, ...set.updated])
            if (r.chw_id !== undefined && r.chw_id !== this.user.uid) this.tally.crossTenant += 1;
        this.cursor = page.timestamp;
      },
    };
    const seed: autocannon.Request = {
      method: "POST",
      setupRequest: (req) => {
        this.seeds += 1;
        this.replaying = this.previousSeed !== undefined && this.seeds % REPLAY_EVERY === 0;
        let body: string;
        if (this.replaying && this.previousSeed) {
          body = this.previousSeed.body;
          // The answer acknowledges the versions that batch carried, not the last push's.
          this.inflight = this.previousSeed.sent;
        } else {
          const id = this.pick() ?? randomUUID();
          if (!this.patients.includes(id)) this.patients.push(id);
          const lmt = this.nextLmt();
          const sent: Sent[] = [{ table: "patients", id, lmt }];
          this.track(sent);
          body = JSON.stringify({
            batch_id: `${this.user.uid}-b${this.seeds}`,
            device_id: `${this.user.uid}-device`,
            last_sync_timestamp: this.seedCursor,
            changes: { patients: [this.patient(id, lmt)] },
          });
          this.previousSeed = { body, sent };
        }
        return { ...req, path: `${BASE_PATH}/v1/sync`, headers: this.headers(), body };
      },
      onResponse: (status, body) => {
        this.onAnswer?.();
        const results = this.acknowledge(status, body, "seed");
        if (!results) return;
        this.seedCursor = (JSON.parse(body) as { new_sync_timestamp: number }).new_sync_timestamp;
        const shape = JSON.stringify(results.map((r) => [r.table, r.id, r.outcome, r.reason]));
        if (this.replaying) {
          this.tally.replays += 1;
          if (this.previousSeed?.results !== undefined && this.previousSeed.results !== shape)
            this.tally.replayMismatch += 1;
        } else if (this.previousSeed) {
          this.previousSeed.results = shape;
        }
      },
    };
    return [push, pull, seed];
  }
}

/** One pull to start (or reuse) a function worker; false when it did not answer 200. */
async function warmPull(user: EmulatorUser): Promise<boolean> {
  try {
    const res = await fetch(`${API_BASE_URL}/v1/sync/pull?last_pulled_at=0&schema_version=1`, {
      headers: { authorization: `Bearer ${user.token}` },
      signal: AbortSignal.timeout(90_000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Pulls a CHW's whole scope from scratch, page by page, as a fresh device would. */
async function pullAll(user: EmulatorUser): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor = 0;
  let pages = 0;
  for (;;) {
    const res = await fetch(
      `${API_BASE_URL}/v1/sync/pull?last_pulled_at=${cursor}&schema_version=1&limit=200`,
      { headers: { authorization: `Bearer ${user.token}` }, signal: AbortSignal.timeout(60_000) },
    );
    if (res.status !== 200) throw new Error(`final pull answered HTTP ${res.status}`);
    const page = (await res.json()) as {
      timestamp: number;
      has_more?: boolean;
      changes: Record<string, { created: { id: string }[]; updated: { id: string }[] }>;
    };
    pages += 1;
    for (const [table, set] of Object.entries(page.changes))
      for (const r of [...set.created, ...set.updated]) ids.push(`${table}/${r.id}`);
    if (!page.has_more) return { ids, pages };
    cursor = page.timestamp;
  }
}

/** Runs `fn` over `items`, at most `width` at a time. */
async function inTurn<T>(items: readonly T[], width: number, fn: (x: T) => Promise<void>) {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let x = queue.shift(); x !== undefined; x = queue.shift()) await fn(x);
    }),
  );
}

const summary = (label: string, xs: number[]): LatencySummary => ({
  label,
  samples: xs.length,
  p50: percentile(xs, 50),
  p95: percentile(xs, 95),
  p99: percentile(xs, 99),
});

/**
 * The emulator's workers, warmed two more at a time up to `width` concurrent requests (many
 * starting at once on a busy 2-core machine miss the emulator's 30 s load deadline and fail).
 * Workers stay idle between steps, so later steps only warm what they add.
 */
async function warm(users: readonly EmulatorUser[], from: number, width: number) {
  let failures = 0;
  for (let w = Math.max(2, from + 2); w <= width; w += 2) {
    const ok = await Promise.all(users.slice(0, w).map(warmPull));
    failures += ok.filter((x) => !x).length;
  }
  return failures;
}

/** One step of the curve: `chws` devices on `connections` connections for `durationS`. */
async function step(
  run: string,
  spec: (typeof STEPS)[number],
  warmed: number,
): Promise<BenchResult[]> {
  const { chws, connections, durationS } = spec;
  const users = await emulatorChws(`load-${run}-${chws}`, chws);
  const model = new SyncModel();
  const tally: Tally = {
    byKind: { push: [], pull: [], seed: [] },
    status5xx: 0,
    rejectedValid: 0,
    crossTenant: 0,
    replays: 0,
    replayMismatch: 0,
  };
  const devices = users.map((u) => new Device(u, model, tally));

  const warmStarted = performance.now();
  const warmFailures = await warm(users, warmed, connections);
  const warmS = (performance.now() - warmStarted) / 1000;

  // Connection i carries devices i, i + connections, …: their requests in turn, one at a time,
  // so the answer that arrives belongs to the device whose request went out last.
  const lanes = Array.from({ length: connections }, (_, i) =>
    devices.filter((_, j) => j % connections === i),
  );
  const started = performance.now();
  const runs = await Promise.all(
    lanes.map((lane) => {
      let last: Device | undefined;
      for (const d of lane) d.onAnswer = () => (last = d);
      return runCannon(
        {
          url: API_BASE_URL,
          connections: 1,
          duration: durationS,
          timeout: REQUEST_TIMEOUT_S,
          requests: lane.flatMap((d) => d.requests()),
        },
        (_status, ms) => last?.sample(ms),
      );
    }),
  );
  const elapsedS = (performance.now() - started) / 1000;
  // Requests cut off when the time ran out may still commit: let them land before checking.
  await new Promise((r) => setTimeout(r, 3000));

  const statuses = new Map<number, number>();
  let timeouts = 0;
  let errors = 0;
  for (const r of runs) {
    for (const [s, n] of r.statuses) statuses.set(s, (statuses.get(s) ?? 0) + n);
    timeouts += r.result.timeouts;
    errors += r.result.errors;
  }
  const responses = [...statuses.values()].reduce((a, b) => a + b, 0);
  const count5xx = countAtLeast(statuses, 500);
  const count2xx = statuses.get(200) ?? 0;

  const db = getFirestore(emulatorAdminApp());
  const check = await model.check(db);
  let pullDuplicates = 0;
  let pullPages = 0;
  const stored = new Set<string>();
  // A few CHWs at a time: 200 one after the other take minutes on a busy machine.
  await inTurn(users, 8, async (u) => {
    for (const table of ["patients", "cases"]) {
      const snap = await db.collection(table).where("chw_id", "==", u.uid).select().get();
      for (const doc of snap.docs) stored.add(`${table}/${doc.id}`);
    }
  });
  const pulled: string[] = [];
  await inTurn(users, 8, async (u) => {
    const { ids, pages } = await pullAll(u);
    pullPages += pages;
    pullDuplicates += ids.length - new Set(ids).size;
    pulled.push(...ids);
  });
  for (const key of pulled) stored.delete(key);
  const pullMissing = stored.size;
  const bad = violations(check);
  const all = [...tally.byKind.push, ...tally.byKind.pull, ...tally.byKind.seed];
  const shared = chws > connections ? ` (${chws / connections} devices per connection)` : "";
  return [
    {
      id: `load.${chws}-chws`,
      issue: 18,
      title: `${chws} CHWs on ${connections} connections${shared}, push + pull + seed sync for ${durationS} s on loopback`,
      figures: {
        chws,
        connections,
        warmup_s: Number(warmS.toFixed(1)),
        warmup_failed_requests: warmFailures,
        duration_s: Number(elapsedS.toFixed(1)),
        responses,
        responses_per_s: responses / elapsedS,
        status_2xx: count2xx,
        status_4xx: countAtLeast(statuses, 400) - count5xx,
        status_5xx: count5xx,
        timeouts,
        errors,
        valid_records_rejected: tally.rejectedValid,
        cross_tenant_records_pulled: tally.crossTenant,
        replays: tally.replays,
        replay_result_mismatches: tally.replayMismatch,
        push_p50_ms: percentile(tally.byKind.push, 50),
        push_p95_ms: percentile(tally.byKind.push, 95),
        push_p99_ms: percentile(tally.byKind.push, 99),
        pull_p50_ms: percentile(tally.byKind.pull, 50),
        pull_p95_ms: percentile(tally.byKind.pull, 95),
        pull_p99_ms: percentile(tally.byKind.pull, 99),
        seed_p50_ms: percentile(tally.byKind.seed, 50),
        seed_p95_ms: percentile(tally.byKind.seed, 95),
        seed_p99_ms: percentile(tally.byKind.seed, 99),
        all_p50_ms: percentile(all, 50),
        all_p95_ms: percentile(all, 95),
        all_p99_ms: percentile(all, 99),
      },
      ratio: {
        // Timeouts and socket errors count with the 5xx: an answer that never came is no better.
        value: responses === 0 ? Number.NaN : (count5xx + timeouts + errors) / responses,
        target: 0,
        kind: "max",
        definition: `(5xx + timeouts + errors) / answers, ${chws} CHWs on ${connections} connections`,
      },
      latency: [
        summary(`${chws} CHWs: POST /v1/sync/push (3 records)`, tally.byKind.push),
        summary(`${chws} CHWs: GET /v1/sync/pull`, tally.byKind.pull),
        summary(`${chws} CHWs: POST /v1/sync (seed, 1 record or replay)`, tally.byKind.seed),
      ],
      notes:
        "Each connection is its own autocannon instance syncing one request at a time. The " +
        "functions emulator runs one worker process per concurrent request, so on 2 cores these " +
        "latencies are dominated by the emulator, not the code; the curve shows queueing, and " +
        "the step that matters is that the 5xx count and the store check stay at 0.",
    },
    {
      id: `load.${chws}-chws.store-equals-model`,
      issue: 18,
      title: `after ${chws} CHWs: store against the model of acknowledged writes, and a fresh full pull`,
      figures: {
        acknowledged_records: check.acked,
        stored_records: check.stored,
        lost: check.lost,
        older_than_acknowledged: check.older_than_acked,
        never_sent_version: check.unknown_version,
        never_sent_record: check.unexpected,
        mixed_content: check.content_mismatch,
        manifest_mismatch: check.manifest_mismatch,
        full_pull_pages: pullPages,
        full_pull_duplicates: pullDuplicates,
        full_pull_missing: pullMissing,
      },
      ratio: {
        value:
          check.acked === 0
            ? Number.NaN
            : (bad + pullDuplicates + pullMissing + tally.replayMismatch) / check.acked,
        target: 0,
        kind: "max",
        definition:
          "violations (lost, older than acknowledged, never sent, mixed content, manifest, pull duplicates or gaps, replay mismatches) / acknowledged records",
      },
      ...(check.examples.length ? { notes: `Examples: ${check.examples.join("; ")}` } : {}),
    },
  ];
}

/**
 * Load (issues 9 and 18): the curve at 10, 50 and 200 simulated CHWs, mixed routes (WatermelonDB
 * push and pull, seed sync with verbatim replays) on loopback, each step bounded in time; after
 * every step the store must equal the model of acknowledged writes and a fresh full pull must
 * return every stored record exactly once. tc netem is not available on this kernel, so there is
 * no added latency or loss; the figures are loopback figures.
 */
const bench: Bench = {
  name: `load: ${STEPS.map((s) => s.chws).join(", ")} CHWs pushing and pulling`,
  needs: "emulators",
  async run(): Promise<BenchResult[]> {
    const run = Date.now().toString(36);
    const results: BenchResult[] = [];
    let warmed = 0;
    for (const spec of STEPS) {
      results.push(...(await step(run, spec, warmed)));
      warmed = Math.max(warmed, spec.connections);
    }
    return results;
  },
};

export default bench;
