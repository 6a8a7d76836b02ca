import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { doc, getDoc, setDoc } from "firebase/firestore";
import { getAuth as getAdminAuth } from "firebase-admin/auth";
import { emulatorAdminApp } from "../../../infra/src/seed";
import {
  adminDb,
  chwWithDevice,
  closeDevice,
  createUser,
  kase,
  patient,
  processed,
  seedSync,
} from "./sync-helpers";
import type { Device, TestUser } from "./sync-helpers";

describe("sync over the Firestore outbox (syncBatches + applySync)", () => {
  let chw: TestUser;
  let dev: Device;

  before(async () => ({ chw, dev } = await chwWithDevice()));
  after(() => closeDevice(dev));

  it("applies a batch the device wrote, writes results and an expiry back, and replays across routes", async () => {
    const batchId = randomUUID();
    const p = patient();
    const c = kase(String(p.id), { risk_level: "RED" });
    const bad: Record<string, unknown> = { ...patient(), chw_id: "someone-else" };
    await setDoc(doc(dev.db, "syncBatches", batchId), {
      chw_id: chw.uid,
      device_id: "phone-1",
      changes: { patients: [p, bad], cases: [c] },
    });
    const done = await processed(batchId);
    expect(done.status).to.equal("applied");
    expect(
      done.results!.map((r) => [r.id, r.outcome, r.reason ?? null, r.ignored_fields ?? null]),
    ).to.deep.equal([
      [p.id, "applied", null, null],
      // A server-owned field is never stored, and never a reason to lose the record.
      [bad.id, "applied", null, ["chw_id"]],
      [c.id, "applied", null, null],
    ]);
    expect(
      (
        await adminDb()
          .doc(`patients/${String(bad.id)}`)
          .get()
      ).get("chw_id"),
    ).to.equal(chw.uid);
    expect(done.expire_at!.toMillis()).to.be.greaterThan(Date.now() + 24 * 3600_000);
    // The batch document is the receipt: its outcome was written in the records' commit, and
    // no separate receipt exists.
    expect((await adminDb().doc(`syncReceipts/${chw.uid}__${batchId}`).get()).exists).to.equal(
      false,
    );
    const stored = (
      await adminDb()
        .doc(`cases/${String(c.id)}`)
        .get()
    ).data()!;
    expect(stored).to.deep.include({ chw_id: chw.uid });
    // Created TRIAGED; the AI pipeline may already have analysed it (then PENDING_DIAGNOSIS).
    expect(["TRIAGED", "PENDING_DIAGNOSIS"]).to.include(stored.status);
    expect(
      (
        await adminDb()
          .doc(`analysisJobs/${String(c.id)}.v1`)
          .get()
      ).exists,
    ).to.equal(true);
    // The device reads its own batch back (the result it shows the CHW).
    const mine = await getDoc(doc(dev.db, "syncBatches", batchId));
    expect(mine.get("status")).to.equal("applied");
    // The same batch arriving over HTTPS is a replay with the same results.
    const https = await seedSync(chw.token, {
      batch_id: batchId,
      changes: { patients: [p, bad], cases: [c] },
    });
    expect(https.body.replayed).to.equal(true);
    expect(https.body.results).to.deep.equal(done.results);
  });

  it("a batch applied over HTTP first, then arriving as an outbox document, is a replay that writes its results back", async () => {
    const batchId = randomUUID();
    const p = patient();
    const https = await seedSync(chw.token, { batch_id: batchId, changes: { patients: [p] } });
    expect(https.body.results.map((r) => r.outcome)).to.deep.equal(["applied"]);
    const stored = () =>
      adminDb()
        .doc(`patients/${String(p.id)}`)
        .get();
    const seqBefore = (await stored()).get("server_seq") as number;
    await setDoc(doc(dev.db, "syncBatches", batchId), {
      chw_id: chw.uid,
      device_id: "phone-1",
      changes: { patients: [p] },
    });
    const done = await processed(batchId);
    expect(done.status).to.equal("applied");
    expect(done.results).to.deep.equal(https.body.results);
    // Nothing applied twice: the record was not written again (the scope itself may move
    // meanwhile: the AI pipeline is still finishing the first test's RED case).
    expect((await stored()).get("server_seq")).to.equal(seqBefore);
    expect(
      (await adminDb().doc(`syncReceipts/${chw.uid}__${batchId}`).get()).exists,
      "the HTTP route's receipt",
    ).to.equal(true);
  });

  /**
   * Writes a batch for `uid` and expects it refused with SYNC_2002, none of it applied. The
   * emulator's auth context is a placeholder, so it goes in with the Admin SDK; the
   * writer-equals-chw_id check itself is covered by apply-sync.spec.ts.
   */
  async function expectRefused(uid: string): Promise<void> {
    const batchId = randomUUID();
    await adminDb()
      .doc(`syncBatches/${batchId}`)
      .set({ chw_id: uid, device_id: "x", changes: { patients: [patient()] } });
    const done = await processed(batchId);
    expect(done.status).to.equal("rejected");
    expect(done.error!.code).to.equal("SYNC_2002");
    expect((await adminDb().doc(`syncScopes/${uid}`).get()).exists).to.equal(false);
  }

  it("refuses a batch naming a user who is not a CHW, writing the code back", async () => {
    await expectRefused((await createUser("doctor")).uid);
  });

  // A device keeps writing after its CHW's account is disabled (the token is still unexpired,
  // or the batch sat in the SDK's offline queue). The trigger has no token, so it reads the
  // account itself: the Auth user's disabled flag, and `users/{uid}.disabled`.
  for (const [where, disable] of [
    [
      "in Auth",
      (uid: string) => getAdminAuth(emulatorAdminApp()).updateUser(uid, { disabled: true }),
    ],
    [
      "in users/{uid}",
      (uid: string) => adminDb().doc(`users/${uid}`).set({ role: "chw", disabled: true }),
    ],
  ] as const) {
    it(`refuses a batch of a CHW disabled ${where}, applying none of it`, async () => {
      const off = await createUser("chw");
      await disable(off.uid);
      await expectRefused(off.uid);
    });
  }

  it("refuses a malformed batch document with a code", async () => {
    const batchId = randomUUID();
    await adminDb()
      .doc(`syncBatches/${batchId}`)
      .set({ chw_id: chw.uid, device_id: "x", changes: { patients: "lots" } });
    const done = await processed(batchId);
    expect(done).to.deep.include({ status: "rejected" });
    expect(done.error!.code).to.equal("SYNC_1000");
  });

  it("security rules refuse a device writing a batch for another CHW or with extra fields", async () => {
    const batch = (over: Record<string, unknown>) =>
      setDoc(doc(dev.db, "syncBatches", randomUUID()), {
        chw_id: chw.uid,
        device_id: "phone-1",
        changes: { patients: [patient()] },
        ...over,
      });
    let denied = 0;
    for (const over of [{ chw_id: "someone-else" }, { status: "applied" }]) {
      try {
        await batch(over);
      } catch (e) {
        if ((e as { code?: string }).code === "permission-denied") denied++;
      }
    }
    expect(denied).to.equal(2);
  });
});
