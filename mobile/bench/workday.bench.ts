/**
 * A typical CHW day end to end (issue 18), counted: 20 patients, 30 cases, 60 photos and
 * 3 reconnects. The app's real sync engine saves every record offline (held on the device and
 * sent as one outbox batch when the network returns, as the app does), the network comes back
 * three times, the trigger applies the batches, the listeners deliver the results, and each case's two photos are uploaded: the
 * upload grant through the API, then the verification `verifyImage` runs on the stored object,
 * called here on a counted Firestore handle with a labelled in-memory stand-in for Cloud
 * Storage (no bytes go to a store). RED cases run the AI pipeline (relay, analyzeCase) with the
 * stand-in model. Counted: the device's Firestore port (writes, listener document updates,
 * server reads), bytes through the byte-counting proxy, every API call's `x-firestore-ops`,
 * and every background invocation's counts (`benchOpCounts`), so docs/cost.md prices a day
 * from measurements.
 */
import { randomUUID } from "node:crypto";
import { getFirestore } from "firebase-admin/firestore";
import type { Bench, BenchResult } from "../../bench/types";
import {
  OP_COUNTS_COLLECTION,
  countOperations,
  parseOps,
  withOpCounts,
} from "../../functions/src/adapters/op-counter";
import type { OpCounts, TriggerOpCounts } from "../../functions/src/adapters/op-counter";
import { isTerminal } from "../../functions/src/domain/analysis-job";
import type { ImageStore } from "../../functions/src/domain/image-store";
import { handleObjectFinalized } from "../../functions/src/triggers/verify-image";
import { photo } from "../../functions/test/integration/images-support";
import { adminDb, createUser } from "../../functions/test/integration/sync-helpers";
import { emulatorAdminApp } from "../../infra/src/seed";
import { API_BASE_URL, PORTS } from "../../infra/src/stack";
import { byteProxy, client, loadApp, until } from "./wire-kit";

const PATIENTS = [7, 7, 6];
const CASES_PER_RECONNECT = 10;
const PHOTOS_PER_CASE = 2;
/** Record states that mean the server has applied the record (record-state.ts). */
const SERVER_HAS = new Set(["applied", "analysed", "diagnosed"]);

/** Of each reconnect's ten cases: one RED (AI analysis), three YELLOW, six GREEN. */
const riskOf = (i: number) => (i === 0 ? "RED" : i <= 3 ? "YELLOW" : "GREEN");

const plus = (a: OpCounts, b: OpCounts): OpCounts => ({
  reads: a.reads + b.reads,
  writes: a.writes + b.writes,
  deletes: a.deletes + b.deletes,
});
const NONE: OpCounts = { reads: 0, writes: 0, deletes: 0 };

/** Cloud Storage stand-in for verification: the bytes the device would have uploaded. */
function heldBytes(objects: Map<string, Buffer>): ImageStore {
  return {
    signUpload: () => Promise.reject(new Error("not used by verification")),
    signDownload: () => Promise.reject(new Error("not used by verification")),
    read: (key) => Promise.resolve(objects.get(key)),
    remove: (key) => {
      objects.delete(key);
      return Promise.resolve();
    },
  };
}

const bench: Bench = {
  name: "CHW day: 20 patients, 30 cases, 60 photos, 3 reconnects, counted end to end",
  needs: "emulators",
  async run(): Promise<BenchResult[]> {
    const app = loadApp();
    const chw = await createUser("chw", "bench-day");
    const ids: string[] = [];
    const newId = () => {
      const id = randomUUID();
      ids.push(id);
      return id;
    };
    const proxy = await byteProxy(PORTS.firestore);
    const device = await client(chw, proxy.port);
    const counting = app.countingFirestorePort(app.createWebFirestorePort(device.db));
    const uploads = new app.UploadQueue({
      kv: app.memoryStore(),
      photos: app.memoryPhotoStore(),
      // The bench uploads each photo itself (below), so the engine's queue stays offline.
      requestUpload: () => Promise.resolve({ kind: "offline", temporary: true }),
      put: () => Promise.reject(new Error("unused")),
      now: Date.now,
    });
    const engine = new app.SyncEngine(
      { chwId: chw.uid, deviceId: `day-${randomUUID().slice(0, 8)}` },
      { firestore: counting.port, kv: app.memoryStore(), uploads, now: Date.now, newId },
    );
    await engine.start();
    await until(() => engine.getSnapshot().completeness.kind === "complete", "empty scope", 60_000);

    const verifyDb = countOperations(getFirestore(emulatorAdminApp()));
    const objects = new Map<string, Buffer>();
    const store = heldBytes(objects);
    const t0 = Date.now();
    counting.reset();
    const bytes0 = proxy.bytes();
    let api = NONE;
    let apiCalls = 0;
    let verify = NONE;
    let photoBytes = 0;
    let photoSeed = 0;
    const saved: string[] = [];
    const redCases: string[] = [];

    for (const [cycle, nPatients] of PATIENTS.entries()) {
      await counting.port.setNetworkEnabled(false);
      engine.setOnline(false);
      const patients: string[] = [];
      for (let i = 0; i < nPatients; i++) {
        const r = engine.savePatient({
          demographics: {
            name: `Day ${cycle}-${i}`,
            sex: "female",
            age_years: 31,
            village: "Bondo",
          },
        });
        if (r.kind !== "ok") throw new Error("patient not saved");
        patients.push(r.id);
        saved.push(r.id);
      }
      const cases: { id: string; photos: Awaited<ReturnType<typeof photo>>[] }[] = [];
      for (let i = 0; i < CASES_PER_RECONNECT; i++) {
        const photos = await Promise.all(
          Array.from({ length: PHOTOS_PER_CASE }, () => photo(++photoSeed)),
        );
        const risk = riskOf(i);
        const r = await engine.saveCase(
          {
            patient_id: patients[i % patients.length]!,
            risk_level: risk,
            images: photos.map((p) => ({
              sha256: p.sha256,
              content_type: p.content_type,
              bytes: p.bytes.length,
            })),
            triage_data: {
              body_site: "left forearm",
              duration_days: 14,
              symptoms: ["itch"],
              danger_signs: risk === "RED" ? ["bleeding"] : [],
            },
          },
          photos.map((p) => ({ sha256: p.sha256, contentType: p.content_type, bytes: p.bytes })),
        );
        if (r.kind !== "ok") throw new Error(`case not saved: ${r.kind}`);
        cases.push({ id: r.id, photos });
        saved.push(r.id);
        if (risk === "RED") redCases.push(r.id);
      }
      // Reconnect: the SDK sends the queued batches; the trigger applies them one by one.
      await counting.port.setNetworkEnabled(true);
      engine.setOnline(true);
      await until(
        () => {
          const s = engine.getSnapshot();
          const states = new Map(
            [...s.records.patients, ...s.records.cases].map((v) => [v.record.id, v.state.kind]),
          );
          // Applied, or further along: a RED case of an earlier reconnect may be analysed by now.
          return saved.every((id) => SERVER_HAS.has(String(states.get(id))));
        },
        `reconnect ${cycle + 1}: every record applied`,
        600_000,
      );
      // Photos: the upload grant (API), then the verification of the stored object.
      for (const c of cases) {
        for (const p of c.photos) {
          const res = await fetch(`${API_BASE_URL}/v1/cases/${c.id}/images`, {
            method: "POST",
            headers: { authorization: `Bearer ${chw.token}`, "content-type": "application/json" },
            body: JSON.stringify({
              sha256: p.sha256,
              content_type: p.content_type,
              bytes: p.bytes.length,
            }),
          });
          const grant = (await res.json()) as { image_key?: string };
          const ops = parseOps(res.headers.get("x-firestore-ops"));
          if (res.status !== 200 || !grant.image_key || !ops)
            throw new Error(`upload grant answered ${res.status}`);
          api = plus(api, ops);
          apiCalls++;
          photoBytes += p.bytes.length;
          objects.set(grant.image_key, p.bytes);
          const { value: outcome, ops: vOps } = await withOpCounts(() =>
            handleObjectFinalized(
              { name: grant.image_key!, size: p.bytes.length },
              { db: verifyDb, store, now: () => Date.now() },
            ),
          );
          if (outcome !== "verified") throw new Error(`photo ${outcome}`);
          verify = plus(verify, vOps);
        }
      }
    }

    // The RED cases' analyses (photos give them new content versions) and every trigger.
    await until(
      async () => {
        const jobs = await adminDb()
          .collection("analysisJobs")
          .where("chw_id", "==", chw.uid)
          .get();
        return jobs.size > 0 && jobs.docs.every((d) => isTerminal(d.get("state")));
      },
      "the day's analyses",
      600_000,
    );
    let triggers = new Map<string, OpCounts & { invocations: number; ms: number }>();
    let lastCount = -1;
    let stableSince = Date.now();
    for (;;) {
      const snap = await adminDb().collection(OP_COUNTS_COLLECTION).where("at_ms", ">=", t0).get();
      const next = new Map<string, OpCounts & { invocations: number; ms: number }>();
      for (const d of snap.docs) {
        const r = d.data() as TriggerOpCounts;
        if (!ids.some((id) => r.subject.includes(id))) continue;
        const t = next.get(r.fn) ?? { ...NONE, invocations: 0, ms: 0 };
        next.set(r.fn, {
          ...plus(t, r),
          invocations: t.invocations + 1,
          ms: t.ms + (r.duration_ms ?? 0),
        });
      }
      triggers = next;
      const n = snap.size;
      if (n !== lastCount) {
        lastCount = n;
        stableSince = Date.now();
      } else if (Date.now() - stableSince > 5000) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const dayMs = Date.now() - t0;
    const bytes1 = proxy.bytes();
    const port = app.totalOf(counting.tally());
    const tally = counting.tally();
    engine.stop();
    await device.close();
    proxy.close();

    const triggerTotal = [...triggers.values()].reduce<OpCounts>((a, b) => plus(a, b), NONE);
    const records = saved.length;
    const deviceOps: OpCounts = {
      reads: port.listenerDocs + port.serverReads,
      writes: port.writes,
      deletes: 0,
    };
    const total = plus(plus(plus(deviceOps, api), verify), triggerTotal);
    const invocations = [...triggers.values()].reduce((a, b) => a + b.invocations, 0);
    const figures: Record<string, number> = {
      records_count: records,
      photos_count: apiCalls,
      red_cases_count: redCases.length,
      day_reads_count: total.reads,
      day_writes_count: total.writes,
      day_deletes_count: total.deletes,
      writes_per_applied_record: Number((total.writes / records).toFixed(3)),
      // The day's writes by what they are for: syncing records (the device's batches and their
      // apply, analysis jobs queued included) and photos (upload grant and verification).
      sync_writes_per_applied_record: Number(
        ((port.writes + (triggers.get("applySync")?.writes ?? 0)) / records).toFixed(3),
      ),
      photo_writes_per_photo: Number(((api.writes + verify.writes) / apiCalls).toFixed(3)),
      device_batch_writes_count: port.writes,
      device_listener_docs_count: port.listenerDocs,
      device_server_reads_count: port.serverReads,
      api_calls_count: apiCalls,
      api_reads_count: api.reads,
      api_writes_count: api.writes,
      verify_invocations_count: apiCalls,
      verify_reads_count: verify.reads,
      verify_writes_count: verify.writes,
      verify_deletes_count: verify.deletes,
      background_invocations_count: invocations,
      firestore_down_bytes: bytes1.down - bytes0.down,
      firestore_up_bytes: bytes1.up - bytes0.up,
      synthetic_photo_bytes: photoBytes,
      day_wall_ms: dayMs,
    };
    for (const [c, t] of Object.entries(tally))
      figures[`listener_docs_${c}_count`] = t.listenerDocs;
    for (const [fn, t] of [...triggers.entries()].sort()) {
      figures[`${fn}_invocations_count`] = t.invocations;
      figures[`${fn}_reads_count`] = t.reads;
      figures[`${fn}_writes_count`] = t.writes;
      if (t.deletes) figures[`${fn}_deletes_count`] = t.deletes;
      figures[`${fn}_wall_ms_per_invocation`] = Math.round(t.ms / t.invocations);
    }
    return [
      {
        id: "ops.chw-day",
        issue: 18,
        title:
          "A CHW day (20 patients, 30 cases, 60 photos, 3 reconnects): every Firestore operation, counted",
        figures,
        ratio: {
          value: Number((total.writes / records).toFixed(3)),
          target: 1.2,
          kind: "max",
          definition:
            "Firestore writes of the whole day (device, API, verification, every background function) / records applied",
        },
        notes:
          "saves made offline leave as one outbox batch per reconnect, as the app does; 3 RED / 9 YELLOW / 18 GREEN cases; photos are small synthetic JPEGs (bytes of real photos are priced in docs/cost.md); wall times are this loaded machine's, an upper bound",
      },
    ];
  },
};
export default bench;
