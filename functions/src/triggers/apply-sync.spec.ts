import { expect } from "chai";
import { EMULATOR_PLACEHOLDER_AUTH_ID, handleSyncBatch } from "./apply-sync";
import type { SyncBatchDeps, SyncBatchEvent } from "./apply-sync";

function harness(over: Partial<SyncBatchDeps> = {}) {
  const written: Record<string, unknown>[] = [];
  const deps: SyncBatchDeps = {
    roleOf: () => Promise.resolve("chw"),
    writeBack: (_id, fields) => {
      written.push(fields);
      return Promise.resolve();
    },
    emulatorWithoutAuthContext: false,
    now: () => 1_800_000_000_000,
    ...over,
  };
  return { deps, written };
}

const batch = { chw_id: "chw-1", device_id: "d1", changes: { patients: [] } };
const event = (over: Partial<SyncBatchEvent>): SyncBatchEvent => ({
  batchId: "b1",
  data: batch,
  authType: "app_user",
  authId: "chw-1",
  ...over,
});

// Only refusals run here (no Firestore): applying is covered by the outbox integration spec.
describe("applySync handler", () => {
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
    ["a named user who is not a CHW", {}, { roleOf: () => Promise.resolve("doctor") }, "SYNC_2002"],
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
    });
  }
});
