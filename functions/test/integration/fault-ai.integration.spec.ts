import { expect } from "chai";
import { handleJobCreated } from "../../src/triggers/relay-analysis-job";
import { backgroundTriggers, calls, db, read, script, sweeperEvery } from "./ai-helpers";
import type { CaseDoc, JobDoc } from "./ai-helpers";
import { createUser, kase, patient, seedSync } from "./sync-helpers";
import type { TestUser } from "./sync-helpers";

/*
 * Fault injection on the AI pipeline, end to end from the sync route (issue 9): RED cases go in
 * through POST /v1/sync (case + outbox job in one transaction), and
 *  - the MedGemma stand-in answers 429, 503, slow, malformed, an error inside a 200 and
 *    garbage in turns: every case must end analysed, or failed with a reason, none stuck;
 *  - Pub/Sub publishing fails right after the commit: the sweeper must still deliver every job.
 */

const TERMINAL = new Set(["done", "failed"]);

/** Faults per case, in turns; `then` is what the stand-in answers after the scripted steps. */
const TURNS: { steps: string[]; then: string; expect: "done" | "failed" }[] = [
  { steps: ["429"], then: "ok", expect: "done" },
  { steps: ["503"], then: "ok", expect: "done" },
  { steps: ["slow:2500"], then: "ok", expect: "done" },
  { steps: ["malformed"], then: "ok", expect: "done" },
  { steps: ["429", "503", "malformed"], then: "ok", expect: "done" },
  { steps: ["error200"], then: "ok", expect: "done" },
  { steps: ["garbage"], then: "ok", expect: "done" },
  { steps: [], then: "malformed", expect: "failed" },
];

/** Syncs one patient with `n` RED cases; returns the case ids in order. */
async function syncRedCases(chw: TestUser, n: number, before?: (ids: string[]) => Promise<void>) {
  const p = patient();
  const cases = Array.from({ length: n }, () =>
    kase(String(p.id), {
      risk_level: "RED",
      images: [],
      triage_data: {
        body_site: "left forearm",
        duration_days: 30,
        symptoms: ["itch"],
        danger_signs: ["bleeding"],
      },
    }),
  );
  const ids = cases.map((c) => String(c.id));
  await before?.(ids);
  const res = await seedSync(chw.token, { changes: { patients: [p], cases } });
  expect(res.status).to.equal(200);
  expect(res.body.results.every((r) => r.outcome === "applied")).to.equal(true);
  return ids;
}

/** Polls until every case's analysis is terminal (ticking the sweeper), or reports the stuck ones. */
async function settle(ids: string[], timeoutMs: number): Promise<Map<string, CaseDoc>> {
  const tick = sweeperEvery(1_000);
  const until = Date.now() + timeoutMs;
  const out = new Map<string, CaseDoc>();
  for (;;) {
    for (const id of ids) {
      if (out.has(id)) continue;
      const c = await read<CaseDoc>(`cases/${id}`);
      if (c?.analysis && TERMINAL.has(c.analysis.state)) out.set(id, c);
    }
    if (out.size === ids.length) return out;
    if (Date.now() > until) {
      const stuck = ids.filter((id) => !out.has(id));
      const states = await Promise.all(
        stuck.map(async (id) => (await read<CaseDoc>(`cases/${id}`))?.analysis?.state),
      );
      throw new Error(`${stuck.length} case(s) stuck: ${JSON.stringify(states)}`);
    }
    await tick();
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe("fault: the AI pipeline under model and Pub/Sub failures, from the sync route", function () {
  this.timeout(180_000);
  let chw: TestUser;

  before(async () => {
    chw = await createUser("chw");
  });

  afterEach(async () => {
    await backgroundTriggers(true);
  });

  it("MedGemma answering 429, 503, slow and malformed in turns: every RED case ends analysed or failed with a reason", async () => {
    const ids = await syncRedCases(chw, TURNS.length, async (caseIds) => {
      // Job keys are `{case_id}.v{content_version}`; a new case is version 1.
      for (const [i, id] of caseIds.entries()) {
        await script(`${id}.v1`, TURNS[i]!.steps, TURNS[i]!.then);
      }
    });
    const settled = await settle(ids, 150_000);
    for (const [i, id] of ids.entries()) {
      const c = settled.get(id)!;
      const turn = TURNS[i]!;
      const what = `case ${i} (${[...turn.steps, `then ${turn.then}`].join(", ")})`;
      expect(c.analysis!.job_key, what).to.equal(`${id}.v1`);
      expect(c.analysis!.state, what).to.equal(turn.expect);
      // A RED case reaches a doctor whether or not the model helped.
      expect(c.status, what).to.equal("PENDING_DIAGNOSIS");
      if (turn.expect === "done") {
        expect(c.ai_analysis?.job_key, what).to.equal(`${id}.v1`);
      } else {
        expect(c.analysis!.error?.code, what).to.match(/^AI_\d{4}$/);
        expect(c.analysis!.error?.message, what).to.be.a("string").and.not.equal("");
        expect(c.ai_analysis, what).to.equal(undefined);
      }
      // The faults were really served: the stand-in answered each failing step, then more.
      const failing = turn.steps.filter((step) => !step.startsWith("slow")).length;
      const seen = (await calls(`${id}.v1`)).length;
      expect(seen, what).to.be.at.least(failing + 1);
    }
  });

  it("Pub/Sub publish failing after the commit: the sweeper delivers every job", async () => {
    // The relay trigger is switched off, so the in-process relay below, whose publisher always
    // fails, is the only one that runs right after the commit.
    await backgroundTriggers(false);
    const ids = await syncRedCases(chw, 4);
    const failing = {
      publish: () => Promise.reject(new Error("UNAVAILABLE: Pub/Sub is down")),
    };
    for (const id of ids) {
      const key = `${id}.v1`;
      const job = await read<JobDoc>(`analysisJobs/${key}`);
      expect(job?.state, `outbox job for ${key}`).to.equal("pending");
      const outcome = await handleJobCreated(key, {
        db: db(),
        publisher: failing,
        timing: { baseMs: 300, capMs: 4_800, deliveryLeaseMs: 60_000 },
      });
      expect(outcome).to.equal("publish_failed");
      const after = (await read<JobDoc>(`analysisJobs/${key}`))!;
      expect(after.published_at ?? null).to.equal(null);
      expect(after.last_publish_error).to.be.a("string");
    }
    await backgroundTriggers(true);
    const settled = await settle(ids, 90_000);
    for (const id of ids) {
      const c = settled.get(id)!;
      expect(c.analysis!.state, id).to.equal("done");
      expect(c.ai_analysis?.job_key).to.equal(`${id}.v1`);
      const job = (await read<JobDoc>(`analysisJobs/${id}.v1`))!;
      expect(job.publish_attempts, id).to.be.at.least(2);
      expect(job.published_at).to.be.a("number");
    }
  });
});
