import { randomUUID } from "node:crypto";
import { getFirestore } from "firebase-admin/firestore";
import { emulatorAdminApp } from "../infra/src/seed";
import { API_BASE_URL } from "../infra/src/stack";
import { createUser } from "../functions/test/integration/sync-helpers";
import { percentile } from "./types";
import type { Bench, BenchResult } from "./types";

/*
 * Issue 3's sync figures, each measured side by side in one run on the local stack:
 * - POST /v1/sync with 500 records against the same 500 documents as one firebase-admin
 *   batched write on the same Firestore emulator (target ≤ 2.0);
 * - a pull of 10 changes for a CHW holding 2,000 records against one holding 20 (≤ 1.5: a
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

/** Half patients, half their cases: `n` records. */
function records(n: number): {
  patients: Record<string, unknown>[];
  cases: Record<string, unknown>[];
} {
  const patients = Array.from({ length: Math.ceil(n / 2) }, patient);
  const cases = patients.slice(0, Math.floor(n / 2)).map((p) => kase(String(p.id)));
  return { patients, cases };
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

function summary(label: string, samples: number[]) {
  return {
    label,
    samples: samples.length,
    p50: percentile(samples, 50),
    p95: percentile(samples, 95),
    p99: percentile(samples, 99),
  };
}

async function push500VsAdmin(): Promise<BenchResult> {
  const db = getFirestore(emulatorAdminApp());
  const me = await chw();
  const ours: number[] = [];
  const admin: number[] = [];
  await push(me, records(20)); // warm the worker, the token verifier and the schemas
  for (let round = 0; round < ROUNDS_PUSH500; round++) {
    ours.push(await push(me, records(500)));
    // The same 500 documents (same shapes, fresh ids) as one batched write.
    const { patients, cases } = records(500);
    const started = performance.now();
    const batch = db.batch();
    for (const p of patients)
      batch.set(db.doc(`patients/${String(p.id)}`), { ...p, chw_id: "bench-admin" });
    for (const c of cases)
      batch.set(db.doc(`cases/${String(c.id)}`), { ...c, chw_id: "bench-admin" });
    await batch.commit();
    admin.push(performance.now() - started);
  }
  const p50 = percentile(ours, 50);
  const base = percentile(admin, 50);
  return {
    id: "sync.push500-vs-admin",
    issue: 3,
    title: "POST /v1/sync with 500 records against 500 docs in one admin batched write",
    figures: {
      push_p50_ms: p50,
      push_p95_ms: percentile(ours, 95),
      admin_p50_ms: base,
      admin_p95_ms: percentile(admin, 95),
      rounds: ROUNDS_PUSH500,
    },
    ratio: {
      value: p50 / base,
      target: 2,
      kind: "max",
      definition: "POST /v1/sync p50 / admin batched write p50 (500 records, same emulator)",
    },
    latency: [
      summary("POST /v1/sync, 500 records", ours),
      summary("admin batch.commit, 500 docs", admin),
    ],
    notes:
      "push = HTTPS + token + validation + a read of the 500 records + one transaction (records, scope, receipt, audit) + the pull page of the answer; the case writes also fire updatePatientReview, which runs on the same two cores",
  };
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
    issue: 3,
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
      target: 1.5,
      kind: "max",
      definition: "pull p50 (2,000-record scope) / pull p50 (20-record scope), 10 changes each",
    },
    latency: [summary("pull 10 of 2,000", bigTimes), summary("pull 10 of 20", smallTimes)],
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
    latency: [summary("POST /v1/sync, 1 patient + 1 case", times)],
  };
}

const bench: Bench = {
  name: "sync: push 500 vs admin, pull cost vs scope size, small-push latency",
  needs: "emulators",
  async run(): Promise<BenchResult[]> {
    return [await push500VsAdmin(), await pullBigVsSmall(), await onePatientOneCase()];
  },
};

export default bench;
