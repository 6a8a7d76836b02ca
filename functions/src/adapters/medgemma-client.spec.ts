import { expect } from "chai";
import { startMedgemmaStandIn } from "../../../infra/src/medgemma-stand-in";
import type { MedgemmaStandIn, StandInCall } from "../../../infra/src/medgemma-stand-in";
import { imageMessages, promptCaseOf, synthesisMessages } from "../domain/analysis-prompt";
import { parseFindings } from "../domain/analysis-findings";
import { ModelCallError } from "../domain/analysis-ports";
import { createMedgemmaClient, readPredictResponse, resetEndpointCache } from "./medgemma-client";
import type { MedgemmaConfig } from "./medgemma-client";

// The stand-in speaks Vertex's wire format; these tests run the real client against it.
describe("MedGemma client against the stand-in", () => {
  let standIn: MedgemmaStandIn;
  let base: string;
  const facts = promptCaseOf({
    risk_level: "RED",
    triage_data: { symptoms: ["itch"], danger_signs: ["bleeding"] },
  });
  const deadline = () => Date.now() + 10_000;

  const vertex = (over: Partial<MedgemmaConfig> = {}): MedgemmaConfig => ({
    provider: "vertex",
    project: "demo-dermadetect",
    region: "us-central1",
    endpointId: "ep1",
    baseUrl: base,
    dedicated: true,
    auth: "none",
    modelId: "google/medgemma-4b-it",
    timeoutMs: 2_000,
    maxTokens: 600,
    retry: { attempts: 3, baseMs: 20, capMs: 100 },
    ...over,
  });

  async function script(key: string, steps: string[]): Promise<void> {
    await fetch(`${base}/admin/scripts`, {
      method: "POST",
      body: JSON.stringify({ key, steps }),
    });
  }
  async function calls(key: string): Promise<StandInCall[]> {
    const r = await fetch(`${base}/admin/calls?key=${encodeURIComponent(key)}`);
    return ((await r.json()) as { calls: StandInCall[] }).calls;
  }
  /** Scripts the stand-in's answers for `key`, then asks a client for a synthesis under it. */
  async function synthesise(key: string, steps: string[], config = vertex()) {
    await script(key, steps);
    return createMedgemmaClient(config).complete(synthesisMessages(facts, []), {
      jobKey: key,
      deadline: deadline(),
    });
  }

  before(async () => {
    standIn = await startMedgemmaStandIn(0);
    base = `http://127.0.0.1:${standIn.port}`;
  });
  after(() => standIn.stop());
  beforeEach(() => resetEndpointCache());

  it("posts chatCompletions to :predict on the dedicated host, looked up once", async () => {
    const client = createMedgemmaClient(vertex());
    const img = `data:image/jpeg;base64,${Buffer.from("jpeg").toString("base64")}`;
    const a = await client.complete(imageMessages(facts, img), {
      jobKey: "k1",
      deadline: deadline(),
    });
    await client.complete(synthesisMessages(facts, []), { jobKey: "k1", deadline: deadline() });
    expect(parseFindings(a.text).ok).to.equal(true);
    expect(a.model).to.equal("fixture/medgemma-stand-in");
    expect(a.usage.total_tokens).to.be.greaterThan(256);
    const seen = await calls("k1");
    expect(seen.map((c) => [c.route, c.images])).to.deep.equal([
      ["predict", 1],
      ["predict", 0],
    ]);
    const all = (await (await fetch(`${base}/admin/calls`)).json()) as { calls: StandInCall[] };
    expect(all.calls.filter((c) => c.route === "endpoint")).to.have.length(1);
  });

  it("retries 429 and 503 with backoff, then answers", async () => {
    const a = await synthesise("k2", ["429", "503"]);
    expect(parseFindings(a.text).ok).to.equal(true);
    expect((await calls("k2")).map((c) => c.status)).to.deep.equal([429, 503, 200]);
  });

  it("gives up after its attempts with a transient error", async () => {
    const err = await synthesise("k3", ["503", "503", "503", "503"]).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(ModelCallError);
    expect((err as ModelCallError).transient).to.equal(true);
    expect(await calls("k3")).to.have.length(3);
  });

  it("treats an error inside HTTP 200, and a non-JSON 200, as failures", async () => {
    const a = await synthesise("k4", ["error200", "garbage"]);
    expect(parseFindings(a.text).ok).to.equal(true);
    expect((await calls("k4")).map((c) => c.step)).to.deep.equal(["error200", "garbage", "ok"]);
  });

  it("does not retry a 400", async () => {
    const err = (await synthesise("k5", ["400"]).catch((e: unknown) => e)) as ModelCallError;
    expect([err.kind, err.transient, err.httpStatus]).to.deep.equal(["http", false, 400]);
    expect(await calls("k5")).to.have.length(1);
  });

  it("times out a slow call below its deadline", async () => {
    const err = (await synthesise(
      "k6",
      ["slow:1500", "slow:1500"],
      vertex({ timeoutMs: 300, retry: { attempts: 2, baseMs: 10, capMs: 10 } }),
    ).catch((e: unknown) => e)) as ModelCallError;
    expect([err.kind, err.transient]).to.deep.equal(["timeout", true]);
  });

  it("speaks the OpenAI-compatible route of vLLM and Ollama", async () => {
    const client = createMedgemmaClient({
      provider: "openai",
      baseUrl: base,
      apiKey: "test-only-token",
      modelId: "medgemma:4b",
      timeoutMs: 2_000,
      maxTokens: 600,
      retry: { attempts: 1, baseMs: 10, capMs: 10 },
    });
    const a = await client.complete(synthesisMessages(facts, []), {
      jobKey: "k7",
      deadline: deadline(),
    });
    expect(parseFindings(a.text).ok).to.equal(true);
    expect((await calls("k7")).map((c) => c.route)).to.deep.equal(["chat"]);
    expect(client.endpoint).to.equal(`openai:${base}/v1/chat/completions`);
  });

  it("accepts predictions as a list as well as a single object", () => {
    const completion = {
      model: "m",
      choices: [{ message: { content: "{}" } }],
      usage: { prompt_tokens: 1, completion_tokens: 2, total_tokens: 3 },
    };
    expect(readPredictResponse({ predictions: [completion] }).text).to.equal("{}");
    expect(readPredictResponse({ predictions: completion }).usage.total_tokens).to.equal(3);
    expect(() =>
      readPredictResponse({ predictions: { error: { message: "x", object: "error" } } }),
    ).to.throw(ModelCallError);
  });
});
