import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { deleteApp } from "firebase/app";
import type { FirebaseApp } from "firebase/app";
import { setLogLevel, terminate } from "firebase/firestore";
import type { Firestore as WebFirestore } from "firebase/firestore";
import { runScheduledFunction } from "../../../infra/src/local-scheduler";
import { backgroundTriggers } from "./ai-helpers";
import { captureLogs } from "./access-helpers";
import {
  adminDb,
  createUser,
  device,
  kase,
  patient,
  processed as batchProcessed,
  writeBatch,
} from "./sync-helpers";
import type { TestUser } from "./sync-helpers";

/** A cold functions worker on a loaded machine takes longer than the helpers' default. */
const processed = (batchId: string) => batchProcessed(batchId, 90_000);

// No stranded write (issue 17, finding 5): a syncBatches document whose applySync event never
// ran is applied by sweepSyncBatches, through the same handler and core. The event is lost for
// real: the functions emulator's background triggers are off while the device writes.
// functions/.env.local sets SYNC_SWEEP_AFTER_MS=20000 (5 minutes deployed).
const SWEEP_AFTER_MS = 20_000;

/**
 * Runs the sweeper once. Re-enabling background triggers reloads the emulator's functions, and
 * until the reload is done a scheduled function cannot be invoked: retry for up to 2 minutes.
 */
async function sweep(): Promise<void> {
  const until = Date.now() + 120_000;
  while (!(await runScheduledFunction("sweepSyncBatches"))) {
    if (Date.now() > until) throw new Error("sweepSyncBatches could not be run");
    await new Promise((r) => setTimeout(r, 2000));
  }
}

describe("sweepSyncBatches re-drives batches whose trigger never ran (functions emulator)", function () {
  this.timeout(120_000);
  let chw: TestUser;
  let dev: { app: FirebaseApp; db: WebFirestore };

  before(async () => {
    setLogLevel("silent");
    chw = await createUser("chw", "sweep");
    dev = await device(chw);
  });

  after(async () => {
    await backgroundTriggers(true);
    await terminate(dev.db);
    await deleteApp(dev.app);
  });

  it("applies a pending batch the trigger never saw, logs the alert line, and a second sweep changes nothing", async () => {
    const logs = await captureLogs();
    const batchId = randomUUID();
    const p = patient();
    const c = kase(String(p.id));
    await backgroundTriggers(false);
    try {
      await writeBatch(dev, chw, batchId, { patients: [p], cases: [c] }, { pending: true });
      // The emulator delivers events asynchronously: wait until this one has gone nowhere.
      await new Promise((r) => setTimeout(r, 8000));
    } finally {
      await backgroundTriggers(true);
    }
    const ref = adminDb().doc(`syncBatches/${batchId}`);
    const written = await ref.get();
    expect(written.get("status"), "no trigger ran").to.equal(undefined);

    // Younger than the threshold: a sweep leaves it to its trigger (it may still be in flight).
    // Only checkable while the batch is clearly younger (a loaded machine can be slower).
    if (Date.now() - written.createTime!.toMillis() < SWEEP_AFTER_MS / 2) {
      await sweep();
      if (Date.now() - written.createTime!.toMillis() < SWEEP_AFTER_MS) {
        expect((await ref.get()).get("status")).to.equal(undefined);
      }
    }

    const age = Date.now() - written.createTime!.toMillis();
    await new Promise((r) => setTimeout(r, Math.max(0, SWEEP_AFTER_MS - age) + 1000));
    await sweep();
    const done = await processed(batchId);
    expect(done.status).to.equal("applied");
    expect(done.results!.map((r) => [r.id, r.outcome])).to.deep.equal([
      [p.id, "applied"],
      [c.id, "applied"],
    ]);
    const after = (await ref.get()).data()!;
    expect(after).to.not.have.property("pending");
    const stored = await adminDb()
      .doc(`patients/${String(p.id)}`)
      .get();
    expect(stored.get("chw_id")).to.equal(chw.uid);
    const scope = (await adminDb().doc(`syncScopes/${chw.uid}`).get()).data();

    // Idempotent: another sweep finds nothing to do and moves nothing.
    await sweep();
    expect((await ref.get()).data()).to.deep.equal(after);
    expect((await adminDb().doc(`syncScopes/${chw.uid}`).get()).data()).to.deep.equal(scope);

    const alert = logs.lines().filter((l) => l.includes("sync_batch_stranded"));
    logs.stop();
    expect(alert.length, "one structured alert line for the sweep that found it").to.be.greaterThan(
      0,
    );
    expect(alert.join("\n")).to.not.include(String((p.demographics as { name: string }).name));
  });

  it("re-driving a batch that is already applied replays it: same results, nothing applied twice", async () => {
    const batchId = randomUUID();
    const p = patient();
    await writeBatch(dev, chw, batchId, { patients: [p] }, { pending: true });
    const first = await processed(batchId);
    const ref = adminDb().doc(`syncBatches/${batchId}`);
    const seq = (
      await adminDb()
        .doc(`patients/${String(p.id)}`)
        .get()
    ).get("server_seq") as number;
    // As if the trigger's result had been written by a version that left the marker (or the
    // sweeper raced an in-flight trigger): the sweeper must not apply it again.
    await ref.update({ pending: true });
    const age = Date.now() - (await ref.get()).createTime!.toMillis();
    await new Promise((r) => setTimeout(r, Math.max(0, SWEEP_AFTER_MS - age) + 1000));
    await sweep();
    const again = (await ref.get()).data()!;
    expect(again).to.not.have.property("pending");
    expect(again.results).to.deep.equal(first.results);
    expect(
      (
        await adminDb()
          .doc(`patients/${String(p.id)}`)
          .get()
      ).get("server_seq"),
    ).to.equal(seq);
  });
});
