/**
 * Bytes on the wire and listener document updates of a CHW's sync (issue 18), on the local
 * stack. A fresh device signs in to a CHW holding 500 records (a few created the way the app
 * creates them, as `syncBatches` outbox documents, the rest over HTTP) and runs the app's real sync engine through the
 * Firebase JS SDK. Its Firestore connection goes through a TCP byte-counting proxy in front of
 * the emulator, so the figures are the bytes the SDK actually sent and received (gRPC over
 * HTTP/2, as the native SDKs use; no TLS on loopback, see docs/cost.md), and the app's
 * Firestore port is wrapped in the counting decorator (src/lib/firebase/counting-firestore.ts),
 * so listener document updates are counted where the app sees them. Then the steady state:
 * records another device pushes, and records this device saves, per record. HTTP routes: the
 * answer bytes of a first pull and of pushes, as sent and gzip-compressed.
 */
import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { gzipSync } from "node:zlib";
import type { Bench, BenchResult } from "../../bench/types";
import { createUser, kase, patient, seedSync } from "../../functions/test/integration/sync-helpers";
import { API_BASE_URL, PORTS } from "../../infra/src/stack";
import type { FirestorePort } from "../src/lib/firebase/firestore-port";
import type { PortTally } from "../src/lib/firebase/counting-firestore";
import { byteProxy, client, loadApp, until, writeAndApply } from "./wire-kit";

const RECORDS = 500;
const PER_BATCH = 10;
/** Outbox batches in the CHW's history (the rest of the records arrive over HTTP). */
const OUTBOX_BATCHES = 5;
const STEADY = 10;
/** CHT's first-sync yardsticks for a user holding about 10,000 documents. */
const SATISFYING_S = 180;
const FRUSTRATING_S = 360;
const LINK_BITS_PER_S = 250_000;

/** Answer bytes of an API call as sent (identity) and whether the server compressed it. */
function rawCall(
  method: "GET" | "POST",
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; bytes: number; encoding: string | undefined; text: string }> {
  const url = new URL(`${API_BASE_URL}${path}`);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          "accept-encoding": "identity",
          ...(payload && { "content-type": "application/json" }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const buf = Buffer.concat(chunks);
          resolve({
            status: res.statusCode ?? 0,
            bytes: buf.length,
            encoding: res.headers["content-encoding"],
            text: buf.toString("utf8"),
          });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

const gz = (s: string) => gzipSync(Buffer.from(s)).length;
const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));

/** The records of one CHW: half patients, half their cases, seed format. */
function records(n: number) {
  const patients: Record<string, unknown>[] = [];
  const cases: Record<string, unknown>[] = [];
  for (let i = 0; i < n / 2; i++) {
    const p = patient({
      demographics: {
        name: `Wire ${i}`,
        sex: "female",
        age_years: 20 + (i % 50),
        village: "Bondo",
      },
    });
    patients.push(p);
    cases.push(kase(String(p.id)));
  }
  return { patients, cases };
}

const bench: Bench = {
  name: "wire: first-sync and steady-state bytes and listener updates (500 records)",
  needs: "emulators",
  async run(): Promise<BenchResult[]> {
    const {
      SyncEngine,
      UploadQueue,
      memoryStore,
      memoryPhotoStore,
      createWebFirestorePort,
      countingFirestorePort,
      totalOf,
    } = loadApp();

    const engineOn = async (firestore: FirestorePort, chwId: string) => {
      const uploads = new UploadQueue({
        kv: memoryStore(),
        photos: memoryPhotoStore(),
        // Photos are priced separately (docs/cost.md); these cases' photos stay on the device.
        requestUpload: () => Promise.resolve({ kind: "offline", temporary: true }),
        put: () => Promise.reject(new Error("unused")),
        now: Date.now,
      });
      const engine = new SyncEngine(
        { chwId, deviceId: `wire-${randomUUID().slice(0, 8)}` },
        {
          firestore,
          kv: memoryStore(),
          uploads,
          now: Date.now,
          newId: randomUUID,
          repullDelayMs: 2000,
        },
      );
      await engine.start();
      return engine;
    };

    const chw = await createUser("chw", "bench-wire");
    // The CHW's history as the app leaves it: outbox batches, applied by the trigger.
    const all = records(RECORDS);
    const rawJson = [...all.patients, ...all.cases].reduce((n, r) => n + jsonBytes(r), 0);
    // A few outbox batches (the app's route; the trigger is slow on a loaded machine, so most
    // records come over HTTP: the same stored documents, without their outbox echo).
    const seeder = await client(chw, PORTS.firestore);
    const viaOutbox = OUTBOX_BATCHES * PER_BATCH;
    for (let i = 0; i < viaOutbox / 2; i += PER_BATCH / 2) {
      const batch = {
        chw_id: chw.uid,
        device_id: "wire-seeder",
        changes: {
          patients: all.patients.slice(i, i + PER_BATCH / 2),
          cases: all.cases.slice(i, i + PER_BATCH / 2),
        },
      };
      await writeAndApply(seeder.db, randomUUID(), batch);
    }
    await seeder.close();
    for (let i = viaOutbox / 2; i < RECORDS / 2; i += 125) {
      const res = await seedSync(chw.token, {
        batch_id: randomUUID(),
        changes: { patients: all.patients.slice(i, i + 125), cases: all.cases.slice(i, i + 125) },
      });
      if (res.status !== 200) throw new Error(`seeding answered ${res.status}`);
    }

    // First sign-in of a fresh device.
    const proxy = await byteProxy(PORTS.firestore);
    const device = await client(chw, proxy.port);
    const counting = countingFirestorePort(createWebFirestorePort(device.db));
    const afterSignIn = proxy.bytes();
    const t0 = Date.now();
    const engine = await engineOn(counting.port, chw.uid);
    await until(
      () => {
        const s = engine.getSnapshot();
        return (
          s.completeness.kind === "complete" &&
          s.records.patients.length + s.records.cases.length === RECORDS
        );
      },
      "first sync complete",
      180_000,
    );
    const firstSyncMs = Date.now() - t0;
    const first = proxy.bytes();
    const firstDown = first.down - afterSignIn.down;
    const firstUp = first.up - afterSignIn.up;
    const firstTally: PortTally = counting.tally();
    const firstTotal = totalOf(firstTally);
    const repulls = engine.getSnapshot().history.filter((h) => h.kind === "repull").length;

    // Steady state 1: records another device (here the HTTP route) pushes reach this device.
    counting.reset();
    const tIncoming = Date.now();
    const before1 = proxy.bytes();
    const other = records(STEADY);
    const pushed = await seedSync(chw.token, { batch_id: randomUUID(), changes: other });
    if (pushed.status !== 200) throw new Error(`push answered ${pushed.status}`);
    await until(
      () =>
        engine.getSnapshot().records.patients.length + engine.getSnapshot().records.cases.length ===
        RECORDS + STEADY,
      "pushed records delivered",
      60_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const after1 = proxy.bytes();
    const incomingTally = totalOf(counting.tally());
    const repullsSince = (t: number) =>
      engine.getSnapshot().history.filter((h) => h.kind === "repull" && h.at >= t).length;
    const incomingRepulls = repullsSince(tIncoming);

    // Steady state 2: this device saves records (outbox batch up, receipt and records down).
    counting.reset();
    const tSaved = Date.now();
    const before2 = proxy.bytes();
    const saved: string[] = [];
    for (let i = 0; i < STEADY; i++) {
      const r = engine.savePatient({
        demographics: { name: `Saved ${i}`, sex: "male", age_years: 40, village: "Bondo" },
      });
      if (r.kind === "ok") saved.push(r.id);
    }
    const savedRaw = saved.length;
    await until(
      () => {
        const s = engine.getSnapshot();
        return saved.every(
          (id) => s.records.patients.find((p) => p.record.id === id)?.state.kind === "applied",
        );
      },
      "saved records applied",
      120_000,
    );
    await new Promise((r) => setTimeout(r, 1500));
    const after2 = proxy.bytes();
    const savedTally = totalOf(counting.tally());
    const savedRepulls = repullsSince(tSaved);
    const savedJson = engine
      .getSnapshot()
      .records.patients.filter((p) => saved.includes(p.record.id))
      .reduce((n, p) => n + jsonBytes(p.record), 0);
    engine.stop();
    await device.close();
    proxy.close();

    // HTTP routes: answer bytes as sent and gzip-compressed.
    const pull = await rawCall(
      "GET",
      "/v1/sync/pull?last_pulled_at=null&schema_version=2",
      chw.token,
    );
    const pullRecords = (() => {
      const c =
        (
          JSON.parse(pull.text) as {
            changes?: Record<string, { created?: unknown[]; updated?: unknown[] }>;
          }
        ).changes ?? {};
      return Object.values(c).reduce(
        (n, t) => n + (t.created?.length ?? 0) + (t.updated?.length ?? 0),
        0,
      );
    })();
    const cursor = (JSON.parse(pull.text) as { timestamp?: number }).timestamp ?? null;
    const pushBody = {
      last_sync_timestamp: cursor,
      batch_id: randomUUID(),
      changes: records(STEADY),
    };
    const seedPush = await rawCall("POST", "/v1/sync", chw.token, pushBody);
    if (pull.status !== 200 || seedPush.status !== 200)
      throw new Error(`HTTP routes answered ${pull.status}/${seedPush.status}`);

    const perRecordFirst = firstDown / RECORDS;
    const tenK = perRecordFirst * 10_000;
    const tenKSeconds = (tenK * 8) / LINK_BITS_PER_S;
    const listenerJson = Object.fromEntries(
      Object.entries(firstTally).flatMap(([c, t]) => [
        [`first_sync_${c}_listener_docs_count`, t.listenerDocs],
        [`first_sync_${c}_listener_json_bytes`, t.listenerJsonBytes],
      ]),
    );
    return [
      {
        id: "wire.first-sync",
        issue: 18,
        title: `First sign-in of a fresh device: bytes the Firestore SDK received for ${RECORDS} records`,
        figures: {
          records_count: RECORDS,
          raw_json_bytes: rawJson,
          first_sync_down_bytes: firstDown,
          first_sync_up_bytes: firstUp,
          first_sync_down_per_record_bytes: Math.round(perRecordFirst),
          first_sync_ms: firstSyncMs,
          first_sync_listener_docs_count: firstTotal.listenerDocs,
          first_sync_deliveries_count: firstTotal.deliveries,
          first_sync_server_reads_count: firstTotal.serverReads,
          first_sync_repulls_count: repulls,
          ...listenerJson,
        },
        ratio: {
          value: Number((firstDown / rawJson).toFixed(3)),
          target: 1.5,
          kind: "max",
          definition: `bytes the SDK received on first sign-in (${RECORDS} records) / raw JSON of the records`,
        },
        notes: `gRPC over HTTP/2 through a TCP proxy, no TLS (loopback); ${OUTBOX_BATCHES * PER_BATCH} records created as ${OUTBOX_BATCHES} outbox batches of ${PER_BATCH}, the rest over HTTP (first_sync_syncBatches_* is the outbox echo's share). listener docs = documents added or changed in a listener's result set (the billed reads).`,
      },
      {
        id: "wire.first-sync-10k",
        issue: 18,
        title:
          "A 10,000-record CHW's first sync at 250 kbit/s (from the measured bytes per record)",
        figures: {
          bytes: Math.round(tenK),
          seconds_at_250_kbit_s: Number(tenKSeconds.toFixed(1)),
          cht_satisfying_s: SATISFYING_S,
          cht_frustrating_s: FRUSTRATING_S,
        },
        ratio: {
          value: Number((tenKSeconds / SATISFYING_S).toFixed(3)),
          target: 1,
          kind: "max",
          definition:
            "computed first-sync time of 10,000 records at 250 kbit/s / CHT's 3-minute satisfying threshold",
        },
        notes: `10,000 × the measured ${Math.round(perRecordFirst)} B per record; link time only (no latency, TLS or retransmission; the emulator's own time is not in it)`,
      },
      {
        id: "wire.steady-state",
        issue: 18,
        title: `Steady state per record: ${STEADY} records pushed by another device, ${STEADY} saved on this one`,
        figures: {
          incoming_down_per_record_bytes: Math.round((after1.down - before1.down) / STEADY),
          incoming_up_per_record_bytes: Math.round((after1.up - before1.up) / STEADY),
          incoming_raw_json_per_record_bytes: Math.round(
            (jsonBytes(other.patients) + jsonBytes(other.cases)) / STEADY,
          ),
          incoming_listener_docs_per_record: incomingTally.listenerDocs / STEADY,
          incoming_server_reads_count: incomingTally.serverReads,
          incoming_repulls_count: incomingRepulls,
          saved_up_per_record_bytes: Math.round((after2.up - before2.up) / savedRaw),
          saved_down_per_record_bytes: Math.round((after2.down - before2.down) / savedRaw),
          saved_raw_json_per_record_bytes: Math.round(savedJson / savedRaw),
          saved_listener_docs_per_record: savedTally.listenerDocs / savedRaw,
          saved_writes_per_record: savedTally.writes / savedRaw,
          saved_server_reads_count: savedTally.serverReads,
          saved_repulls_count: savedRepulls,
        },
        notes:
          "incoming: pushed over HTTP by another device, delivered by the listeners; saved: the app's outbox route (batch document up, its receipt and the canonical record down)",
      },
      {
        id: "wire.http",
        issue: 18,
        title:
          "HTTP answers per record: first pull (WatermelonDB) and a seed push, as sent and gzip-compressed",
        figures: {
          pull_records_count: pullRecords,
          pull_bytes: pull.bytes,
          pull_gzip_bytes: gz(pull.text),
          pull_per_record_bytes: Math.round(pull.bytes / Math.max(1, pullRecords)),
          pull_gzip_per_record_bytes: Math.round(gz(pull.text) / Math.max(1, pullRecords)),
          seed_push_request_bytes: jsonBytes(pushBody),
          seed_push_request_gzip_bytes: gz(JSON.stringify(pushBody)),
          seed_push_answer_bytes: seedPush.bytes,
          seed_push_answer_gzip_bytes: gz(seedPush.text),
          seed_push_answer_per_record_bytes: Math.round(seedPush.bytes / STEADY),
          server_compressed_count: [pull, seedPush].filter((r) => r.encoding === "gzip").length,
        },
        notes:
          "gzip figures are what the answer compresses to (node zlib, default level); the functions emulator sends identity",
      },
    ];
  },
};
export default bench;
