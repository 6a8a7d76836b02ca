import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { handleJobCreated } from "../../src/triggers/relay-analysis-job";
import type { RelayDeps } from "../../src/triggers/relay-analysis-job";
import { pubsubPublisher } from "../../src/adapters/pubsub-publisher";
import { PROMPT_VERSION } from "../../src/domain/analysis-prompt";
import { idToken, photo, uploadPhoto } from "./images-support";
import { createUser, kase as seedCase, patient as seedPatient, seedSync } from "./sync-helpers";
import {
  backgroundTriggers,
  type CaseDoc,
  type JobDoc,
  calls,
  commitCase,
  db,
  freshChw,
  publish,
  read,
  redCase,
  script,
  sweeperEvery,
  waitFor,
} from "./ai-helpers";

const done = (d: JobDoc | undefined) => d?.state === "done" || d?.state === "failed";

describe("AI pipeline on the emulators with the MedGemma stand-in", function () {
  this.timeout(90_000);

  it("analyses a RED case end to end: outbox → relay → Pub/Sub → analyzeCase → ai_analysis", async () => {
    const chw = freshChw();
    const caseId = randomUUID();
    const queuedImage = {
      sha256: "a".repeat(64),
      content_type: "image/jpeg",
      bytes: 1000,
      state: "queued",
      image_key: `cases/${caseId}/${"a".repeat(64)}.jpg`,
    };
    const key = await commitCase(chw, caseId, redCase({ images: [queuedImage] }), 1);
    const kase = await waitFor<CaseDoc>(`cases/${caseId}`, (d) => d?.analysis?.state === "done");
    const ai = kase.ai_analysis!;
    expect(kase.status).to.equal("PENDING_DIAGNOSIS");
    expect(ai.job_key).to.equal(key);
    expect(ai.content_version).to.equal(1);
    expect(ai.prompt_version).to.equal(PROMPT_VERSION);
    expect(ai.model).to.equal("google/medgemma-4b-it");
    expect(ai.served_model).to.equal("fixture/medgemma-stand-in");
    expect(ai.fixture).to.equal(true);
    expect(ai.endpoint).to.match(
      /^vertex:projects\/demo-dermadetect\/locations\/us-central1\/endpoints\//,
    );
    expect(ai.disclaimer).to.match(/not a diagnosis/i);
    expect(ai.usage.total_tokens).to.be.greaterThan(0);
    expect(ai.latency_ms).to.be.a("number");
    expect(ai.findings.urgency).to.equal("urgent");
    expect(ai.findings.limitations.join(" ")).to.match(/fixture/i);
    // The queued (unverified) photo is never sent: one text-only synthesis call.
    expect(ai.image_sha256s).to.deep.equal([]);
    expect((await calls(key)).map((c) => [c.route, c.images])).to.deep.equal([["predict", 0]]);
    expect(kase.timeline.analysis_requested_at).to.be.a("number");
    expect(kase.timeline.analysed_at).to.be.at.least(kase.timeline.analysis_requested_at as number);
    const job = (await read<JobDoc>(`analysisJobs/${key}`))!;
    expect([job.state, job.attempts, job.outcome]).to.deep.equal(["done", 1, "analysed"]);
    expect(job.next_publish_at).to.equal(undefined);
    expect(job.published_at).to.be.a("number");
    // The result advanced the CHW's pull cursor: the case's server_seq is the scope's latest.
    const scope = (await read<{ seq: number }>(`syncScopes/${chw}`))!;
    expect(kase.server_seq).to.equal(scope.seq);
  });

  it("from POST /v1/sync: a RED case is analysed and the result reaches the CHW; a GREEN one is never queued", async () => {
    const chw = await createUser("chw");
    const p = seedPatient();
    const red = seedCase(p.id as string, {
      risk_level: "RED",
      triage_data: redCase().triage_data as unknown,
    });
    const green = seedCase(p.id as string, { risk_level: "GREEN" });
    const first = await seedSync(chw.token, {
      batch_id: randomUUID(),
      device_id: "dev-ai",
      changes: { patients: [p], cases: [red, green] },
    });
    expect(first.status).to.equal(200);
    expect(first.body.results.map((r) => r.outcome)).to.deep.equal([
      "applied",
      "applied",
      "applied",
    ]);
    const redId = red.id as string;
    const greenId = green.id as string;
    const analysed = await waitFor<CaseDoc>(`cases/${redId}`, (d) => d?.analysis?.state === "done");
    expect(analysed.status).to.equal("PENDING_DIAGNOSIS");
    expect(analysed.ai_analysis?.job_key).to.equal(`${redId}.v1`);
    // The photo listed by the device is not uploaded yet: never sent to the model.
    expect(analysed.ai_analysis?.image_sha256s).to.deep.equal([]);
    const greenJobs = await db().collection("analysisJobs").where("case_id", "==", greenId).get();
    expect(greenJobs.size).to.equal(0);
    const greenDoc = (await read<CaseDoc>(`cases/${greenId}`))!;
    expect([greenDoc.status, greenDoc.analysis, greenDoc.ai_analysis]).to.deep.equal([
      "TRIAGED",
      undefined,
      undefined,
    ]);
    // The CHW's next sync brings the analysis back (the result advanced the scope's cursor).
    const next = await seedSync(chw.token, {
      batch_id: randomUUID(),
      device_id: "dev-ai",
      last_sync_timestamp: first.body.new_sync_timestamp,
      changes: { patients: [], cases: [] },
    });
    expect(next.status).to.equal(200);
    const back = (next.body.server_updates.cases ?? []).find((c) => c.id === redId) as
      { ai_analysis?: { job_key?: string }; status?: string } | undefined;
    expect(back?.ai_analysis?.job_key).to.equal(`${redId}.v1`);
    expect(back?.status).to.equal("PENDING_DIAGNOSIS");
  });

  it("gives duplicate and concurrent deliveries one model call and one result write", async () => {
    const chw = freshChw();
    const caseId = randomUUID();
    const key = `${caseId}.v1`;
    await script(key, ["slow:1500"]);
    await commitCase(chw, caseId, redCase(), 1);
    const msg = { case_id: caseId, job_key: key };
    await Promise.all([
      publish("case-analysis-requested", msg),
      publish("case-analysis-requested", msg),
      publish("case-analysis-requested", msg),
    ]);
    await waitFor<JobDoc>(`analysisJobs/${key}`, done);
    await publish("case-analysis-requested", msg);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await calls(key)).to.have.length(1);
    const job = (await read<JobDoc>(`analysisJobs/${key}`))!;
    expect([job.state, job.attempts]).to.deep.equal(["done", 1]);
    // Scope writes: the case commit and the result, nothing else (the claim touches only the job).
    expect((await read<{ seq: number }>(`syncScopes/${chw}`))!.seq).to.equal(2);
  });

  it("retries a 429 with backoff and then succeeds within the same delivery", async () => {
    const caseId = randomUUID();
    const key = `${caseId}.v1`;
    await script(key, ["429"]);
    await commitCase(freshChw(), caseId, redCase(), 1);
    const kase = await waitFor<CaseDoc>(`cases/${caseId}`, (d) => d?.analysis?.state === "done");
    expect(kase.ai_analysis?.job_key).to.equal(key);
    expect((await calls(key)).map((c) => c.status)).to.deep.equal([429, 200]);
    expect((await read<JobDoc>(`analysisJobs/${key}`))!.attempts).to.equal(1);
  });

  it("fails a job whose answers never validate, with a reason the app can show", async () => {
    const caseId = randomUUID();
    const key = `${caseId}.v1`;
    await script(key, [], "malformed");
    await commitCase(freshChw(), caseId, redCase(), 1);
    const kase = await waitFor<CaseDoc>(`cases/${caseId}`, (d) => d?.analysis?.state === "failed");
    expect(kase.analysis?.error).to.deep.equal({
      code: "AI_6002",
      message:
        "The AI model did not return a usable answer. A doctor will review the case without it.",
    });
    expect(kase.ai_analysis).to.equal(undefined);
    // A RED case still reaches a doctor when the model cannot help.
    expect(kase.status).to.equal("PENDING_DIAGNOSIS");
    // The answer and one repair request, no retries of a permanent failure.
    expect(await calls(key)).to.have.length(2);
    const job = (await read<JobDoc>(`analysisJobs/${key}`))!;
    expect([job.state, job.error?.code]).to.deep.equal(["failed", "AI_6002"]);
  });

  it("dead-letters a job that fails on every delivery, and the DLQ handler marks it failed", async () => {
    const caseId = randomUUID();
    const key = `${caseId}.v1`;
    await script(key, [], "503");
    await commitCase(freshChw(), caseId, redCase(), 1);
    // Cloud Scheduler runs the sweeper every minute; the test ticks it faster.
    const kase = await waitFor<CaseDoc>(
      `cases/${caseId}`,
      (d) => d?.analysis?.state === "failed",
      75_000,
      sweeperEvery(700),
    );
    expect(kase.analysis?.error?.code).to.equal("AI_6004");
    const job = (await read<JobDoc>(`analysisJobs/${key}`))!;
    expect([job.state, job.attempts, job.error?.code]).to.deep.equal(["failed", 5, "AI_6004"]);
    expect(job.dead_lettered_at).to.be.a("number");
    // Five deliveries of three calls each (the client's own retries within a delivery).
    expect(await calls(key)).to.have.length(15);
  });

  it("never lets an older version's late result overwrite a newer one", async () => {
    const chw = freshChw();
    const caseId = randomUUID();
    const v1 = `${caseId}.v1`;
    const v2 = `${caseId}.v2`;
    // Slow enough that v2's sync (seconds on a loaded stack) lands while v1 is with the model.
    await script(v1, ["slow:10000"]);
    await commitCase(chw, caseId, redCase(), 1);
    await waitFor<JobDoc>(`analysisJobs/${v1}`, (d) => d?.state === "running");
    // The CHW adds information while v1 is with the model: a new version, a new job.
    await commitCase(
      chw,
      caseId,
      redCase({ triage_data: { body_site: "back", symptoms: [], danger_signs: [] } }),
      2,
    );
    await waitFor<JobDoc>(`analysisJobs/${v2}`, done);
    const j1 = await waitFor<JobDoc>(`analysisJobs/${v1}`, done);
    expect([j1.state, j1.outcome]).to.deep.equal(["done", "superseded"]);
    // Delivered again after all that: acknowledged, nothing called, nothing written.
    await publish("case-analysis-requested", { case_id: caseId, job_key: v1 });
    await new Promise((r) => setTimeout(r, 1_000));
    const kase = (await read<CaseDoc>(`cases/${caseId}`))!;
    expect(kase.ai_analysis?.job_key).to.equal(v2);
    expect(kase.ai_analysis?.content_version).to.equal(2);
    expect(kase.ai_analysis?.findings.urgency).to.equal("routine");
    expect(kase.analysis).to.include({ state: "done", job_key: v2 });
    expect(await calls(v1)).to.have.length(1);
  });

  it("recovers a job whose publish failed after commit, through the sweeper", async () => {
    const caseId = randomUUID();
    const key = `${caseId}.v1`;
    // The relay trigger does not run (as if the function crashed right after the commit)...
    await backgroundTriggers(false);
    try {
      await commitCase(freshChw(), caseId, redCase(), 1);
      // ...and a relay that does run cannot reach Pub/Sub.
      const failing = { publish: () => Promise.reject(new Error("pubsub unavailable")) };
      const r = await handleJobCreated(key, { ...relayDeps(), publisher: failing });
      expect(r).to.equal("publish_failed");
    } finally {
      await backgroundTriggers(true);
    }
    const job = (await read<JobDoc>(`analysisJobs/${key}`))!;
    expect([job.state, job.publish_attempts, job.published_at]).to.deep.equal(["pending", 1, null]);
    expect(job.last_publish_error).to.equal("Error");
    // Leased with a backoff (local base 300 ms), not dropped: the sweeper owns it now.
    expect(job.next_publish_at).to.be.a("number");
    expect(await calls(key)).to.have.length(0);
    const kase = await waitFor<CaseDoc>(
      `cases/${caseId}`,
      (d) => d?.analysis?.state === "done",
      30_000,
      sweeperEvery(700),
    );
    expect(kase.ai_analysis?.job_key).to.equal(key);
    expect((await read<JobDoc>(`analysisJobs/${key}`))!.publish_attempts).to.be.at.least(2);
    expect(await calls(key)).to.have.length(1);
  });

  it("analyses a photo uploaded through the API: verified image → new version → per-photo call", async () => {
    const chw = freshChw();
    const caseId = randomUUID();
    const token = await idToken(chw, "chw");
    const v1 = await commitCase(chw, caseId, redCase(), 1);
    await waitFor<JobDoc>(`analysisJobs/${v1}`, done);
    // The CHW uploads a photo: signed URL from the API, PUT to the local image store; the
    // verify trigger marks it verified, bumps the content version and enqueues v2.
    const img = await photo(41, "jpeg", 1600);
    const up = await uploadPhoto(caseId, token, img);
    expect(up.grant).to.equal(200);
    expect(up.put).to.be.oneOf([200, 201]);
    const kase = await waitFor<CaseDoc>(
      `cases/${caseId}`,
      (d) => d?.ai_analysis?.content_version === 2 && d.analysis?.state === "done",
    );
    const v2 = `${caseId}.v2`;
    expect(kase.ai_analysis?.job_key).to.equal(v2);
    expect(kase.ai_analysis?.image_sha256s).to.deep.equal([img.sha256]);
    expect(kase.ai_analysis?.per_image).to.have.length(1);
    expect(kase.ai_analysis?.model_calls).to.equal(2);
    expect((kase.images ?? []).map((i) => i.state)).to.deep.equal(["analysed"]);
    // One call with the photo (resized for the model), then the text-only synthesis.
    expect((await calls(v2)).map((c) => c.images)).to.deep.equal([1, 0]);
  });
});

/** The relay's dependencies with the local timing of functions/.env.local. */
function relayDeps(): RelayDeps {
  return {
    db: db(),
    publisher: pubsubPublisher(),
    timing: { baseMs: 300, capMs: 4_800, deliveryLeaseMs: 120_000 },
  };
}
