import { randomUUID } from "node:crypto";
import { FieldValue, getFirestore } from "firebase-admin/firestore";
import type { Firestore } from "firebase-admin/firestore";
import { firestoreSyncStore } from "../functions/src/adapters/sync-store";
import { receiveBatch } from "../functions/src/sync/sync-core";
import { emulatorAdminApp } from "../infra/src/seed";
import { API_BASE_URL } from "../infra/src/stack";
import { createUser } from "../functions/test/integration/sync-helpers";
import { latencySummary, percentile } from "./types";
import type { Bench, BenchResult } from "./types";

/*
 * Issue 3's and 18's sync figures, each measured side by side in one run on the local stack:
 * - POST /v1/sync with 500 records against the same 500 documents as one firebase-admin
 *   batched write on the same Firestore emulator (target ≤ 1.5), decomposed: the sync core
 *   called in this process (no HTTP, token or envelope), and a bare admin transaction with the
 *   same reads and writes as ours, so the report shows which part costs what;
 * - a pull of 10 changes for a CHW holding 2,000 records against one holding 20 (≤ 1.1: a
 *   pull costs what changed, not what exists);
 * - p50/p95 of a one-patient, one-case push.
 */

const ROUNDS_PUSH500 = 6;
const ROUNDS_PULL = 12;
const SAMPLES_SMALL = 40;

interface Chw {
  uid: string;
  token: string;
  cursor: number;
}

/** A fresh CHW in the Auth emulator with a real ID token, at cursor 0. */
async function chw(): Promise<Chw> {
  const user = await createUser("chw", "bench-chw");
  return { uid: user.uid, token: user.token, cursor: 0 };
}

function patient(): Record<string, unknown> {
  return {
    id: randomUUID(),
    demographics: { name: "Bench Patient", sex: "male", age_years: 41, village: "Benchville" },
    last_modified_at: Date.now() - 1000,
  };
}

function kase(patientId: string): Record<string, unknown> {
  return {
    id: randomUUID(),
    patient_id: patientId,
    triage_data: {
      body_site: "back",
      duration_days: 20,
      symptoms: ["itch", "growth"],
      danger_signs: [],
      lesion: { diameter_mm: 5, asymmetry: false },
    },
    risk_level: "YELLOW",
    images: [{ sha256: "e".repeat(64), content_type: "image/jpeg", bytes: 300_000 }],
    last_modified_at: Date.now() - 1000,
  };
}

/**
 * Half patients, half their cases: `n` records. `claimNew` marks them `sync_status: "new"`, as
 * a seed client marks records it created (docs/sync-protocol.md §3.1): the server then writes
 * them with a create precondition instead of reading each one first.
 */
function records(
  n: number,
  opts: { claimNew?: boolean } = {},
): {
  patients: Record<string, unknown>[];
  cases: Record<string, unknown>[];
} {
  const tag = (r: Record<string, unknown>) => (opts.claimNew ? { ...r, sync_status: "new" } : r);
  const patients = Array.from({ length: Math.ceil(n / 2) }, patient);
  const cases = patients.slice(0, Math.floor(n / 2)).map((p) => tag(kase(String(p.id))));
  return { patients: patients.map(tag), cases };
}

/** POST /v1/sync; returns the elapsed ms and moves the CHW's cursor. */
async function push(c: Chw, changes: object): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${API_BASE_URL}/v1/sync`, {
    method: "POST",
    headers: { authorization: `Bearer ${c.token}`, "content-type": "application/json" },
    body: JSON.stringify({ batch_id: randomUUID(), last_sync_timestamp: c.cursor, changes }),
  });
  const body = (await res.json()) as {
    new_sync_timestamp: number;
    results: { outcome: string }[];
    has_more: boolean;
  };
  const elapsed = performance.now() - started;
  if (res.status !== 200 || body.results.some((r) => r.outcome !== "applied")) {
    throw new Error(`push failed: ${res.status}`);
  }
  c.cursor = body.new_sync_timestamp;
  return elapsed;
}

/** GET /v1/sync/pull from the CHW's cursor; checks it returned `expect` records. */
async function pull(c: Chw, from: number, expect: number): Promise<number> {
  const started = performance.now();
  // The WatermelonDB timestamp is the seq cursor + 1 (it must be non-zero).
  const res = await fetch(
    `${API_BASE_URL}/v1/sync/pull?last_pulled_at=${from + 1}&schema_version=1`,
    {
      headers: { authorization: `Bearer ${c.token}` },
    },
  );
  const body = (await res.json()) as {
    changes: Record<string, { created: unknown[]; updated: unknown[]; deleted: unknown[] }>;
  };
  const elapsed = performance.now() - started;
  const n = Object.values(body.changes).reduce(
    (s, t) => s + t.created.length + t.updated.length,
    0,
  );
  if (res.status !== 200 || n !== expect) throw new Error(`pull returned ${n}, wanted ${expect}`);
  return elapsed;
}

/** The same 500 documents (same shapes, fresh ids) as one admin batched write. */
async function adminBatch(db: Firestore): Promise<number> {
  const { patients, cases } = records(500);
  const started = performance.now();
  const batch = db.batch();
  for (const p of patients)
    batch.set(db.doc(`patients/${String(p.id)}`), { ...p, chw_id: "bench-admin" });
  for (const c of cases)
    batch.set(db.doc(`cases/${String(c.id)}`), { ...c, chw_id: "bench-admin" });
  await batch.commit();
  return performance.now() - started;
}

/**
 * The emulator's floor for what our transaction does, without any of our code: read a receipt
 * and a scope document, create 500 documents with the server fields ours adds, write the scope,
 * the receipt and an audit entry, in one admin transaction.
 */
async function adminTransaction(db: Firestore, scope: string): Promise<number> {
  const { patients, cases } = records(500);
  const started = performance.now();
  await db.runTransaction(async (tx) => {
    const receipt = db.doc(`syncReceipts/${scope}__${randomUUID()}`);
    const [, have] = await tx.getAll(receipt, db.doc(`syncScopes/${scope}`));
    let seq = Number(have?.get("seq") ?? 0);
    const stamp = () => ({
      chw_id: scope,
      server_seq: ++seq,
      server_updated_at: FieldValue.serverTimestamp(),
      created_at: FieldValue.serverTimestamp(),
      created_seq: seq,
    });
    for (const p of patients) tx.create(db.doc(`patients/${String(p.id)}`), { ...p, ...stamp() });
    for (const c of cases) tx.create(db.doc(`cases/${String(c.id)}`), { ...c, ...stamp() });
    tx.set(db.doc(`syncScopes/${scope}`), { seq, count: seq, hash: "0".repeat(64) });
    tx.set(receipt, {
      results: [...patients, ...cases].map((r) => ({ id: r.id, outcome: "applied" })),
    });
    tx.set(db.collection("auditLogs").doc(), { actor: scope, at: FieldValue.serverTimestamp() });
  });
  return performance.now() - started;
}

/** The sync core's batch apply, called in this process against the emulator (no HTTP). */
async function core(db: Firestore, chwId: string): Promise<number> {
  const started = performance.now();
  const out = await receiveBatch(firestoreSyncStore(db), {
    format: "seed",
    chwId,
    batchId: randomUUID(),
    changes: records(500, { claimNew: true }) as unknown as Record<string, unknown[]>,
    source: "https",
    requestId: randomUUID(),
    nowMs: Date.now(),
  });
  const elapsed = performance.now() - started;
  if (out.results.some((r) => r.outcome !== "applied")) throw new Error("core apply failed");
  return elapsed;
}

async function push500VsAdmin(): Promise<BenchResult[]> {
  const db = getFirestore(emulatorAdminApp());
  const me = await chw();
  const inProcess = `bench-core-${randomUUID().slice(0, 8)}`;
  const txScope = `bench-tx-${randomUUID().slice(0, 8)}`;
  const ours: number[] = [];
  const admin: number[] = [];
  const coreMs: number[] = [];
  const txMs: number[] = [];
  await push(me, records(20)); // warm the worker, the token verifier and the schemas
  await core(db, inProcess);
  for (let round = 0; round < ROUNDS_PUSH500; round++) {
    // Interleaved, the order rotating, so no side always follows the heaviest one.
    const sides = [
      async () => ours.push(await push(me, records(500, { claimNew: true }))),
      async () => admin.push(await adminBatch(db)),
      async () => coreMs.push(await core(db, inProcess)),
      async () => txMs.push(await adminTransaction(db, txScope)),
    ];
    for (let i = 0; i < sides.length; i++) await sides[(round + i) % sides.length]!();
  }
  const p50 = percentile(ours, 50);
  const base = percentile(admin, 50);
  const c50 = percentile(coreMs, 50);
  const t50 = percentile(txMs, 50);
  return [
    {
      id: "sync.push500-vs-admin",
      issue: 18,
      title: "POST /v1/sync with 500 records against 500 docs in one admin batched write",
      figures: {
        push_p50_ms: p50,
        push_p95_ms: percentile(ours, 95),
        admin_p50_ms: base,
        admin_p95_ms: percentile(admin, 95),
        core_p50_ms: c50,
        admin_transaction_p50_ms: t50,
        rounds: ROUNDS_PUSH500,
      },
      ratio: {
        value: p50 / base,
        target: 1.5,
        kind: "max",
        definition: "POST /v1/sync p50 / admin batched write p50 (500 records, same emulator)",
      },
      latency: [
        latencySummary("POST /v1/sync, 500 records", ours),
        latencySummary("sync core in process, 500 records", coreMs),
        latencySummary("admin transaction, same reads and writes", txMs),
        latencySummary("admin batch.commit, 500 docs", admin),
      ],
      notes:
        "push = HTTPS + token + validation + the sync core (one transaction: receipt, scope, 500 creates, scope, receipt, audit; the records carry sync_status new, as seed clients send them, so none is read first) + the pull page of the answer. " +
        "core = the same sync core called in the bench process; admin transaction = the emulator's cost of our transaction's reads and writes with none of our code. " +
        "The case writes also fire updatePatientReview on every side, on the same two cores.",
    },
    {
      id: "sync.push500-where-the-time-goes",
      issue: 18,
      title: "push of 500 records decomposed: sync core against the emulator's own transaction",
      figures: {
        http_token_validation_pull_ms: p50 - c50,
        our_core_over_transaction_ms: c50 - t50,
        transaction_over_batch_ms: t50 - base,
        batch_ms: base,
      },
      ratio: {
        value: c50 / t50,
        target: 1.5,
        kind: "max",
        definition:
          "sync core p50 / bare admin transaction p50 with the same reads and writes (500 records)",
      },
      notes:
        "The differences of p50s are approximate (medians do not subtract exactly). A ratio near 1 means the time is the emulator's transaction, not our code.",
    },
  ];
}

async function pullBigVsSmall(): Promise<BenchResult> {
  const big = await chw();
  const small = await chw();
  for (let i = 0; i < 4; i++) await push(big, records(500));
  await push(small, records(20));
  const bigTimes: number[] = [];
  const smallTimes: number[] = [];
  for (let round = 0; round < ROUNDS_PULL; round++) {
    for (const [c, times] of [
      [big, bigTimes],
      [small, smallTimes],
    ] as const) {
      const from = c.cursor;
      await push(c, { patients: Array.from({ length: 10 }, patient) });
      times.push(await pull(c, from, 10));
    }
  }
  const b = percentile(bigTimes, 50);
  const s = percentile(smallTimes, 50);
  return {
    id: "sync.pull10-2000-vs-20",
    issue: 18,
    title: "GET /v1/sync/pull of 10 changes: CHW holding 2,000 records against one holding 20",
    figures: {
      big_p50_ms: b,
      big_p95_ms: percentile(bigTimes, 95),
      small_p50_ms: s,
      small_p95_ms: percentile(smallTimes, 95),
      rounds: ROUNDS_PULL,
    },
    ratio: {
      value: b / s,
      target: 1.1,
      kind: "max",
      definition: "pull p50 (2,000-record scope) / pull p50 (20-record scope), 10 changes each",
    },
    latency: [
      latencySummary("pull 10 of 2,000", bigTimes),
      latencySummary("pull 10 of 20", smallTimes),
    ],
  };
}

async function onePatientOneCase(): Promise<BenchResult> {
  const me = await chw();
  await push(me, records(2));
  const times: number[] = [];
  for (let i = 0; i < SAMPLES_SMALL; i++) times.push(await push(me, records(2)));
  return {
    id: "sync.push-one-case",
    issue: 3,
    title: "POST /v1/sync with one patient and one case (sequential)",
    figures: {
      p50_ms: percentile(times, 50),
      p95_ms: percentile(times, 95),
      samples: times.length,
    },
    latency: [latencySummary("POST /v1/sync, 1 patient + 1 case", times)],
  };
}

const bench: Bench = {
  name: "sync: push 500 vs admin, pull cost vs scope size, small-push latency",
  needs: "emulators",
  async run(): Promise<BenchResult[]> {
    return [...(await push500VsAdmin()), await pullBigVsSmall(), await onePatientOneCase()];
  },
};

export default bench;
