import { randomUUID } from "node:crypto";
import { API_BASE_URL } from "../infra/src/stack";
import { createUser, kase, patient } from "../functions/test/integration/sync-helpers";
import { parseOps } from "../functions/src/adapters/op-counter";
import type { OpCounts } from "../functions/src/adapters/op-counter";
import type { Bench, BenchResult } from "./types";

/*
 * Issue 18's operation counts: the Firestore reads, writes and deletes each HTTP call billed,
 * measured by the functions' opt-in counting wrapper (the harness starts the stack with
 * FIRESTORE_COUNT_OPS=1) and read back from each answer's `x-firestore-ops` header, never
 * derived from our code. Figures are per applied record for a push of new records (seed format
 * with sync_status "new", WatermelonDB `created`), for the same push without the new hint
 * (every stored document read first), and per pull page. The counts include the API's account
 * check (one read of users/{uid} per request).
 */

const RECORDS = 100;

async function call(
  method: "GET" | "POST",
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; ops: OpCounts; json: Record<string, unknown> }> {
  const res = await fetch(`${API_BASE_URL}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  const ops = parseOps(res.headers.get("x-firestore-ops"));
  if (!ops) throw new Error(`${path}: no x-firestore-ops header (is FIRESTORE_COUNT_OPS=1 set?)`);
  if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
  return { status: res.status, ops, json };
}

/** Half patients, half their cases, seed format. */
function seedRecords(n: number, hint: boolean) {
  const patients: Record<string, unknown>[] = [];
  const cases: Record<string, unknown>[] = [];
  for (let i = 0; i < n / 2; i++) {
    const p = patient(hint ? { sync_status: "new" } : {});
    patients.push(p);
    cases.push(kase(String(p.id), hint ? { sync_status: "new" } : {}));
  }
  return { patients, cases };
}

/** The same records as WatermelonDB raws (JSON columns as strings). */
function watermelonChanges(n: number) {
  const { patients, cases } = seedRecords(n, false);
  const raw = (r: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [
        k,
        v !== null && typeof v === "object" ? JSON.stringify(v) : v,
      ]),
    );
  return {
    patients: { created: patients.map(raw), updated: [], deleted: [] },
    cases: { created: cases.map(raw), updated: [], deleted: [] },
  };
}

function applied(json: Record<string, unknown>): number {
  const results = (json.results ?? []) as { outcome: string }[];
  return results.filter((r) => r.outcome === "applied").length;
}

const perRecord = (ops: OpCounts, n: number) => ({
  reads: ops.reads / n,
  writes: ops.writes / n,
  deletes: ops.deletes / n,
});

const bench: Bench = {
  name: "ops: Firestore operations per applied record and per pull",
  needs: "emulators",
  async run(): Promise<BenchResult[]> {
    const seedNew = await createUser("chw", "bench-ops");
    const seedPlain = await createUser("chw", "bench-ops");
    const wm = await createUser("chw", "bench-ops");

    const a = await call("POST", "/v1/sync", seedNew.token, {
      last_sync_timestamp: null,
      batch_id: randomUUID(),
      changes: seedRecords(RECORDS, true),
    });
    const b = await call("POST", "/v1/sync", seedPlain.token, {
      last_sync_timestamp: null,
      batch_id: randomUUID(),
      changes: seedRecords(RECORDS, false),
    });
    const c = await call("POST", "/v1/sync/push?last_pulled_at=0", wm.token, {
      changes: watermelonChanges(RECORDS),
    });
    for (const [name, r] of [
      ["seed new", a],
      ["seed plain", b],
      ["watermelon", c],
    ] as const) {
      if (applied(r.json) !== RECORDS)
        throw new Error(`${name}: ${applied(r.json)} of ${RECORDS} applied`);
    }
    // A first pull of the 100 records, one page, and an empty pull after it.
    const first = await call("GET", "/v1/sync/pull?last_pulled_at=null&schema_version=1", wm.token);
    const empty = await call(
      "GET",
      `/v1/sync/pull?last_pulled_at=${String(first.json.timestamp)}&schema_version=1`,
      wm.token,
    );

    const seedHinted = perRecord(a.ops, RECORDS);
    const seedUnhinted = perRecord(b.ops, RECORDS);
    const wmCreated = perRecord(c.ops, RECORDS);
    return [
      {
        id: "ops.push-per-record",
        issue: 18,
        title: `Firestore operations per applied record, push of ${RECORDS} new records`,
        figures: {
          seed_new_reads_per_record: seedHinted.reads,
          seed_new_writes_per_record: seedHinted.writes,
          seed_plain_reads_per_record: seedUnhinted.reads,
          seed_plain_writes_per_record: seedUnhinted.writes,
          watermelon_created_reads_per_record: wmCreated.reads,
          watermelon_created_writes_per_record: wmCreated.writes,
          watermelon_created_deletes_per_record: wmCreated.deletes,
        },
        ratio: {
          value: seedHinted.writes,
          target: 1.2,
          kind: "max",
          definition: `Firestore writes per applied record, POST /v1/sync of ${RECORDS} new records (counted)`,
        },
        notes:
          "counted by the functions' wrapper (x-firestore-ops); includes the account check's read, the scope, receipt and audit documents",
      },
      {
        id: "ops.push-new-hint-reads",
        issue: 18,
        title: "Reads of a push of new records, with the device's new hint against without",
        figures: {
          hinted_reads_count: a.ops.reads,
          unhinted_reads_count: b.ops.reads,
        },
        ratio: {
          value: a.ops.reads / b.ops.reads,
          target: 0.2,
          kind: "max",
          definition: `reads of POST /v1/sync with ${RECORDS} records marked sync_status "new" / the same without the mark`,
        },
        notes: "a new record is written with a create precondition and read only if that fails",
      },
      {
        id: "ops.pull",
        issue: 18,
        title: `Firestore operations per pull (first pull of ${RECORDS} records; an empty pull)`,
        figures: {
          first_pull_reads_count: first.ops.reads,
          first_pull_writes_count: first.ops.writes,
          first_pull_reads_per_record: first.ops.reads / RECORDS,
          empty_pull_reads_count: empty.ops.reads,
          empty_pull_writes_count: empty.ops.writes,
        },
        notes:
          "writes of a pull are its read-audit entry (and diagnosis delivery stamps, none here)",
      },
    ];
  },
};
export default bench;
