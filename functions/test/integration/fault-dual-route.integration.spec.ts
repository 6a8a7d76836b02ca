import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { doc, setDoc } from "firebase/firestore";
import {
  adminDb,
  chwWithDevice,
  closeDevice,
  eventually,
  kase,
  patient,
  seedSync,
} from "./sync-helpers";
import type { Device, Result, TestUser } from "./sync-helpers";

/*
 * Fault injection (issue 9): the same batch delivered at the same time through both routes, as
 * a device does when its HTTPS request times out and the SDK's offline queue also flushes the
 * batch document. It must be applied once (one server_seq per record, manifest counts each
 * record once) and both routes must answer the same per-record results.
 */

const ROUNDS = 5;

const shape = (rs: Result[]) => rs.map((r) => [r.table, r.id, r.outcome, r.reason ?? null]);

describe("fault: one batch through HTTPS and the syncBatches outbox at once", function () {
  this.timeout(120_000);
  let chw: TestUser;
  let dev: Device;

  before(async () => ({ chw, dev } = await chwWithDevice()));
  after(() => closeDevice(dev));

  it("is applied once and both routes answer the same results", async () => {
    const db = adminDb();
    let records = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const batchId = `dual-${randomUUID()}`;
      const p = patient();
      // GREEN: a RED case would also be analysed, and the analysis advances the scope too.
      const c = kase(String(p.id), { risk_level: "GREEN" });
      const edit = round > 0 ? [patient({ id: `dual-${chw.uid}-p0` })] : [];
      const first = round === 0 ? [patient({ id: `dual-${chw.uid}-p0` })] : [];
      const changes = { patients: [p, ...first, ...edit], cases: [c] };
      records += 3; // a new patient, p0 (created, then edited), a new case
      // Stagger the two deliveries differently each round, so either may win the race.
      const viaDoc = new Promise((r) => setTimeout(r, round * 15)).then(() =>
        setDoc(doc(dev.db, "syncBatches", batchId), {
          chw_id: chw.uid,
          device_id: "dual-phone",
          changes,
        }),
      );
      const viaHttps = new Promise((r) => setTimeout(r, (ROUNDS - round) * 15)).then(() =>
        seedSync(chw.token, { batch_id: batchId, device_id: "dual-phone", changes }),
      );
      const [, https] = await Promise.all([viaDoc, viaHttps]);
      expect(https.status, JSON.stringify(https.body)).to.equal(200);
      const processed = await eventually(async () => {
        const d = (await db.doc(`syncBatches/${batchId}`).get()).data();
        return d?.status ? (d as { status: string; results: Result[] }) : undefined;
      }, 30_000);
      expect(processed.status).to.equal("applied");
      expect(shape(processed.results)).to.deep.equal(shape(https.body.results));
      expect(https.body.results.map((r) => r.outcome)).to.deep.equal([
        "applied",
        "applied",
        "applied",
      ]);
    }
    // Applied once: the scope's sequence advanced exactly once per record write, and the
    // manifest counts each live record once.
    const scope = (await db.doc(`syncScopes/${chw.uid}`).get()).data() as {
      seq: number;
      count: number;
    };
    expect(scope.seq).to.equal(records);
    const live =
      (await db.collection("patients").where("chw_id", "==", chw.uid).count().get()).data().count +
      (await db.collection("cases").where("chw_id", "==", chw.uid).count().get()).data().count;
    expect(scope.count).to.equal(live);
    expect(live).to.equal(ROUNDS * 2 + 1);
  });
});
