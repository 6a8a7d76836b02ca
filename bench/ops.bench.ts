import { randomUUID } from "node:crypto";
import { API_BASE_URL } from "../infra/src/stack";
import { doc as webDoc, setDoc } from "firebase/firestore";
import type { Firestore as WebFirestore } from "firebase/firestore";
import {
  adminDb,
  createUser,
  device,
  kase,
  patient,
} from "../functions/test/integration/sync-helpers";
import { OP_COUNTS_COLLECTION, parseOps } from "../functions/src/adapters/op-counter";
import type { OpCounts, TriggerOpCounts } from "../functions/src/adapters/op-counter";
import type { Bench, BenchResult } from "./types";

/*
 * Issue 18's operation counts: the Firestore reads, writes and deletes each HTTP call billed,
 * measured by the functions' opt-in counting wrapper (the harness starts the stack with
 * FIRESTORE_COUNT_OPS=1) and read back from each answer's `x-firestore-ops` header, never
 * derived from our code. Figures are per applied record for a push of new records (seed format
 * with sync_status "new", WatermelonDB `created`), for the same push without the new hint
 * (every stored document read first), and per pull page. The counts include the API's account
 * check (one read of users/{uid} per request).
 * Background functions (applySync, the AI pipeline's relay and analyzeCase, updatePatientReview,
 * onDiagnosisWritten) count theirs per invocation into `benchOpCounts` on that stack only
 * (`countedTrigger`), which `triggerOps` reads back by the documents the work was about.
 */

const RECORDS = 100;
/** Records of the outbox-route batch (each case write also runs updatePatientReview). */
const OUTBOX_RECORDS = 20;

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
  if (res.status < 200 || res.status > 299) throw new Error(`${path}: HTTP ${res.status}`);
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

/** Sums `a` and `b`. */
const plus = (a: OpCounts, b: OpCounts): OpCounts => ({
  reads: a.reads + b.reads,
  writes: a.writes + b.writes,
  deletes: a.deletes + b.deletes,
});
const NONE: OpCounts = { reads: 0, writes: 0, deletes: 0 };

/** Counts of the background invocations since `sinceMs` whose subject names one of `ids`, by function. */
async function triggerOps(
  sinceMs: number,
  ids: readonly string[],
): Promise<Map<string, OpCounts & { invocations: number }>> {
  const snap = await adminDb().collection(OP_COUNTS_COLLECTION).where("at_ms", ">=", sinceMs).get();
  const out = new Map<string, OpCounts & { invocations: number }>();
  for (const d of snap.docs) {
    const r = d.data() as TriggerOpCounts;
    if (!ids.some((id) => r.subject.includes(id))) continue;
    const t = out.get(r.fn) ?? { ...NONE, invocations: 0 };
    out.set(r.fn, { ...plus(t, r), invocations: t.invocations + 1 });
  }
  return out;
}

/** Waits until no new matching invocation has been recorded for `quietMs` (triggers run late). */
async function settledTriggerOps(sinceMs: number, ids: readonly string[], quietMs = 4000) {
  let last = -1;
  let stableSince = Date.now();
  const deadline = Date.now() + 120_000;
  for (;;) {
    const now = await triggerOps(sinceMs, ids);
    const n = [...now.values()].reduce((a, t) => a + t.invocations, 0);
    if (n !== last) {
      last = n;
      stableSince = Date.now();
    } else if (Date.now() - stableSince >= quietMs) return now;
    if (Date.now() > deadline) throw new Error("background functions did not settle");
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Flattens per-function counts into figures `<prefix>_<fn>_{reads,writes,deletes,invocations}`. */
function triggerFigures(
  prefix: string,
  t: Map<string, OpCounts & { invocations: number }>,
  per = 1,
) {
  const out: Record<string, number> = {};
  for (const [fn, c] of [...t.entries()].sort()) {
    out[`${prefix}_${fn}_invocations_count`] = c.invocations / per;
    out[`${prefix}_${fn}_reads_count`] = c.reads / per;
    out[`${prefix}_${fn}_writes_count`] = c.writes / per;
    if (c.deletes) out[`${prefix}_${fn}_deletes_count`] = c.deletes / per;
  }
  return out;
}

/**
 * Writes a `syncBatches` document as the CHW's device does and waits until applySync processed
 * it (on a loaded machine the functions emulator can take minutes to deliver the event).
 */
async function writeBatch(device: WebFirestore, id: string, doc: Record<string, unknown>) {
  await setDoc(webDoc(device, "syncBatches", id), doc);
  const ref = adminDb().doc(`syncBatches/${id}`);
  return until(
    async () => {
      const d = (await ref.get()).data();
      return d?.status ? d : undefined;
    },
    `batch ${id} processed`,
    600_000,
  );
}

const sumOf = (t: Map<string, OpCounts & { invocations: number }>) =>
  [...t.values()].reduce<OpCounts>((a, b) => plus(a, b), NONE);

async function until<T>(
  check: () => Promise<T | undefined>,
  what: string,
  ms = 60_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const redTriage = {
  body_site: "left forearm",
  duration_days: 30,
  symptoms: ["itching", "colour change"],
  danger_signs: ["bleeding"],
};

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

    // The outbox route as the app uses it: a `syncBatches` document (one write by the device),
    // applied by the trigger; once as one batch of RECORDS records, once as one save per batch.
    const ob = await createUser("chw", "bench-ops");
    const big = seedRecords(OUTBOX_RECORDS, false);
    const bigId = randomUUID();
    const tBig = Date.now();
    const obDevice = await device(ob);
    const bigDoc = await writeBatch(obDevice.db, bigId, {
      chw_id: ob.uid,
      device_id: "bench-ops",
      changes: big,
    });
    const bigApplied = applied(bigDoc);
    if (bigApplied !== OUTBOX_RECORDS)
      throw new Error(`outbox: ${bigApplied} of ${OUTBOX_RECORDS} applied`);
    const bigCaseIds = big.cases.map((x) => String(x.id));
    const bigOps = await settledTriggerOps(tBig, [bigId, ...bigCaseIds]);
    const bigApply = bigOps.get("applySync") ?? { ...NONE, invocations: 0 };
    const SINGLES = 10;
    const singleIds: string[] = [];
    const tSingle = Date.now();
    for (let i = 0; i < SINGLES; i++) {
      const id = randomUUID();
      singleIds.push(id);
      await writeBatch(obDevice.db, id, {
        chw_id: ob.uid,
        device_id: "bench-ops",
        changes: { patients: [patient()] },
      });
    }
    const singleOps = await settledTriggerOps(tSingle, singleIds);
    const singleApply = singleOps.get("applySync") ?? { ...NONE, invocations: 0 };

    // One AI analysis, end to end: a RED case pushed (against the same push of a GREEN case),
    // the outbox relay, analyzeCase and the case writes they cause, until ai_analysis is stored.
    const ai = await createUser("chw", "bench-ops");
    const aiPatient = patient();
    await call("POST", "/v1/sync", ai.token, {
      last_sync_timestamp: null,
      batch_id: randomUUID(),
      changes: { patients: [aiPatient] },
    });
    const green = kase(String(aiPatient.id), { images: [] });
    const tGreen = Date.now();
    const greenPush = await call("POST", "/v1/sync", ai.token, {
      last_sync_timestamp: null,
      batch_id: randomUUID(),
      changes: { cases: [green] },
    });
    const greenTriggers = await settledTriggerOps(tGreen, [String(green.id)]);
    const red = kase(String(aiPatient.id), {
      risk_level: "RED",
      triage_data: redTriage,
      images: [],
    });
    const redId = String(red.id);
    const tRed = Date.now();
    const redPush = await call("POST", "/v1/sync", ai.token, {
      last_sync_timestamp: null,
      batch_id: randomUUID(),
      changes: { cases: [red] },
    });
    await until(async () => {
      const snap = await adminDb().doc(`cases/${redId}`).get();
      return snap.get("ai_analysis.job_key") ? true : undefined;
    }, "ai_analysis on the RED case");
    const redTriggers = await settledTriggerOps(tRed, [redId]);
    const aiPipeline = plus(
      {
        reads: redPush.ops.reads - greenPush.ops.reads,
        writes: redPush.ops.writes - greenPush.ops.writes,
        deletes: redPush.ops.deletes - greenPush.ops.deletes,
      },
      {
        reads: sumOf(redTriggers).reads - sumOf(greenTriggers).reads,
        writes: sumOf(redTriggers).writes - sumOf(greenTriggers).writes,
        deletes: sumOf(redTriggers).deletes - sumOf(greenTriggers).deletes,
      },
    );

    // One diagnosis: the doctor's POST, onDiagnosisWritten and the case writes it causes, and
    // the CHW's next pull that delivers it.
    const doctor = await createUser("doctor", "bench-ops");
    const status = await until(async () => {
      const s = (await adminDb().doc(`cases/${redId}`).get()).get("status") as string | undefined;
      return s === "PENDING_DIAGNOSIS" ? s : undefined;
    }, "the RED case pending diagnosis");
    const dxId = randomUUID();
    const cursorBefore = Number((await adminDb().doc(`syncScopes/${ai.uid}`).get()).get("seq"));
    const tDx = Date.now();
    const dx = await call("POST", `/v1/cases/${redId}/diagnoses`, doctor.token, {
      id: dxId,
      diagnosis_text: "Seborrhoeic keratosis",
      prescription: null,
    });
    const dxTriggers = await settledTriggerOps(tDx, [dxId, redId]);
    const delivery = await call(
      "GET",
      `/v1/sync/pull?last_pulled_at=${cursorBefore}&schema_version=1`,
      ai.token,
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
      {
        id: "ops.outbox-per-record",
        issue: 18,
        title: `The syncBatches route: operations per applied record, trigger included (${OUTBOX_RECORDS} records in one batch; ${SINGLES} one-record batches)`,
        figures: {
          batch_applied_count: bigApplied,
          batch_apply_reads_per_record: bigApply.reads / OUTBOX_RECORDS,
          batch_apply_writes_per_record: (bigApply.writes + 1) / OUTBOX_RECORDS,
          ...triggerFigures("batch_per_record", bigOps, OUTBOX_RECORDS),
          single_apply_reads_per_record: singleApply.reads / SINGLES,
          single_apply_writes_per_record: (singleApply.writes + 1) / SINGLES,
          ...triggerFigures("single_per_batch", singleOps, SINGLES),
        },
        ratio: {
          value: (sumOf(bigOps).writes + 1) / OUTBOX_RECORDS,
          target: 1.2,
          kind: "max",
          definition: `Firestore writes per applied record on the syncBatches route, ${OUTBOX_RECORDS} records in one batch: the device's batch write + every background function's writes (counted)`,
        },
        notes:
          "writes include the device's one batch-document write; the batch document is the batch's receipt (its outcome is written in the records' commit); updatePatientReview runs once per case write (a no-op read unless the review changed). One-record batches are the shape of a save made online; saves made offline leave as one batch per reconnect.",
      },
      {
        id: "ops.ai-analysis",
        issue: 18,
        title:
          "One AI analysis end to end: a RED case's push, relay, analyzeCase and write-back, over the same push of a GREEN case",
        figures: {
          analysis_reads_count: aiPipeline.reads,
          analysis_writes_count: aiPipeline.writes,
          analysis_deletes_count: aiPipeline.deletes,
          red_push_reads_count: redPush.ops.reads,
          red_push_writes_count: redPush.ops.writes,
          green_push_writes_count: greenPush.ops.writes,
          ...triggerFigures("red", redTriggers),
          ...triggerFigures("green", greenTriggers),
        },
        notes: "the stand-in model answers at once; a case without photos (one synthesis call)",
      },
      {
        id: "ops.diagnosis",
        issue: 18,
        title:
          "One diagnosis: the doctor's POST, onDiagnosisWritten, the case writes, and the CHW pull that delivers it",
        figures: {
          api_reads_count: dx.ops.reads,
          api_writes_count: dx.ops.writes,
          ...triggerFigures("after", dxTriggers),
          delivering_pull_reads_count: delivery.ops.reads,
          delivering_pull_writes_count: delivery.ops.writes,
          diagnosis_total_reads_count: dx.ops.reads + sumOf(dxTriggers).reads + delivery.ops.reads,
          diagnosis_total_writes_count:
            dx.ops.writes + sumOf(dxTriggers).writes + delivery.ops.writes,
        },
        notes: `case ${status} before the POST; the delivering pull also carries the case's own change`,
      },
    ];
  },
};
export default bench;
