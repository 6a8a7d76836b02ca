import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { manifestOf } from "@dermadetect/contract";
import { adminDb, api, createUser, kase, patient, seedSync } from "./sync-helpers";
import type { Result, SeedAnswer, TestUser } from "./sync-helpers";
import { settleAnalyses } from "./images-support";

interface StoredCase {
  images: { state: string; image_key: string }[];
  timeline: Record<string, number>;
  triage_data: { duration_days: number };
  [k: string]: unknown;
}

interface WmdbPull {
  changes: Record<
    string,
    { created: Record<string, unknown>[]; updated: Record<string, unknown>[]; deleted: string[] }
  >;
  timestamp: number;
  manifest: { count: number; hash: string };
  has_more: boolean;
}

/** Pulls a CHW's whole scope page by page; returns the live records by id. */
async function pullAll(token: string, from: number | null, limit = 500) {
  const live = new Map<string, { table: string; server_seq: number }>();
  const deleted = new Set<string>();
  let cursor = from;
  let last: WmdbPull | undefined;
  for (let page = 0; page < 100; page++) {
    const q = `last_pulled_at=${cursor ?? "null"}&schema_version=1&limit=${limit}`;
    const res = await api<WmdbPull>("GET", `/v1/sync/pull?${q}`, { token });
    expect(res.status).to.equal(200);
    last = res.body;
    for (const [table, set] of Object.entries(res.body.changes)) {
      for (const r of [...set.created, ...set.updated]) {
        live.set(String(r.id), { table, server_seq: Number(r.server_seq) });
        deleted.delete(String(r.id));
      }
      for (const id of set.deleted) {
        live.delete(id);
        deleted.add(id);
      }
    }
    cursor = res.body.timestamp;
    if (!res.body.has_more) break;
  }
  return { live, deleted, cursor: cursor ?? 0, manifest: last!.manifest };
}

describe("sync over HTTPS (seed format and WatermelonDB pull/push)", () => {
  let chw: TestUser;
  let other: TestUser;
  let doctor: TestUser;

  before(async () => {
    [chw, other, doctor] = await Promise.all([
      createUser("chw"),
      createUser("chw"),
      createUser("doctor"),
    ]);
  });

  it("applies patients and cases, stamps server fields and answers a verifiable manifest", async () => {
    const p = patient();
    const c = kase(String(p.id));
    const res = await seedSync(chw.token, {
      batch_id: randomUUID(),
      changes: { patients: [p], cases: [c] },
    });
    expect(res.status).to.equal(200);
    expect(res.body.results.map((r) => [r.table, r.id, r.outcome])).to.deep.equal([
      ["patients", p.id, "applied"],
      ["cases", c.id, "applied"],
    ]);
    const stored = (
      await adminDb()
        .doc(`cases/${String(c.id)}`)
        .get()
    ).data() as StoredCase;
    expect(stored).to.deep.include({ chw_id: chw.uid, status: "TRIAGED", content_version: 1 });
    expect(stored.server_updated_at).to.have.property("toMillis");
    expect(stored.images[0]!).to.deep.include({ state: "queued" });
    expect(stored.images[0]!.image_key).to.match(new RegExp(`^cases/${String(c.id)}/0+1\\.jpg$`));
    expect(stored.timeline).to.have.keys("captured_at", "synced_at");
    // The device recomputes the manifest from the server_seq of its own records (the answer
    // does not echo what the device just sent) and gets the server's answer.
    expect(res.body.server_updates.patients).to.deep.equal([]);
    const entries = res.body.results.map((r) => ({
      collection: r.table,
      id: r.id,
      serverSeq: r.server_seq!,
    }));
    expect(res.body.manifest).to.deep.equal(manifestOf(entries));
    expect(res.body.manifest.count).to.equal(2);
    expect(res.body.new_sync_timestamp).to.be.greaterThan(0);
  });

  it("replays a batch: same results, nothing written", async () => {
    const batch = { batch_id: randomUUID(), changes: { patients: [patient(), patient()] } };
    const first = await seedSync(chw.token, batch);
    const scopeBefore = (await adminDb().doc(`syncScopes/${chw.uid}`).get()).data();
    const again = await seedSync(chw.token, batch);
    expect(again.status).to.equal(200);
    expect(again.body.results).to.deep.equal(first.body.results);
    expect(again.body.replayed).to.equal(true);
    const scopeAfter = (await adminDb().doc(`syncScopes/${chw.uid}`).get()).data();
    expect(scopeAfter!.seq).to.equal(scopeBefore!.seq);
  });

  it("gives every bad record a clear code while the valid records of the batch apply", async () => {
    const owned = patient();
    await seedSync(other.token, { changes: { patients: [owned] } });
    const olderBase = patient({ last_modified_at: Date.now() - 10_000 });
    await seedSync(chw.token, { changes: { patients: [olderBase] } });

    const valid = patient();
    const secs = patient({ last_modified_at: Math.floor((Date.now() - 60_000) / 1000) });
    const future = patient({ last_modified_at: Date.now() + 24 * 3600_000 });
    const records: unknown[] = [
      valid,
      { ...patient(), demographics: { name: 5, sex: "x", age_years: "old", village: "" } },
      { ...patient(), nickname: "extra" },
      { ...patient(), chw_id: other.uid },
      secs,
      future,
      {
        ...olderBase,
        last_modified_at: Date.now() - 20_000,
        demographics: { ...(olderBase.demographics as object), name: "Older" },
      },
      olderBase,
      { ...owned, last_modified_at: Date.now() },
    ];
    const protoId = randomUUID();
    const body =
      `{"last_sync_timestamp":null,"changes":{"patients":${JSON.stringify(records).slice(0, -1)},` +
      `{"id":"${protoId}","__proto__":{"admin":true}}],` +
      `"cases":[${JSON.stringify({ ...kase(String(valid.id)), status: "DIAGNOSED" })}],` +
      `"prescriptions":[{"id":"${randomUUID()}"}]}}`;
    const res = await api<SeedAnswer>("POST", "/v1/sync", { token: chw.token, raw: body });
    expect(res.status).to.equal(200);
    const r = res.body.results;
    expect(r.map((x) => [x.outcome, x.reason ?? null, x.ignored_fields ?? null])).to.deep.equal([
      ["applied", null, null],
      ["rejected", "INVALID_RECORD", null],
      // Unknown and server-owned top-level fields are not stored, and named; the record applies.
      ["applied", null, ["nickname"]],
      ["applied", null, ["chw_id"]],
      ["applied", null, null],
      ["applied", "CLOCK_SKEW_CLAMPED", null],
      ["stale", "OLDER_THAN_STORED", null],
      ["duplicate", "SAME_VERSION", null],
      ["rejected", "NOT_OWNER", null],
      ["rejected", "FORBIDDEN_KEY", null],
      ["applied", null, ["status"]],
      ["rejected", "UNKNOWN_TABLE", null],
    ]);
    expect(res.body.clock_skew_ms).to.be.greaterThan(23 * 3600_000);
    const db = adminDb();
    expect((await db.doc(`patients/${String(valid.id)}`).get()).exists).to.equal(true);
    const secsDoc = (await db.doc(`patients/${String(secs.id)}`).get()).data()!;
    expect(secsDoc.last_modified_at).to.equal(Number(secs.last_modified_at) * 1000);
    const futureDoc = (await db.doc(`patients/${String(future.id)}`).get()).data()!;
    expect(futureDoc.last_modified_at).to.be.lessThan(Date.now() + 1000);
    const ownedDoc = (await db.doc(`patients/${String(owned.id)}`).get()).data()!;
    expect(ownedDoc.chw_id).to.equal(other.uid);
    expect((await db.doc(`patients/${protoId}`).get()).exists).to.equal(false);
  });

  it("refuses bad requests as a whole with codes: JSON, shape, size, count, token, role", async () => {
    const notJson = await api("POST", "/v1/sync", {
      token: chw.token,
      raw: "{nope",
      contentType: "text/plain",
    });
    expect(notJson.status).to.equal(400);
    expect(notJson.body).to.deep.equal({
      error: { code: "SYNC_1000", message: "The body is not valid JSON" },
    });
    // With application/json the functions emulator's body parser answers before the function.
    const parserAnswer = await api("POST", "/v1/sync", { token: chw.token, raw: "{nope" });
    expect(parserAnswer.status).to.equal(400);
    expect(JSON.stringify(parserAnswer.body)).to.not.match(/at .*\.js:\d+/);
    const shape = await api("POST", "/v1/sync", { token: chw.token, body: { changes: [] } });
    expect(shape.status).to.equal(400);
    expect(shape.body).to.have.nested.property("error.code", "SYNC_1000");
    const tooMany = await seedSync(chw.token, {
      changes: { patients: Array.from({ length: 501 }, () => ({})) },
    });
    expect(tooMany.status).to.equal(413);
    expect(tooMany.body.error!.code).to.equal("SYNC_1005");
    const huge = await api("POST", "/v1/sync", {
      token: chw.token,
      raw: JSON.stringify({ last_sync_timestamp: null, changes: {}, pad: "x".repeat(2_100_000) }),
    });
    expect(huge.status).to.equal(413);
    expect(huge.body).to.have.nested.property("error.code", "SYNC_1001");
    const anonymous = await seedSync("", { changes: {} });
    expect(anonymous.status).to.equal(401);
    const asDoctor = await seedSync(doctor.token, { changes: {} });
    expect(asDoctor.status).to.equal(403);
    const pullDoctor = await api("GET", "/v1/sync/pull?last_pulled_at=null", {
      token: doctor.token,
    });
    expect(pullDoctor.status).to.equal(403);
    const badQuery = await api("GET", "/v1/sync/pull?last_pulled_at=yesterday", {
      token: chw.token,
    });
    expect(badQuery.status).to.equal(400);
    expect(badQuery.body).to.have.nested.property("error.code", "SYNC_1004");
  });

  it("queues analysis for RED cases in the same write, and stale batches never clear server fields", async () => {
    const db = adminDb();
    const p = patient();
    const t0 = Date.now() - 120_000;
    const c = kase(String(p.id), { risk_level: "RED", last_modified_at: t0 });
    const created = await seedSync(chw.token, { changes: { patients: [p], cases: [c] } });
    const job1 = (await db.doc(`analysisJobs/${String(c.id)}.v1`).get()).data();
    expect(job1).to.deep.include({ case_id: c.id, chw_id: chw.uid, content_version: 1 });
    let stored = (await db.doc(`cases/${String(c.id)}`).get()).data() as StoredCase;
    const firstSynced = stored.timeline.synced_at;
    // Queued in the same write; the AI pipeline may already have finished it.
    expect(stored.analysis).to.deep.include({ job_key: `${String(c.id)}.v1` });
    expect(["queued", "running", "done"]).to.include((stored.analysis as { state: string }).state);
    expect(stored.timeline.analysis_requested_at).to.be.a("number");

    // The AI pipeline writes its result, then a doctor diagnoses.
    await settleAnalyses(chw.uid);
    await db.doc(`cases/${String(c.id)}`).update({ status: "DIAGNOSED", doctor_id: doctor.uid });
    const stale = await seedSync(chw.token, {
      last_sync_timestamp: created.body.new_sync_timestamp,
      changes: { cases: [{ ...c, risk_level: "GREEN", last_modified_at: t0 - 1000 }] },
    });
    expect(stale.body.results[0]).to.deep.include({
      outcome: "stale",
      reason: "OLDER_THAN_STORED",
    });
    // The stale batch cleared nothing the server owns.
    stored = (await db.doc(`cases/${String(c.id)}`).get()).data() as StoredCase;
    expect(stored).to.deep.include({ status: "DIAGNOSED", doctor_id: doctor.uid });
    expect(stored.ai_analysis).to.deep.include({ job_key: `${String(c.id)}.v1` });
    // The stale device gets the winning version back in the same answer (re-stamped seq).
    const back = stale.body.server_updates.cases!.find((r) => r.id === c.id)!;
    expect(back.risk_level).to.equal("RED");
    expect(back.server_seq).to.equal(stale.body.results[0]!.server_seq);
    const newer = {
      ...c,
      last_modified_at: t0 + 1000,
      triage_data: { ...(c.triage_data as object), duration_days: 30 },
    };
    const edit = await seedSync(chw.token, { changes: { cases: [newer] } });
    expect(edit.body.results[0]!.outcome).to.equal("applied");
    stored = (await db.doc(`cases/${String(c.id)}`).get()).data() as StoredCase;
    expect(stored).to.deep.include({
      status: "DIAGNOSED",
      doctor_id: doctor.uid,
      content_version: 2,
    });
    expect(stored.triage_data.duration_days).to.equal(30);
    // The first arrival stays put for the turnaround report; the edit has its own instant.
    expect(stored.timeline.synced_at).to.equal(firstSynced);
    expect(stored.timeline.last_synced_at).to.be.greaterThan(firstSynced as number);
    expect((await db.doc(`analysisJobs/${String(c.id)}.v2`).get()).exists).to.equal(true);
    // The new version is analysed too; the result never takes the case back from DIAGNOSED.
    await settleAnalyses(chw.uid);
    stored = (await db.doc(`cases/${String(c.id)}`).get()).data() as StoredCase;
    expect(stored.status).to.equal("DIAGNOSED");
    expect(stored.ai_analysis).to.deep.include({ job_key: `${String(c.id)}.v2` });
    // Same content again (new time): no new version, no new job.
    await seedSync(chw.token, { changes: { cases: [{ ...newer, last_modified_at: t0 + 2000 }] } });
    stored = (await db.doc(`cases/${String(c.id)}`).get()).data() as StoredCase;
    expect(stored.content_version).to.equal(2);
    expect((await db.doc(`analysisJobs/${String(c.id)}.v3`).get()).exists).to.equal(false);
  });

  it("replaces CHW maps whole: a field the device removed is removed", async () => {
    const p = patient({
      demographics: {
        name: "Phone Owner",
        sex: "male",
        age_years: 50,
        village: "V",
        phone: "+254 700",
      },
    });
    await seedSync(chw.token, { changes: { patients: [p] } });
    const without = {
      ...p,
      last_modified_at: Date.now(),
      demographics: { name: "Phone Owner", sex: "male", age_years: 51, village: "V" },
    };
    const res = await seedSync(chw.token, { changes: { patients: [without] } });
    expect(res.body.results[0]!.outcome).to.equal("applied");
    const stored = (
      await adminDb()
        .doc(`patients/${String(p.id)}`)
        .get()
    ).data()!;
    expect(stored.demographics).to.deep.equal(without.demographics);
  });

  it("applies a 500-record batch in one transaction, idempotently", async () => {
    const batchId = randomUUID();
    const patients = Array.from({ length: 450 }, () => patient());
    const bad = { ...patient(), demographics: { name: "" } };
    const batch = {
      batch_id: batchId,
      changes: {
        patients: [...patients, bad],
        cases: patients.slice(0, 49).map((p) => kase(String(p.id))),
      },
    };
    const first = await seedSync(chw.token, batch);
    expect(first.status).to.equal(200);
    expect(first.body.results).to.have.length(500);
    expect(first.body.results.filter((r) => r.outcome === "applied")).to.have.length(499);
    const receipts = await adminDb()
      .collection("syncReceipts")
      .where("batch_id", "==", batchId)
      .get();
    // One receipt: the whole batch is one transaction (chunking is covered in sync-preread).
    expect(receipts.size).to.equal(1);
    const again = await seedSync(chw.token, batch);
    expect(again.body.results).to.deep.equal(first.body.results);
    expect(again.body.replayed).to.equal(true);
  });

  it("pulls in pages by server cursor; tombstones arrive as deletes; JSON columns are strings", async () => {
    const me = await createUser("chw");
    const patients = Array.from({ length: 25 }, () => patient());
    const cases = patients.slice(0, 10).map((p) => kase(String(p.id)));
    await seedSync(me.token, { changes: { patients, cases } });
    const full = await pullAll(me.token, null, 7);
    expect(full.live.size).to.equal(35);
    expect(full.manifest).to.deep.equal(
      manifestOf(
        [...full.live].map(([id, r]) => ({ collection: r.table, id, serverSeq: r.server_seq })),
      ),
    );
    const first = await api<WmdbPull>("GET", "/v1/sync/pull?last_pulled_at=null&schema_version=1", {
      token: me.token,
    });
    const rawCase = first.body.changes.cases!.created[0]!;
    expect(rawCase.triage_data).to.be.a("string");
    expect(JSON.parse(String(rawCase.images))).to.be.an("array");
    // Delete one patient, edit another: an incremental pull has exactly those.
    const gone = { ...patients[0]!, deleted_at: Date.now(), last_modified_at: Date.now() };
    const edited = {
      ...patients[1]!,
      last_modified_at: Date.now(),
      demographics: { ...(patients[1]!.demographics as object), age_years: 31 },
    };
    await seedSync(me.token, { changes: { patients: [gone, edited] } });
    const inc = await api<WmdbPull>(
      "GET",
      `/v1/sync/pull?last_pulled_at=${full.cursor}&schema_version=1`,
      { token: me.token },
    );
    expect(inc.body.changes.patients!.deleted).to.deep.equal([patients[0]!.id]);
    expect(inc.body.changes.patients!.updated.map((r) => r.id)).to.deep.equal([patients[1]!.id]);
    expect(inc.body.changes.patients!.created).to.deep.equal([]);
    expect(inc.body.manifest.count).to.equal(34);
    // Another CHW's pull never shows these records.
    const theirs = await pullAll(other.token, null);
    for (const p of patients) expect(theirs.live.has(String(p.id))).to.equal(false);
  });

  it("WatermelonDB push: create-for-existing updates, delete-of-missing is ignored, diagnoses refused", async () => {
    const me = await createUser("chw");
    const p = patient();
    const raw = {
      ...p,
      demographics: JSON.stringify(p.demographics),
      _status: "created",
      _changed: "",
    };
    const push = (changes: Record<string, unknown>) =>
      api<{ results: Result[] }>("POST", "/v1/sync/push?last_pulled_at=0", {
        token: me.token,
        body: { changes },
      });
    const empty = { created: [], updated: [], deleted: [] };
    const first = await push({
      patients: { ...empty, created: [raw] },
      cases: empty,
      diagnoses: empty,
    });
    expect(first.body.results).to.deep.equal([
      { table: "patients", id: p.id, outcome: "applied", server_seq: 1 },
    ]);
    const again = await push({
      patients: {
        created: [{ ...raw, last_modified_at: Date.now() }],
        updated: [],
        deleted: [randomUUID()],
      },
      cases: empty,
      diagnoses: { ...empty, created: [{ id: randomUUID() }] },
      widgets: { ...empty, created: [{ id: randomUUID() }] },
    });
    expect(again.status).to.equal(200);
    expect(again.body.results.map((r) => [r.table, r.outcome, r.reason ?? null])).to.deep.equal([
      ["patients", "applied", null],
      ["patients", "duplicate", "DELETE_OF_MISSING"],
      ["diagnoses", "rejected", "READ_ONLY_TABLE"],
      ["widgets", "rejected", "UNKNOWN_TABLE"],
    ]);
  });

  it("concurrent pushes from several devices while another pulls: the pulled union is everything committed", async () => {
    const me = await createUser("chw");
    const committed = new Set<string>();
    let pushing = true;
    const devices = [0, 1, 2].map(async (d) => {
      for (let b = 0; b < 4; b++) {
        const patients = Array.from({ length: 8 }, () => patient());
        const res = await seedSync(me.token, {
          device_id: `dev-${d}`,
          batch_id: randomUUID(),
          changes: { patients },
        });
        expect(res.status).to.equal(200);
        for (const r of res.body.results) if (r.outcome === "applied") committed.add(r.id);
      }
    });
    const seen = new Set<string>();
    let cursor: number | null = null;
    const puller = (async () => {
      while (pushing) {
        const page = await pullAll(me.token, cursor, 5);
        for (const id of page.live.keys()) seen.add(id);
        cursor = page.cursor;
      }
      const tail = await pullAll(me.token, cursor, 5);
      for (const id of tail.live.keys()) seen.add(id);
    })();
    await Promise.all(devices);
    pushing = false;
    await puller;
    expect(committed.size).to.equal(96);
    expect([...seen].sort()).to.deep.equal([...committed].sort());
  });
});
