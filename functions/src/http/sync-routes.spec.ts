import { expect } from "chai";
import { MemorySyncStore } from "../../test/support/memory-sync-store";
import { createRouter } from "./router";
import type { AuthContext, HttpRequest } from "./router";
import { createSyncRoutes } from "./sync-routes";

/*
 * The three sync routes through the router, the sync core and the SyncStore port, with an
 * in-memory store: parsing, the role gate, per-record results, replays, echo suppression and
 * the WatermelonDB pull shape. The Firestore adapter behind the same port is covered by the
 * integration tier.
 */

const NOW = 1_800_000_000_000;
const CHW: AuthContext = { uid: "chw-1", role: "chw" };

const patient = (id: string, name: string, t = NOW - 60_000) => ({
  id,
  demographics: { name, sex: "female", age_years: 30, village: "V" },
  last_modified_at: t,
});

function harness(who: AuthContext = CHW) {
  const store = new MemorySyncStore();
  const handle = createRouter(createSyncRoutes({ store: () => store, now: () => NOW }), {
    authenticator: { authenticate: () => Promise.resolve(who) },
    maxBodyBytes: () => 2_000_000,
  });
  let n = 0;
  const call = async (method: "GET" | "POST", path: string, body?: unknown, query = {}) => {
    const raw = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req: HttpRequest = {
      method,
      path,
      query,
      headers: {},
      rawBody: raw,
      body,
      requestId: `r${++n}`,
    };
    const res = await handle(req);
    return res as { status: number; body: Record<string, unknown> & { error?: { code: string } } };
  };
  return { store, call };
}

describe("sync routes through the SyncStore port", () => {
  it("POST /v1/sync applies the batch, answers per-record results and skips its own echo", async () => {
    const { store, call } = harness();
    const res = await call("POST", "/v1/sync", {
      batch_id: "b1",
      last_sync_timestamp: 0,
      changes: { patients: [patient("p1", "Ada"), { id: "p2" }] },
    });
    expect(res.status).to.equal(200);
    const results = res.body.results as { id: string; outcome: string; reason?: string }[];
    expect(results.map((r) => [r.id, r.outcome])).to.deep.equal([
      ["p1", "applied"],
      ["p2", "rejected"],
    ]);
    expect(results[1]!.reason).to.be.a("string");
    // Nothing but this request changed the scope: the pull starts after its own write.
    expect(res.body.new_sync_timestamp).to.equal(1);
    expect((res.body.server_updates as { patients: unknown[] }).patients).to.deep.equal([]);
    expect(res.body.server_time).to.equal(NOW);
    expect(store.docs.get("patients/p1")).to.include({ chw_id: "chw-1", server_seq: 1 });
    expect(store.applied[0]).to.include({ batchId: "b1", source: "https", requestId: "r1" });
  });

  it("POST /v1/sync returns what others wrote since the cursor, audited by id", async () => {
    const { store, call } = harness();
    store.serverWrite("diagnoses", "d1", { chw_id: "chw-1", case_id: "c1", diagnosis_text: "x" });
    const res = await call("POST", "/v1/sync", {
      last_sync_timestamp: 0,
      changes: { patients: [patient("p1", "Ada")] },
    });
    const updates = res.body.server_updates as Record<string, { id: string }[]>;
    expect(updates.diagnoses!.map((d) => d.id)).to.deep.equal(["d1"]);
    expect(updates.patients!.map((p) => p.id)).to.deep.equal(["p1"]);
    expect(res.body.new_sync_timestamp).to.equal(2);
    expect(store.audits).to.deep.equal([
      { chwId: "chw-1", action: "sync.pull.https", ids: ["p1", "d1"], requestId: "r1" },
    ]);
    expect(store.deliveries).to.deep.equal([{ chwId: "chw-1", ids: ["d1"] }]);
  });

  it("a resend without batch_id is a replay: same results, nothing written again", async () => {
    const { store, call } = harness();
    const body = {
      device_id: "d",
      last_sync_timestamp: 0,
      changes: { patients: [patient("p1", "A")] },
    };
    const first = await call("POST", "/v1/sync", body);
    const again = await call("POST", "/v1/sync", body);
    expect(again.body.results).to.deep.equal(first.body.results);
    expect(again.body.replayed).to.equal(true);
    expect(first.body).to.not.have.property("replayed");
    expect(store.applied[0]!.batchId).to.match(/^auto-[0-9a-f]{40}$/);
    expect(store.applied[1]!.batchId).to.equal(store.applied[0]!.batchId);
    expect(store.docs.get("patients/p1")!.server_seq).to.equal(1);
  });

  it("POST /v1/sync/push applies WatermelonDB rows and replays an identical push", async () => {
    const { store, call } = harness();
    const raw = {
      ...patient("p1", "Ada"),
      demographics: JSON.stringify(patient("p1", "Ada").demographics),
      _status: "created",
      _changed: "",
    };
    const body = { changes: { patients: { created: [raw], updated: [], deleted: [] } } };
    const res = await call("POST", "/v1/sync/push", body, { last_pulled_at: "null" });
    expect(res.status).to.equal(200);
    expect(res.body.results).to.deep.equal([
      { table: "patients", id: "p1", outcome: "applied", server_seq: 1 },
    ]);
    expect(store.applied[0]!.source).to.equal("watermelon");
    expect(store.applied[0]!.batchId).to.match(/^wmdb-[0-9a-f]{40}$/);
    const again = await call("POST", "/v1/sync/push", body, { last_pulled_at: "null" });
    expect(again.body.replayed).to.equal(true);
    expect(store.docs.get("patients/p1")).to.not.have.property("_status");
  });

  it("GET /v1/sync/pull answers the WatermelonDB shape from the cursor", async () => {
    const { store, call } = harness();
    await call("POST", "/v1/sync", {
      last_sync_timestamp: 0,
      changes: { patients: [patient("p1", "A")] },
    });
    const full = await call("GET", "/v1/sync/pull", undefined, { last_pulled_at: "null" });
    const changes = full.body.changes as Record<
      string,
      { created: { id: string; demographics: string }[]; updated: unknown[] }
    >;
    expect(changes.patients!.created.map((r) => r.id)).to.deep.equal(["p1"]);
    expect(JSON.parse(changes.patients!.created[0]!.demographics)).to.include({ name: "A" });
    expect(full.body.timestamp).to.equal(2); // server_seq 1, offset by one
    expect(store.audits.at(-1)).to.include({ action: "sync.pull.watermelon" });
    const audits = store.audits.length;
    const next = await call("GET", "/v1/sync/pull", undefined, { last_pulled_at: "2" });
    const empty = next.body.changes as Record<string, { created: unknown[]; updated: unknown[] }>;
    expect(empty.patients!.created).to.deep.equal([]);
    expect(empty.patients!.updated).to.deep.equal([]);
    expect(store.audits).to.have.length(audits); // an empty page reads no patient data
  });

  const refusals: [
    string,
    "GET" | "POST",
    string,
    unknown,
    Record<string, string>,
    number,
    string,
  ][] = [
    [
      "a seed body without changes",
      "POST",
      "/v1/sync",
      { last_sync_timestamp: 0 },
      {},
      400,
      "SYNC_1000",
    ],
    [
      "501 records before any schema check",
      "POST",
      "/v1/sync",
      { changes: { patients: Array(501).fill({}) }, bogus: true },
      {},
      413,
      "SYNC_1005",
    ],
    [
      "a push that is not WatermelonDB's shape",
      "POST",
      "/v1/sync/push",
      { changes: { patients: [] } },
      {},
      400,
      "SYNC_1000",
    ],
    [
      "a malformed pull query",
      "GET",
      "/v1/sync/pull",
      undefined,
      { last_pulled_at: "yesterday" },
      400,
      "SYNC_1004",
    ],
  ];
  for (const [name, method, path, body, query, status, code] of refusals) {
    it(`refuses ${name} with ${status} ${code}, applying nothing`, async () => {
      const { store, call } = harness();
      const res = await call(method, path, body, query);
      expect(res.status).to.equal(status);
      expect(res.body.error?.code).to.equal(code);
      expect(store.applied).to.deep.equal([]);
    });
  }

  it("answers 403 to a doctor on every sync route", async () => {
    const { store, call } = harness({ uid: "doc-1", role: "doctor" });
    for (const [m, p] of [
      ["POST", "/v1/sync"],
      ["POST", "/v1/sync/push"],
      ["GET", "/v1/sync/pull"],
    ] as const) {
      const res = await call(
        m,
        p,
        m === "POST" ? { last_sync_timestamp: 0, changes: {} } : undefined,
      );
      expect(res.status).to.equal(403);
    }
    expect(store.applied).to.deep.equal([]);
  });
});
