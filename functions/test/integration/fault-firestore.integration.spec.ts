import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { API_BASE_URL, PORTS } from "../../../infra/src/stack";
import { freezeEmulator } from "../support/emulator-process";
import type { Frozen } from "../support/emulator-process";
import { SyncModel, versionTag, violations } from "../support/sync-model";
import { adminDb, createUser, seedSync } from "./sync-helpers";
import type { Result, TestUser } from "./sync-helpers";

/*
 * Fault injection (issue 9): the Firestore emulator is stopped (SIGSTOP: the JVM freezes,
 * connections hang, exactly what clients see when the database is unreachable) for several
 * seconds in the middle of a burst of syncs, then continued. Clients behave like the app: a
 * request timeout, then the SAME batch (same batch_id) again with backoff until it is answered.
 * Afterwards the store must equal the model of acknowledged writes.
 */

/*
 * Sized for the functions emulator, which runs one worker process per concurrent request and
 * gives a new worker 30 s to load: every request hung on the frozen database holds a worker, so
 * each retry during the outage starts another. Two clients with an 8 s timeout against a 10 s
 * outage start at most a couple of extra workers; more would test the emulator, not our code.
 */
const CLIENTS = 2;
const BATCHES = 10;
const CLIENT_TIMEOUT_MS = 8_000;
const FREEZE_AFTER_MS = 1_000;
const FREEZE_FOR_MS = 10_000;
const GIVE_UP_AFTER_MS = 120_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Traffic {
  attempts: number;
  timeouts: number;
  statuses: Map<number, number>;
}

/** One device: BATCHES seed syncs, each a new patient plus an edit of an earlier one. */
async function device(user: TestUser, model: SyncModel, traffic: Traffic): Promise<void> {
  const ids: string[] = [];
  let lastLmt = 0;
  const lmt = () => (lastLmt = Math.max(Date.now(), lastLmt + 1));
  const until = Date.now() + GIVE_UP_AFTER_MS;
  for (let b = 0; b < BATCHES; b++) {
    const records: { id: string; lmt: number }[] = [{ id: randomUUID(), lmt: lmt() }];
    if (ids.length) records.push({ id: ids[b % ids.length]!, lmt: lmt() });
    ids.push(records[0]!.id);
    for (const r of records) model.send(user.uid, "patients", r.id, r.lmt);
    const body = JSON.stringify({
      batch_id: `${user.uid}-b${b}`,
      device_id: `${user.uid}-phone`,
      last_sync_timestamp: null,
      changes: {
        patients: records.map((r) => ({
          id: r.id,
          demographics: {
            name: "Fault Patient",
            sex: "male",
            age_years: 9,
            village: versionTag(r.lmt),
          },
          last_modified_at: r.lmt,
        })),
      },
    });
    for (let attempt = 0; ; attempt++) {
      if (Date.now() > until) throw new Error(`${user.uid} batch ${b} was never acknowledged`);
      traffic.attempts += 1;
      try {
        const res = await fetch(`${API_BASE_URL}/v1/sync`, {
          method: "POST",
          headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
          body,
          signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
        });
        traffic.statuses.set(res.status, (traffic.statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200) {
          const { results } = (await res.json()) as { results: Result[] };
          for (const r of results) {
            const sent = records.find((x) => x.id === r.id);
            expect(r.outcome, JSON.stringify(r)).to.be.oneOf(["applied", "duplicate", "stale"]);
            if (sent) model.ack("patients", r.id, sent.lmt);
          }
          break;
        }
        await res.arrayBuffer();
      } catch {
        traffic.timeouts += 1;
      }
      await sleep(Math.min(500 * 2 ** attempt, 4_000) + Math.random() * 200);
    }
  }
}

describe("fault: Firestore emulator stopped and continued during a burst of syncs", function () {
  this.timeout(GIVE_UP_AFTER_MS + 60_000);
  let frozen: Frozen | undefined;

  afterEach(() => frozen?.thaw());

  it("clients retry the same batches; the store equals the model of acknowledged writes", async () => {
    const users = await Promise.all(Array.from({ length: CLIENTS }, () => createUser("chw")));
    // Start one warm worker per client first, so the burst measures the outage, not cold starts.
    for (const u of users) {
      const warm = await seedSync(u.token, { changes: {} });
      expect(warm.status).to.equal(200);
    }
    const model = new SyncModel();
    const traffic: Traffic = { attempts: 0, timeouts: 0, statuses: new Map() };
    const burst = Promise.all(users.map((u) => device(u, model, traffic)));
    await sleep(FREEZE_AFTER_MS);
    frozen = freezeEmulator(PORTS.firestore);
    await sleep(FREEZE_FOR_MS);
    frozen.thaw();
    await burst;

    const check = await model.check(adminDb());
    const retried = traffic.attempts - CLIENTS * BATCHES;
    console.log(
      `      fault-firestore: ${traffic.attempts} attempts for ${CLIENTS * BATCHES} batches ` +
        `(${retried} retries, ${traffic.timeouts} client timeouts), statuses ` +
        `${JSON.stringify(Object.fromEntries(traffic.statuses))}, ${check.acked} records acknowledged`,
    );
    // The outage must have reached the clients, or this test proved nothing.
    expect(retried, "no request failed during the outage").to.be.greaterThan(0);
    // Every record sent was eventually acknowledged, and the store holds exactly that.
    expect(check.acked).to.equal(CLIENTS * BATCHES);
    expect(violations(check), check.examples.join("; ")).to.equal(0);
    expect(check.stored).to.equal(check.acked);
    // An unreachable database may be answered 503 (retry later), never with a bare 500.
    expect([...traffic.statuses.keys()].filter((s) => s !== 200 && s !== 503)).to.deep.equal([]);
  });
});
