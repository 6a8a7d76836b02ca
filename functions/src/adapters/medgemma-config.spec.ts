import { expect } from "chai";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { synthesisMessages } from "../domain/analysis-prompt";
import { MedgemmaConfigError, checkMedgemmaConfig, createMedgemmaClient } from "./medgemma-client";
import type { OpenAiConfig } from "./medgemma-client";

// Issue 17, finding 7: the `openai` provider carries patient photos and case facts; it must
// not send them in the clear or to a server that asks for no credentials.
describe("MedGemma openai provider: transport and auth are checked when the client is built", () => {
  const openai = (over: Partial<OpenAiConfig> = {}): OpenAiConfig => ({
    provider: "openai",
    baseUrl: "https://clinic-server.example:8000",
    apiKey: "token-1",
    modelId: "medgemma:4b",
    timeoutMs: 2_000,
    maxTokens: 600,
    retry: { attempts: 1, baseMs: 10, capMs: 10 },
    ...over,
  });

  function refusal(cfg: OpenAiConfig): MedgemmaConfigError {
    try {
      createMedgemmaClient(cfg);
    } catch (e) {
      if (e instanceof MedgemmaConfigError) return e;
      throw e;
    }
    throw new Error("expected a MedgemmaConfigError");
  }

  it("refuses plain http:// to a non-loopback host, with a coded error that names the setting", () => {
    const err = refusal(openai({ baseUrl: "http://clinic-server:8000" }));
    expect(err.code).to.equal("MEDGEMMA_CONFIG");
    expect(err.message).to.match(/MEDGEMMA_BASE_URL must be https/);
    expect(refusal(openai({ baseUrl: "http://10.0.0.5" })).code).to.equal("MEDGEMMA_CONFIG");
    expect(refusal(openai({ baseUrl: "ftp://x" })).code).to.equal("MEDGEMMA_CONFIG");
    expect(refusal(openai({ baseUrl: "not a url" })).code).to.equal("MEDGEMMA_CONFIG");
  });

  it("refuses a missing bearer token, and credentials inside the URL, without echoing them", () => {
    const saved = process.env.MEDGEMMA_API_KEY;
    delete process.env.MEDGEMMA_API_KEY;
    try {
      expect(refusal(openai({ apiKey: undefined })).message).to.equal(
        "MEDGEMMA_API_KEY is required for provider openai",
      );
      expect(refusal(openai({ apiKey: "  " })).code).to.equal("MEDGEMMA_CONFIG");
      const inUrl = refusal(openai({ baseUrl: "https://user:s3cret@clinic.example" }));
      expect(inUrl.message).to.not.contain("s3cret");
    } finally {
      if (saved !== undefined) process.env.MEDGEMMA_API_KEY = saved;
    }
  });

  it("accepts https, and plain http to loopback only (a local stand-in)", () => {
    for (const baseUrl of [
      "https://clinic-server.example:8000",
      "http://127.0.0.1:8091",
      "http://localhost:8091",
      "http://[::1]:8091",
    ])
      expect(() => checkMedgemmaConfig(openai({ baseUrl })), baseUrl).to.not.throw();
  });

  it("sends the token as a bearer on every call (from MEDGEMMA_API_KEY by default)", async () => {
    const seen: Array<string | undefined> = [];
    const server = createServer((req, res) => {
      seen.push(req.headers.authorization);
      req.resume();
      req.on("end", () => {
        res.setHeader("content-type", "application/json");
        res.end(
          JSON.stringify({
            model: "m",
            choices: [{ message: { content: "{}" } }],
            usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
          }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const saved = process.env.MEDGEMMA_API_KEY;
    process.env.MEDGEMMA_API_KEY = "from-secret-manager";
    try {
      const { port } = server.address() as AddressInfo;
      const client = createMedgemmaClient(
        openai({ baseUrl: `http://127.0.0.1:${port}`, apiKey: undefined }),
      );
      await client.complete(
        synthesisMessages(
          {
            risk_level: "RED",
            symptoms: [],
            danger_signs: [],
            symptoms_other_free_text: [],
            danger_signs_other_free_text: [],
          },
          [],
        ),
        {
          jobKey: "k",
          deadline: Date.now() + 10_000,
        },
      );
      expect(seen).to.deep.equal(["Bearer from-secret-manager"]);
    } finally {
      if (saved === undefined) delete process.env.MEDGEMMA_API_KEY;
      else process.env.MEDGEMMA_API_KEY = saved;
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
