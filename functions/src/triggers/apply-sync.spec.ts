import { expect } from "chai";
import { MemorySyncStore } from "../../test/support/memory-sync-store";
import {
  BATCH_RETENTION_MS,
  EMULATOR_PLACEHOLDER_AUTH_ID,
  ID_TOKEN_LIFETIME_MS,
  handleSyncBatch,
} from "./apply-sync";
import type { SyncBatchInput, SyncStore } from "../domain/sync-store";
import { revocationOf } from "../auth/account-check";
import type { SyncBatchDeps, SyncBatchEvent } from "./apply-sync";

function harness(over: Partial<SyncBatchDeps> = {}) {
  const written: Record<string, unknown>[] = [];
  const store = new MemorySyncStore();
  const deps: SyncBatchDeps = {
    store,
    accountOf: () => Promise.resolve({ role: "chw", disabled: false }),
    writeBack: (_id, fields) => {
      written.push(fields);
      return Promise.resolve();
    },
    emulatorWithoutAuthContext: false,
    now: () => 1_800_000_000_000,
    ...over,
  };
  return { deps, written, store };
}

const batch = { chw_id: "chw-1", device_id: "d1", changes: { patients: [] } };
const event = (over: Partial<SyncBatchEvent>): SyncBatchEvent => ({
  batchId: "b1",
  data: batch,
  authType: "app_user",
  authId: "chw-1",
  ...over,
});

const NOW = 1_800_000_000_000;
const revokedAt = (ms: number) => () =>
  Promise.resolve({ role: "chw", disabled: false, revokedAtMs: ms });
const patient = (id: string, t = NOW - 60_000) => ({
  id,
  demographics: { name: "Ada", sex: "female", age_years: 30, village: "V" },
  last_modified_at: t,
});

// Through the SyncStore port with an in-memory store; the Firestore adapter behind the same
// port is covered by the outbox integration spec.
describe("applySync handler", () => {
  it("applies a CHW's batch through the core and writes the results back with an expiry", async () => {
    const h = harness();
    const data = { ...batch, changes: { patients: [patient("p1"), { id: "p2" }] } };
    await handleSyncBatch(event({ data }), h.deps);
    expect(h.store.applied).to.have.length(1);
    expect(h.store.applied[0]).to.include({
      chwId: "chw-1",
      batchId: "b1",
      source: "outbox",
      requestId: "b1",
      nowMs: NOW,
    });
    expect(h.written).to.have.length(1);
    const back = h.written[0]!;
    expect(back.status).to.equal("applied");
    expect(back.results).to.deep.equal([
      { table: "patients", id: "p1", outcome: "applied", server_seq: 1 },
      { table: "patients", id: "p2", outcome: "rejected", reason: "INVALID_RECORD" },
    ]);
    expect(back).to.not.have.property("clock_skew_ms");
    expect(back).to.have.property("expire_at");
    expect(h.store.docs.get("patients/p1")).to.include({ chw_id: "chw-1" });
  });

  it("writes the same results again on a redelivery (a replay through the receipt)", async () => {
    const h = harness();
    const data = { ...batch, changes: { patients: [patient("p1")] } };
    await handleSyncBatch(event({ data }), h.deps);
    await handleSyncBatch(event({ data }), h.deps);
    expect(h.written).to.have.length(2);
    expect(h.written[1]!.results).to.deep.equal(h.written[0]!.results);
    expect(h.store.docs.get("patients/p1")!.server_seq).to.equal(1);
  });

  /** The harness's store, recording each batch and answering `resultWritten` as told. */
  function recording(h: ReturnType<typeof harness>, resultWritten: boolean) {
    const seen: SyncBatchInput[] = [];
    const inner = h.store;
    const store: SyncStore = {
      applyBatch: async (b) => {
        seen.push(b);
        return { ...(await inner.applyBatch(b)), resultWritten };
      },
      pullPage: (...a) => inner.pullPage(...a),
      auditPull: (e) => inner.auditPull(e),
      noteDeliveries: (...a) => inner.noteDeliveries(...a),
    };
    h.deps.store = store;
    return seen;
  }

  it("has the store keep the outcome on the batch document, and writes nothing more when it did", async () => {
    const h = harness();
    const seen = recording(h, true);
    await handleSyncBatch(
      event({ data: { ...batch, changes: { patients: [patient("p1")] } } }),
      h.deps,
    );
    expect(seen[0]!.outboxReceipt).to.deep.equal({ retentionMs: BATCH_RETENTION_MS });
    expect(h.written).to.deep.equal([]);
  });

  it("writes the outcome back itself when the store could not (applied over HTTP first)", async () => {
    const h = harness();
    recording(h, false);
    await handleSyncBatch(
      event({ data: { ...batch, changes: { patients: [patient("p1")] } } }),
      h.deps,
    );
    expect(h.written.map((w) => w.status)).to.deep.equal(["applied"]);
  });

  it("keeps a separate receipt for a batch document too large to carry its outcome", async () => {
    const h = harness();
    const seen = recording(h, false);
    const big = Array.from({ length: 13 }, (_, i) => ({
      ...patient(`p${i}`),
      demographics: { name: "x".repeat(66_000), sex: "female", age_years: 30, village: "V" },
    }));
    await handleSyncBatch(event({ data: { ...batch, changes: { patients: big } } }), h.deps);
    expect(seen[0]!.outboxReceipt).to.equal(undefined);
    expect(h.written).to.have.length(1);
  });

  it("reports the clock skew of a record from the future, clamped to server time", async () => {
    const h = harness();
    const data = { ...batch, changes: { patients: [patient("p1", NOW + 3_600_000)] } };
    await handleSyncBatch(event({ data }), h.deps);
    expect(h.written[0]!.clock_skew_ms).to.equal(3_600_000);
    expect(h.store.docs.get("patients/p1")!.last_modified_at).to.equal(NOW);
  });

  it("accepts the emulator's placeholder writer only on the emulator", async () => {
    const h = harness({ emulatorWithoutAuthContext: true });
    const data = { ...batch, changes: { patients: [patient("p1")] } };
    await handleSyncBatch(event({ data, authId: EMULATOR_PLACEHOLDER_AUTH_ID }), h.deps);
    expect(h.written[0]!.status).to.equal("applied");
  });

  const refusals: [string, Partial<SyncBatchEvent>, Partial<SyncBatchDeps>, string][] = [
    ["a writer other than the CHW named", { authId: "chw-2" }, {}, "SYNC_2002"],
    [
      "a service principal (Admin SDK) writer",
      { authType: "service_account", authId: undefined },
      {},
      "SYNC_2002",
    ],
    [
      "the emulator placeholder outside the emulator",
      { authType: "unknown", authId: EMULATOR_PLACEHOLDER_AUTH_ID },
      {},
      "SYNC_2002",
    ],
    [
      "a named user who is not a CHW",
      {},
      { accountOf: () => Promise.resolve({ role: "doctor", disabled: false }) },
      "SYNC_2002",
    ],
    [
      "a named user who does not exist",
      {},
      { accountOf: () => Promise.resolve(undefined) },
      "SYNC_2002",
    ],
    [
      "a disabled CHW",
      {},
      { accountOf: () => Promise.resolve({ role: "chw", disabled: true }) },
      "SYNC_2002",
    ],
    [
      "a batch stamped by a session signed in before the account's revocation",
      { data: { ...batch, pending: true, auth_time: (NOW - 7_200_000) / 1000 } },
      { accountOf: revokedAt(NOW - 3_600_000) },
      "SYNC_2001",
    ],
    [
      "an unstamped batch (older app) written within a token lifetime after a revocation",
      { createdAtMs: NOW - 1_800_000 },
      { accountOf: revokedAt(NOW - 3_600_000) },
      "SYNC_2001",
    ],
    [
      "an auth_time that is not a whole number of seconds",
      { data: { ...batch, auth_time: "yesterday" } },
      {},
      "SYNC_1000",
    ],
    ["a document with extra fields", { data: { ...batch, status: "applied" } }, {}, "SYNC_1000"],
    [
      "more than 500 records",
      { data: { ...batch, changes: { patients: Array(501).fill({}) } } },
      {},
      "SYNC_1005",
    ],
  ];
  for (const [name, ev, deps, code] of refusals) {
    it(`refuses ${name} with ${code} and an expiry, applying nothing`, async () => {
      const h = harness(deps);
      await handleSyncBatch(event(ev), h.deps);
      expect(h.written).to.have.length(1);
      expect(h.written[0]!.status).to.equal("rejected");
      expect((h.written[0]!.error as { code: string }).code).to.equal(code);
      expect(h.written[0]).to.have.property("expire_at");
      expect(h.written[0]).to.have.property("pending");
      expect(h.store.applied).to.deep.equal([]);
    });
  }

  // The revocation rule: refuse what a revoked session may have written, apply everything else.
  const applied: [string, Partial<SyncBatchEvent>][] = [
    [
      "a batch stamped by a session signed in after the revocation",
      { data: { ...batch, pending: true, auth_time: (NOW - 600_000) / 1000 } },
    ],
    ["an unstamped batch written before the revocation", { createdAtMs: NOW - 4_000_000 }],
    [
      "an unstamped batch written more than a token lifetime after the revocation",
      { createdAtMs: NOW - 3_600_000 + ID_TOKEN_LIFETIME_MS + 1 },
    ],
  ];
  for (const [name, ev] of applied) {
    it(`applies ${name}, and clears the pending marker`, async () => {
      const h = harness({ accountOf: revokedAt(NOW - 3_600_000) });
      await handleSyncBatch(event(ev), h.deps);
      expect(h.written[0]!.status).to.equal("applied");
      expect(h.written[0]).to.have.property("pending");
    });
  }

  it("applies a re-driven batch (no writer identity: the sweeper) like its trigger would", async () => {
    const h = harness();
    const data = { ...batch, pending: true, changes: { patients: [patient("p1")] } };
    await handleSyncBatch(
      event({ data, authType: undefined, authId: undefined, redrive: true }),
      h.deps,
    );
    expect(h.written[0]!.status).to.equal("applied");
  });
});

describe("revocationOf", () => {
  const created = "Thu, 01 Oct 2026 10:00:00 GMT";
  it("is nothing for an account whose sessions were never revoked (valid-after = creation)", () => {
    expect(
      revocationOf({ tokensValidAfterTime: created, metadata: { creationTime: created } }),
    ).to.deep.equal({});
  });
  it("is nothing when valid-after is the creation second, although creation has milliseconds", () => {
    expect(
      revocationOf({
        tokensValidAfterTime: created,
        metadata: { creationTime: new Date(Date.parse(created) + 400).toUTCString() },
      }),
    ).to.deep.equal({});
  });
  it("is the valid-after time once sessions are revoked", () => {
    const later = "Thu, 01 Oct 2026 11:00:00 GMT";
    expect(
      revocationOf({ tokensValidAfterTime: later, metadata: { creationTime: created } }),
    ).to.deep.equal({
      revokedAtMs: Date.parse(later),
    });
  });
});
