import { expect } from "chai";
import type { Firestore } from "firebase-admin/firestore";
import { ImageUnavailableError, ModelCallError } from "../domain/analysis-ports";
import type { ChatModel, ImageSource } from "../domain/analysis-ports";
import { buildAiAnalysis } from "../domain/analysis-result";
import { analyseImages, handleAnalysisRequest } from "./analyze-case";
import type { AnalysisDeps } from "./analyze-case";
import { chatModelAnswering } from "../../test/support/chat-model";

/*
 * The analysis steps that need no database, through the ports analyzeCase already has
 * (ChatModel, ImageSource); claiming and storing run against the Firestore emulator in the
 * integration tier (ai-pipeline, fault-ai).
 */

const findings = (urgency: string) => ({
  differential: [{ condition: "melanoma", likelihood: "high" }],
  urgency,
  recommended_action: "Refer.",
  red_flags: [],
  confidence: 0.6,
  limitations: ["fixture"],
});

/** A scripted model: answers in order, recording how many images each call carried. */
function model(answers: string[]) {
  const calls: number[] = [];
  const m = chatModelAnswering(
    (messages) => {
      calls.push(JSON.stringify(messages).split("data:image/").length - 1);
      return answers.shift() ?? JSON.stringify(findings("routine"));
    },
    { usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }, latencyMs: 7 },
  );
  return { m, calls };
}

function images(map: Record<string, Error | undefined>): ImageSource & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    read(key) {
      reads.push(key);
      const err = map[key];
      if (err) return Promise.reject(err);
      return Promise.resolve({
        bytes: new Uint8Array([0xff, 0xd8, 0xff]),
        contentType: "image/jpeg",
      });
    },
  };
}

const img = (sha: string, state: string) => ({ sha256: sha, state, image_key: `k-${sha}` });
const kase = (imgs: unknown[]) => ({
  risk_level: "RED",
  triage_data: { body_site: "arm" },
  images: imgs,
});
const FAR = Date.now() + 60_000;

describe("analyzeCase steps", () => {
  it("calls the model once per verified photo plus a synthesis, skipping unreadable photos by name", async () => {
    const { m, calls } = model([]);
    const src = images({ "k-b": new ImageUnavailableError("hash_mismatch", false) });
    const out = await analyseImages(
      kase([img("a", "verified"), img("b", "verified"), img("c", "queued"), img("d", "analysed")]),
      { model: m, images: src },
      "case-1.v2",
      FAR,
    );
    expect(src.reads).to.deep.equal(["k-a", "k-b", "k-d"]); // never the unverified photo
    expect(calls).to.deep.equal([1, 1, 0]); // two photos, then a text-only synthesis
    expect(out.perImage.map((p) => p.sha256)).to.deep.equal(["a", "d"]);
    expect(out.skipped).to.deep.equal([{ sha256: "b", reason: "hash_mismatch" }]);
    expect(out.totals).to.deep.include({
      calls: 3,
      latencyMs: 21,
      servedModel: "fixture/medgemma",
    });
    expect(out.totals.usage.total_tokens).to.equal(45);
  });

  it("asks once more when an answer does not validate, and gives up permanently after that", async () => {
    const repaired = model(["sure, it's eczema", JSON.stringify(findings("urgent"))]);
    const ok = await analyseImages(
      kase([]),
      { model: repaired.m, images: images({}) },
      "j.v1",
      FAR,
    );
    expect(ok.synthesis.urgency).to.equal("urgent");
    expect(repaired.calls).to.have.length(2);
    const hopeless = model(["no", "still no"]);
    const err = await analyseImages(
      kase([]),
      { model: hopeless.m, images: images({}) },
      "j.v1",
      FAR,
    ).then(
      () => undefined,
      (e: unknown) => e as { code?: string; transient?: boolean },
    );
    expect(err).to.include({ code: "AI_6002", transient: false });
  });

  it("throws a transient photo or model failure, so the delivery is retried", async () => {
    const flaky = images({ "k-a": new ImageUnavailableError("unavailable", true) });
    const e1 = await analyseImages(
      kase([img("a", "verified")]),
      { model: model([]).m, images: flaky },
      "j.v1",
      FAR,
    ).catch((e: unknown) => e);
    expect(e1).to.be.instanceOf(ImageUnavailableError);
    const down: ChatModel = {
      ...model([]).m,
      complete: () => Promise.reject(new ModelCallError("http", true, 503)),
    };
    const e2 = await analyseImages(
      kase([]),
      { model: down, images: images({}) },
      "j.v1",
      FAR,
    ).catch((e: unknown) => e);
    expect(e2).to.be.instanceOf(ModelCallError);
  });

  it("builds the stored analysis with its provenance, cost and disclaimer", () => {
    const parts = {
      perImage: [{ sha256: "a", findings: findings("urgent") as never }],
      skipped: [{ sha256: "b", reason: "too_large" }],
      synthesis: findings("urgent") as never,
      urgencyCheck: {
        case_urgency: "urgent" as const,
        model_urgency: "urgent" as const,
        agrees: true,
        flags: [],
        reasons: ["risk:RED"],
      },
      totals: {
        calls: 2,
        latencyMs: 40,
        usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
        servedModel: "google/medgemma-4b-it",
      },
      model: { modelId: "google/medgemma-4b-it", provider: "vertex" as const, endpoint: "ep" },
      jobKey: "case-1.v3",
      contentVersion: 3,
      attempt: 2,
      startedAt: 1_000,
      finishedAt: 4_500,
    };
    const ai = buildAiAnalysis(parts);
    expect(ai).to.deep.include({
      model: "google/medgemma-4b-it",
      provider: "vertex",
      endpoint: "ep",
      job_key: "case-1.v3",
      content_version: 3,
      attempt: 2,
      image_sha256s: ["a"],
      total_ms: 3_500,
      latency_ms: 40,
      model_calls: 2,
      fixture: false,
      analysed_at: 4_500,
    });
    expect(ai.disclaimer).to.be.a("string").and.not.equal("");
    expect(ai.prompt_version).to.be.a("string");
    expect(
      buildAiAnalysis({ ...parts, totals: { ...parts.totals, servedModel: "fixture/x" } }).fixture,
    ).to.equal(true);
  });

  it("acknowledges a malformed message without touching the store", async () => {
    const untouchable = new Proxy(
      {},
      {
        get: () => {
          throw new Error("the store was used");
        },
      },
    );
    const deps = { db: untouchable as Firestore } as AnalysisDeps;
    expect(await handleAnalysisRequest({ case_id: "c1" }, deps)).to.equal("bad_message");
    expect(await handleAnalysisRequest({ case_id: "a/b", job_key: "a/b.v1" }, deps)).to.equal(
      "bad_message",
    );
  });
});
