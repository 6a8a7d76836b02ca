import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";

/**
 * A stand-in for MedGemma on a Vertex AI endpoint (Vertex cannot run here). It speaks the same
 * wire format as the Model Garden vLLM container: `endpoints.get` (with `dedicatedEndpointDns`),
 * `:predict` with `@requestFormat: chatCompletions`, and the OpenAI-compatible
 * `/v1/chat/completions` route of vLLM and Ollama. Every answer is labelled fixture output: the
 * served model is `fixture/medgemma-stand-in` and the findings say so.
 *
 * Tests script failures per job through the admin routes (the pipeline sends the job key in
 * `x-dermadetect-job`), so concurrent tests never disturb each other:
 *   POST /admin/scripts {key, steps: ["429", "ok"], then?: "ok"}   key "*" = every job
 *   GET  /admin/calls?key=…                                        calls seen, with timings
 *   POST /admin/reset
 * Steps: ok · 429 · 500 · 503 · slow:<ms> · malformed (prose, no JSON) · bad-schema ·
 * error200 (an `error` object inside HTTP 200) · garbage (a 200 that is not JSON) ·
 * urgency:<emergency|urgent|routine|self_care> (valid findings with that urgency, whatever the
 * case says). Each call keeps the text of its prompt (`prompt`), so tests can check what the
 * pipeline sent.
 */

/** The served model id; the pipeline marks results from it as fixture output. */
export const STAND_IN_MODEL = "fixture/medgemma-stand-in";
/** Largest request body, as on a dedicated endpoint (reference §1.5). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const MAX_CALLS_KEPT = 20_000;

/** One call the stand-in answered. */
export interface StandInCall {
  key: string;
  route: "predict" | "chat" | "endpoint";
  step: string;
  status: number;
  images: number;
  /** The text parts of the request (bounded), as the model would read them. */
  prompt: string;
  /** The stand-in's own time for this call, scripted delay included. */
  ms: number;
  at: number;
}

interface Script {
  steps: string[];
  then: string;
}

interface ChatPart {
  type?: string;
  text?: string;
  image_url?: { url?: string };
}

interface ChatMsg {
  role?: string;
  content?: string | ChatPart[];
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, {
    "content-type": typeof body === "string" ? "text/plain" : "application/json",
  });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function partsOf(messages: ChatMsg[]): ChatPart[] {
  return messages.flatMap((m) =>
    typeof m.content === "string" ? [{ type: "text", text: m.content }] : (m.content ?? []),
  );
}

/** The case facts of a request: the JSON line of the prompt's data fence (prompt v2). */
function caseData(text: string): {
  danger_signs?: unknown[];
  danger_signs_other_free_text?: unknown[];
} {
  const m = /^<<<CASE_DATA>>>\n(.*)\n<<<END_CASE_DATA>>>$/m.exec(text);
  if (!m) return {};
  try {
    return (JSON.parse(m[1]!) as { case?: object }).case ?? {};
  } catch {
    return {};
  }
}

/**
 * Fixture findings in the shape the prompt asks for, deterministic per request; `urgency`
 * forces the answer's urgency (a crafted answer steering it, for the cross-check's tests).
 */
function fixtureFindings(parts: ChatPart[], urgency?: string): Record<string, unknown> {
  const text = parts.map((p) => p.text ?? "").join("\n");
  const images = parts.filter((p) => p.type === "image_url").length;
  const data = caseData(text);
  const dangerous =
    (data.danger_signs?.length ?? 0) + (data.danger_signs_other_free_text?.length ?? 0) > 0;
  return {
    differential: [
      {
        condition: "FIXTURE: atypical melanocytic lesion",
        likelihood: dangerous ? "high" : "medium",
        rationale: "Fixture output from the local MedGemma stand-in, not a model.",
      },
      { condition: "FIXTURE: seborrhoeic keratosis", likelihood: "low" },
    ],
    urgency: urgency ?? (dangerous ? "urgent" : "routine"),
    recommended_action: "FIXTURE OUTPUT: refer to a clinician for review (stand-in answer).",
    red_flags: dangerous ? ["danger signs reported by the health worker"] : [],
    confidence: 0.5,
    limitations: [
      "Fixture output from the local MedGemma stand-in; no model assessed this case.",
      images === 0 ? "No photo in this request." : `${images} photo(s) in this request.`,
    ],
    image_quality: "adequate",
  };
}

function completion(parts: ChatPart[], content: string): Record<string, unknown> {
  const images = parts.filter((p) => p.type === "image_url").length;
  const promptChars = parts.reduce((n, p) => n + (p.text?.length ?? 0), 0);
  const prompt = Math.ceil(promptChars / 4) + images * 256;
  const completionTokens = Math.ceil(content.length / 4);
  return {
    id: `fixture-${Date.now().toString(36)}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: STAND_IN_MODEL,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: {
      prompt_tokens: prompt,
      completion_tokens: completionTokens,
      total_tokens: prompt + completionTokens,
    },
  };
}

/** Checks one chatCompletions instance; returns a reason when the real endpoint would reject it. */
function invalidInstance(instance: unknown, needFormat: boolean): string | undefined {
  if (instance === null || typeof instance !== "object") return "instance must be an object";
  const i = instance as Record<string, unknown>;
  if (needFormat && i["@requestFormat"] !== "chatCompletions") {
    return "@requestFormat must be chatCompletions";
  }
  if (!Array.isArray(i.messages) || i.messages.length === 0) return "messages required";
  for (const p of partsOf(i.messages as ChatMsg[])) {
    if (p.type === "image_url") {
      const url = p.image_url?.url ?? "";
      if (!/^data:image\/(jpeg|png|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(url)) {
        return "image_url must be a base64 data URL";
      }
    }
  }
  return undefined;
}

/** A running stand-in. */
export interface MedgemmaStandIn {
  port: number;
  stop(): Promise<void>;
}

/** Starts the stand-in on 127.0.0.1:`port` (0 picks a free port). */
export async function startMedgemmaStandIn(port: number): Promise<MedgemmaStandIn> {
  const scripts = new Map<string, Script>();
  let boundPort = port;
  const calls: StandInCall[] = [];

  function nextStep(key: string): string {
    const script = scripts.get(key) ?? scripts.get("*");
    if (!script) return "ok";
    return script.steps.shift() ?? script.then;
  }

  async function answerModel(
    route: "predict" | "chat",
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const started = Date.now();
    const key = String(req.headers["x-dermadetect-job"] ?? "");
    const raw = await readBody(req);
    let prompt = "";
    const record = (step: string, status: number, images: number) => {
      calls.push({
        key,
        route,
        step,
        status,
        images,
        prompt,
        ms: Date.now() - started,
        at: started,
      });
      if (calls.length > MAX_CALLS_KEPT) calls.splice(0, calls.length - MAX_CALLS_KEPT);
    };
    if (!raw) {
      record("too-large", 400, 0);
      return send(res, 400, { error: "request payload exceeds 10 MB" });
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
    } catch {
      record("bad-json", 400, 0);
      return send(res, 400, { error: "request body is not JSON" });
    }
    const instances = route === "predict" ? body.instances : [body];
    if (!Array.isArray(instances) || instances.length === 0) {
      record("bad-request", 400, 0);
      return send(res, 400, { error: "instances required" });
    }
    for (const instance of instances) {
      const why = invalidInstance(instance, route === "predict");
      if (why) {
        record("bad-request", 400, 0);
        return send(res, 400, { error: why });
      }
    }
    const allParts = instances.map((i) => partsOf((i as { messages: ChatMsg[] }).messages));
    prompt = allParts
      .flat()
      .map((p) => p.text ?? "")
      .join("\n")
      .slice(0, 16_000);
    const images = allParts.flat().filter((p) => p.type === "image_url").length;
    let step = nextStep(key);
    const slow = /^slow:(\d+)$/.exec(step);
    if (slow) {
      await new Promise((r) => setTimeout(r, Number(slow[1])));
      step = "ok";
    }
    if (/^\d{3}$/.test(step)) {
      record(step, Number(step), images);
      return send(res, Number(step), {
        error: { code: Number(step), message: `stand-in scripted ${step}`, status: "SCRIPTED" },
      });
    }
    if (step === "garbage") {
      record(step, 200, images);
      return send(res, 200, "<html>upstream hiccup</html>");
    }
    const answers = allParts.map((parts) => {
      if (step === "error200")
        return { error: { message: "stand-in scripted error", object: "error" } };
      if (step === "malformed") {
        return completion(parts, "FIXTURE: the lesion looks irregular; I would refer the patient.");
      }
      if (step === "bad-schema") {
        return completion(parts, JSON.stringify({ diagnosis: "FIXTURE", sure: "very" }));
      }
      const forced = /^urgency:(emergency|urgent|routine|self_care)$/.exec(step)?.[1];
      return completion(parts, JSON.stringify(fixtureFindings(parts, forced)));
    });
    record(step, 200, images);
    if (route === "chat") return send(res, 200, answers[0]);
    // One instance: `predictions` is the object itself, as on Model Garden endpoints.
    return send(res, 200, {
      predictions: answers.length === 1 ? answers[0] : answers,
      deployedModelId: "fixture-deployed-model",
      model: STAND_IN_MODEL,
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://stand-in");
    const path = url.pathname;
    if (
      req.method === "POST" &&
      /^\/v1\/projects\/[^/]+\/locations\/[^/]+\/endpoints\/[^/:]+:predict$/.test(path)
    ) {
      return answerModel("predict", req, res);
    }
    if (req.method === "POST" && path === "/v1/chat/completions")
      return answerModel("chat", req, res);
    const ep = /^\/v1\/projects\/([^/]+)\/locations\/([^/]+)\/endpoints\/([^/:]+)$/.exec(path);
    if (req.method === "GET" && ep) {
      calls.push({
        key: "",
        route: "endpoint",
        step: "get",
        status: 200,
        images: 0,
        prompt: "",
        ms: 0,
        at: Date.now(),
      });
      return send(res, 200, {
        name: `projects/${ep[1]}/locations/${ep[2]}/endpoints/${ep[3]}`,
        displayName: "medgemma stand-in (fixture output)",
        dedicatedEndpointEnabled: true,
        // Real endpoints answer `https://{id}.{region}-{uid}.prediction.vertexai.goog`.
        dedicatedEndpointDns: `127.0.0.1:${boundPort}`,
      });
    }
    if (req.method === "POST" && path === "/admin/scripts") {
      const raw = await readBody(req);
      const body = JSON.parse(raw?.toString("utf8") ?? "{}") as Partial<{
        key: string;
        steps: string[];
        then: string;
      }>;
      if (typeof body.key !== "string" || !Array.isArray(body.steps)) {
        return send(res, 400, { error: "expected {key, steps[], then?}" });
      }
      scripts.set(body.key, { steps: [...body.steps], then: body.then ?? "ok" });
      return send(res, 200, { ok: true });
    }
    if (req.method === "GET" && path === "/admin/calls") {
      const key = url.searchParams.get("key");
      const prefix = url.searchParams.get("prefix");
      const list = calls.filter(
        (c) => (key === null || c.key === key) && (prefix === null || c.key.startsWith(prefix)),
      );
      return send(res, 200, { count: list.length, calls: list });
    }
    if (req.method === "POST" && path === "/admin/reset") {
      scripts.clear();
      calls.length = 0;
      return send(res, 200, { ok: true });
    }
    if (req.method === "GET" && path === "/") {
      return send(res, 200, { service: "medgemma stand-in", model: STAND_IN_MODEL, fixture: true });
    }
    return send(res, 404, { error: "not found" });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { error: "stand-in failure" });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  boundPort = (server.address() as { port: number }).port;
  return {
    port: boundPort,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
