import { expect } from "chai";
import { randomUUID } from "node:crypto";
import type { DocumentData } from "firebase-admin/firestore";
import { account, adminDb, call, eventually } from "./access-helpers";
import type { Account, Answer } from "./access-helpers";

// Object-level authorization (OWASP API1) and the audit trail, through the real API on the
// functions emulator: a CHW can neither overwrite nor see another CHW's records, whatever the
// route (seed sync, WatermelonDB push, the syncBatches outbox), and every API read or write of
// patient data leaves an audit entry with who, what, which ids, the outcome and the request id,
// never the data itself.

const SECRET = `AUDITSENTINEL${randomUUID().replace(/-/g, "")}`;

interface Result {
  table: string;
  id: string;
  outcome: string;
  reason?: string;
}

const patient = (over: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  demographics: {
    name: `${SECRET}-name`,
    sex: "female",
    age_years: 30,
    village: `${SECRET}-village`,
  },
  last_modified_at: Date.now() - 60_000,
  ...over,
});
const kase = (patientId: string, over: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  patient_id: patientId,
  triage_data: {
    body_site: "arm",
    duration_days: 2,
    symptoms: [],
    danger_signs: [],
    notes: `${SECRET}-notes`,
  },
  risk_level: "GREEN",
  images: [],
  last_modified_at: Date.now() - 60_000,
  ...over,
});

function rid(): string {
  return `obj-${randomUUID()}`;
}

async function seed(
  who: Account,
  changes: Record<string, unknown>,
  requestId = rid(),
): Promise<Answer> {
  return call("POST", "/v1/sync", {
    token: who.token,
    requestId,
    body: { batch_id: randomUUID(), device_id: "dev-1", last_sync_timestamp: null, changes },
  });
}

const resultsOf = (a: Answer) => (a.body.results ?? []) as Result[];

describe("object-level authorization and audit trail (functions emulator)", function () {
  this.timeout(180_000);
  const db = adminDb();
  let a: Account;
  let b: Account;
  const pA = patient();
  const cA = kase(pA.id);
  let original: { p: DocumentData | undefined; c: DocumentData | undefined };
  const snapshot = async () => ({
    p: (await db.doc(`patients/${pA.id}`).get()).data(),
    c: (await db.doc(`cases/${cA.id}`).get()).data(),
  });

  before(async () => {
    a = await account("chw");
    b = await account("chw");
    const res = await seed(a, { patients: [pA], cases: [cA] });
    expect(res.status, res.text).to.equal(200);
    expect(resultsOf(res).map((r) => r.outcome)).to.deep.equal(["applied", "applied"]);
    original = await snapshot();
  });

  it("seed sync: another CHW's record ids are rejected and the records are unchanged", async () => {
    const hijackP = {
      ...pA,
      demographics: { ...pA.demographics, name: "Mallory" },
      last_modified_at: Date.now(),
    };
    const hijackC = { ...cA, risk_level: "RED", last_modified_at: Date.now() };
    const own = patient();
    const res = await seed(b, { patients: [hijackP, own], cases: [hijackC] });
    expect(res.status).to.equal(200);
    const byId = new Map(resultsOf(res).map((r) => [r.id, r]));
    expect(byId.get(pA.id)).to.include({ outcome: "rejected" });
    expect(byId.get(cA.id)).to.include({ outcome: "rejected" });
    expect(byId.get(own.id)).to.include({ outcome: "applied" });
    expect(await snapshot()).to.deep.equal(original);
  });

  it("a case of mine pointing at another CHW's patient is rejected", async () => {
    const sneaky = kase(pA.id);
    const res = await seed(b, { cases: [sneaky] });
    expect(resultsOf(res)[0]).to.include({ id: sneaky.id, outcome: "rejected" });
    expect((await db.doc(`cases/${sneaky.id}`).get()).exists).to.equal(false);
  });

  it("WatermelonDB push: another CHW's ids are rejected, records unchanged", async () => {
    const raw = (r: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(r).map(([k, v]) => [
          k,
          typeof v === "object" && v !== null ? JSON.stringify(v) : v,
        ]),
      );
    const res = await call("POST", "/v1/sync/push?last_pulled_at=0", {
      token: b.token,
      requestId: rid(),
      body: {
        changes: {
          patients: {
            created: [],
            updated: [raw({ ...pA, last_modified_at: Date.now() })],
            deleted: [],
          },
          cases: { created: [], updated: [], deleted: [cA.id] },
          diagnoses: { created: [], updated: [], deleted: [] },
        },
      },
    });
    expect(res.status, res.text).to.equal(200);
    for (const r of resultsOf(res))
      expect(r, JSON.stringify(r)).to.include({ outcome: "rejected" });
    expect(
      resultsOf(res)
        .map((r) => r.id)
        .sort(),
    ).to.deep.equal([pA.id, cA.id].sort());
    expect(await snapshot()).to.deep.equal(original);
  });

  it("syncBatches outbox: another CHW's ids are rejected by the trigger, records unchanged", async () => {
    const batchId = randomUUID();
    await db.doc(`syncBatches/${batchId}`).set({
      chw_id: b.uid,
      device_id: "dev-b",
      changes: { patients: [{ ...pA, last_modified_at: Date.now() }], cases: [] },
    });
    const results = await eventually(async () => {
      const d = (await db.doc(`syncBatches/${batchId}`).get()).data();
      return Array.isArray(d?.results) ? (d.results as Result[]) : undefined;
    }, 30_000);
    expect(results.map((r) => r.outcome)).to.deep.equal(["rejected"]);
    expect(await snapshot()).to.deep.equal(original);
  });

  it("pulls never carry another scope's records", async () => {
    const seedPull = await seed(b, {});
    const wmdb = await call("GET", "/v1/sync/pull?last_pulled_at=null&schema_version=1", {
      token: b.token,
      requestId: rid(),
    });
    expect(wmdb.status, wmdb.text).to.equal(200);
    for (const text of [seedPull.text, wmdb.text]) {
      expect(text.includes(pA.id), "A's patient id in B's pull").to.equal(false);
      expect(text.includes(cA.id), "A's case id in B's pull").to.equal(false);
    }
    // The manifest counts only B's own live records.
    const bScope = (await db.doc(`syncScopes/${b.uid}`).get()).data();
    const bLive =
      (await db.collection("patients").where("chw_id", "==", b.uid).get()).size +
      (await db.collection("cases").where("chw_id", "==", b.uid).get()).size;
    expect(bScope?.count).to.equal(bLive);
  });

  describe("audit trail", () => {
    it("a push and its pull record actor, role, action, ids, outcome and request id", async () => {
      const p = patient();
      const c = kase(p.id);
      const requestId = rid();
      const res = await seed(a, { patients: [p], cases: [c] }, requestId);
      expect(res.status).to.equal(200);
      const entries = (
        await db.collection("auditLogs").where("request_id", "==", requestId).get()
      ).docs.map((d) => d.data());
      const push = entries.find((e) => String(e.action).startsWith("sync.push"));
      expect(push, JSON.stringify(entries)).to.not.equal(undefined);
      expect(push).to.include({ actor: a.uid, role: "chw", outcome: "ok", request_id: requestId });
      expect((push?.resource as { ids: string[] }).ids).to.include.members([p.id, c.id]);
      expect(push?.at).to.not.equal(undefined);
      const pull = entries.find((e) => String(e.action).startsWith("sync.pull"));
      expect(pull, "pull audited").to.not.equal(undefined);
      expect(pull).to.include({ actor: a.uid, role: "chw", outcome: "ok" });
      expect((pull?.resource as { ids: string[] }).ids).to.include.members([p.id, c.id]);
    });

    it("a rejected foreign write is audited as rejected under the caller", async () => {
      const requestId = rid();
      await seed(b, { patients: [{ ...pA, last_modified_at: Date.now() }] }, requestId);
      const entries = (
        await db.collection("auditLogs").where("request_id", "==", requestId).get()
      ).docs.map((d) => d.data());
      const push = entries.find((e) => String(e.action).startsWith("sync.push"));
      expect(push).to.include({ actor: b.uid, outcome: "rejected" });
      expect((push?.resource as { ids: string[] }).ids).to.deep.equal([pA.id]);
    });

    it("a WatermelonDB pull is audited with the ids it returned", async () => {
      const requestId = rid();
      const res = await call("GET", "/v1/sync/pull?last_pulled_at=null&schema_version=1", {
        token: a.token,
        requestId,
      });
      expect(res.status).to.equal(200);
      const entries = (
        await db.collection("auditLogs").where("request_id", "==", requestId).get()
      ).docs.map((d) => d.data());
      expect(entries).to.have.length(1);
      expect(entries[0]).to.include({ actor: a.uid, role: "chw", outcome: "ok" });
      expect((entries[0]?.resource as { ids: string[] }).ids).to.include.members([pA.id, cA.id]);
    });

    it("every successful patient-data route leaves an audit entry for its request", async () => {
      const doctor = await account("doctor");
      const p = patient();
      const c = kase(p.id);
      await seed(a, { patients: [p], cases: [c] });
      await db.doc(`cases/${c.id}`).update({ status: "PENDING_DIAGNOSIS" });
      const wm = (r: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries(r).map(([k, v]) => [
            k,
            typeof v === "object" && v !== null ? JSON.stringify(v) : v,
          ]),
        );
      const calls: Array<[string, () => Promise<Answer>, string]> = [];
      const add = (label: string, fn: (requestId: string) => Promise<Answer>) => {
        const requestId = rid();
        calls.push([label, () => fn(requestId), requestId]);
      };
      add("POST /v1/sync", (id) => seed(a, { patients: [patient()] }, id));
      add("POST /v1/sync/push", (id) =>
        call("POST", "/v1/sync/push?last_pulled_at=0", {
          token: a.token,
          requestId: id,
          body: {
            changes: {
              patients: { created: [wm(patient())], updated: [], deleted: [] },
              cases: { created: [], updated: [], deleted: [] },
              diagnoses: { created: [], updated: [], deleted: [] },
            },
          },
        }),
      );
      add("GET /v1/sync/pull", (id) =>
        call("GET", "/v1/sync/pull?last_pulled_at=null&schema_version=1", {
          token: a.token,
          requestId: id,
        }),
      );
      add("POST /v1/cases/:id/images", (id) =>
        call("POST", `/v1/cases/${c.id}/images`, {
          token: a.token,
          requestId: id,
          body: { sha256: "a".repeat(64), content_type: "image/jpeg", bytes: 1024 },
        }),
      );
      add("GET /v1/cases", (id) =>
        call("GET", "/v1/cases?status=PENDING_DIAGNOSIS", { token: doctor.token, requestId: id }),
      );
      add("POST /v1/cases/:id/diagnoses", (id) =>
        call("POST", `/v1/cases/${c.id}/diagnoses`, {
          token: doctor.token,
          requestId: id,
          body: { id: randomUUID(), diagnosis_text: `${SECRET}-dx`, prescription: `${SECRET}-rx` },
        }),
      );
      const missing: string[] = [];
      for (const [label, run, requestId] of calls) {
        const res = await run();
        expect(res.status, `${label}: ${res.text}`).to.equal(200);
        const entries = (
          await db.collection("auditLogs").where("request_id", "==", requestId).get()
        ).docs.map((d) => d.data());
        const complete = entries.filter(
          (e) =>
            typeof e.actor === "string" &&
            typeof e.role === "string" &&
            typeof e.action === "string" &&
            typeof e.outcome === "string" &&
            Array.isArray((e.resource as { ids?: unknown } | undefined)?.ids) &&
            e.at !== undefined,
        );
        if (complete.length === 0) missing.push(label);
      }
      expect(missing, "routes without a complete audit entry").to.deep.equal([]);
    });

    it("no audit entry carries patient data", async () => {
      const all = (await db.collection("auditLogs").get()).docs.map((d) =>
        JSON.stringify(d.data()),
      );
      expect(all.length).to.be.greaterThan(0);
      expect(all.filter((e) => e.includes(SECRET))).to.deep.equal([]);
    });
  });
});
