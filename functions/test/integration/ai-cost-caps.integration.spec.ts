import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { readEnvLocal } from "../../../infra/src/image-store";
import { chwQuotaRef } from "../../src/adapters/analysis-jobs";
import { dayOf, hourOf } from "../../src/domain/analysis-quota";
import { createUser, kase as seedCase, patient as seedPatient, seedSync } from "./sync-helpers";
import {
  type CaseDoc,
  type JobDoc,
  calls,
  commitCase,
  db,
  freshChw,
  read,
  redCase,
  waitFor,
} from "./ai-helpers";

/*
 * Cost caps on the emulator stack (functions/.env.local: a 4 s settle window, the default caps).
 * A CHW is brought to its hourly cap by filling its counter document, as its own earlier
 * analyses would have; every case it sends after that is `limited`, and still reaches doctors.
 */

const LIMITED_CODE = "AI_6005";
/** The hourly cap the functions emulator runs with (functions/.env.local). */
const PER_CHW_HOUR = Number(readEnvLocal("ANALYSIS_MAX_PER_CHW_HOUR"));

/** Fills a CHW's counters to `used` analyses this hour and this day. */
async function useQuota(chw: string, used: number): Promise<void> {
  const now = Date.now();
  await chwQuotaRef(db(), chw).set({
    hour: hourOf(now),
    hour_count: used,
    day: dayOf(now),
    day_count: used,
  });
}

/** The cases a doctor's queue shows: the console's own query. */
async function doctorQueue(): Promise<string[]> {
  const snap = await db().collection("cases").where("needs_doctor", "==", true).get();
  return snap.docs.map((d) => d.id);
}

describe("AI cost caps on the emulators", function () {
  this.timeout(240_000);

  it("coalesces a burst of edits to one RED case into one analysis of the newest version", async () => {
    const chw = await createUser("chw");
    const p = seedPatient();
    const base = seedCase(p.id as string, {
      risk_level: "RED",
      triage_data: redCase().triage_data as unknown,
    });
    const caseId = base.id as string;
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 4; i++) {
      const edit = {
        ...base,
        triage_data: { ...(base.triage_data as object), duration_days: 30 + i },
        last_modified_at: t0 + i * 1_000,
      };
      const res = await seedSync(chw.token, {
        batch_id: randomUUID(),
        device_id: "dev-burst",
        changes: { patients: i === 0 ? [p] : [], cases: [edit] },
      });
      expect(res.status).to.equal(200);
    }
    const analysed = await waitFor<CaseDoc>(
      `cases/${caseId}`,
      (d) => d?.analysis?.state === "done",
      150_000,
    );
    const version = analysed.content_version;
    expect(version).to.be.at.least(4);
    expect(analysed.ai_analysis?.content_version).to.equal(version);
    const jobs = await db().collection("analysisJobs").where("case_id", "==", caseId).get();
    const byKey = new Map(jobs.docs.map((d) => [d.id, d.data() as JobDoc]));
    expect(byKey.size).to.equal(version);
    let modelCalls = 0;
    for (const [key, job] of byKey) {
      modelCalls += (await calls(key)).length;
      if (key === `${caseId}.v${version}`) {
        expect([job.state, job.outcome]).to.deep.equal(["done", "analysed"]);
      } else {
        // Older versions never reached the model: superseded before publishing.
        expect([job.state, job.outcome, job.attempts]).to.deep.equal(["done", "superseded", 0]);
      }
    }
    expect(modelCalls).to.equal(1); // one text-only synthesis: one analysis for the burst
  });

  it("limits a CHW over its hourly cap: the RED case is marked limited and still reaches the doctors' queue", async () => {
    const chw = freshChw();
    await useQuota(chw, PER_CHW_HOUR - 1);
    const first = randomUUID();
    const second = randomUUID();
    const firstKey = await commitCase(chw, first, redCase(), 1);
    await waitFor<CaseDoc>(`cases/${first}`, (d) => d?.analysis?.state === "done", 150_000);
    const secondKey = await commitCase(chw, second, redCase(), 1);
    const limited = await waitFor<CaseDoc & { needs_doctor?: boolean; queue_reason?: string }>(
      `cases/${second}`,
      (d) => d?.analysis?.state === "limited",
      150_000,
    );
    expect(limited.analysis?.error?.code).to.equal(LIMITED_CODE);
    expect(limited.analysis?.error?.message).to.match(/limit/i);
    expect(limited.status).to.equal("PENDING_DIAGNOSIS");
    expect(limited.needs_doctor).to.equal(true);
    expect(limited.ai_analysis).to.equal(undefined);
    expect(await doctorQueue()).to.include(second);
    const job = (await read<JobDoc & { limited?: { quota: string; limit: number } }>(
      `analysisJobs/${secondKey}`,
    ))!;
    expect([job.state, job.outcome, job.error?.code]).to.deep.equal([
      "limited",
      "limited",
      LIMITED_CODE,
    ]);
    expect(job.limited).to.deep.equal({
      quota: "chw_hour",
      limit: PER_CHW_HOUR,
    });
    expect(job.next_publish_at).to.equal(undefined); // nothing left for the sweeper
    expect(await calls(secondKey)).to.have.length(0);
    expect(await calls(firstKey)).to.have.length(1);
    const counter = (await read<{ hour_count: number }>(`analysisQuotas/chw:${chw}`))!;
    expect(counter.hour_count).to.equal(PER_CHW_HOUR);
  });

  it("another CHW's cases are analysed while one CHW is over its cap", async () => {
    const over = freshChw();
    const other = freshChw();
    await useQuota(over, PER_CHW_HOUR);
    const blocked = randomUUID();
    const fine = randomUUID();
    await commitCase(over, blocked, redCase(), 1);
    await commitCase(other, fine, redCase(), 1);
    const [a, b] = await Promise.all([
      waitFor<CaseDoc>(`cases/${blocked}`, (d) => d?.analysis?.state === "limited", 150_000),
      waitFor<CaseDoc>(`cases/${fine}`, (d) => d?.analysis?.state === "done", 150_000),
    ]);
    expect(a.ai_analysis).to.equal(undefined);
    expect(b.ai_analysis?.content_version).to.equal(1);
    const otherCounter = (await read<{ hour_count: number }>(`analysisQuotas/chw:${other}`))!;
    expect(otherCounter.hour_count).to.equal(1);
  });
});
