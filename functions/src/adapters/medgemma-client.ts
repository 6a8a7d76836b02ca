import { GoogleAuth } from "google-auth-library";
import type { ChatMessage } from "../domain/analysis-prompt";
import { ModelCallError } from "../domain/analysis-ports";
import type { ChatAnswer, ChatModel, TokenUsage } from "../domain/analysis-ports";
import { backoffMs, isRetryable, isTransientStatus } from "../domain/retry";
import { log } from "../logger";

/** Retry of one call inside one delivery (reference §3: 3 attempts, full jitter from 2 s). */
export interface CallRetry {
  attempts: number;
  baseMs: number;
  capMs: number;
}

/** Shared settings of both providers. */
interface CommonConfig {
  /** Model id recorded in provenance (e.g. `google/medgemma-4b-it`). */
  modelId: string;
  /** Per-call timeout; kept below the function timeout by the caller's deadline too. */
  timeoutMs: number;
  maxTokens: number;
  retry: CallRetry;
}

/** MedGemma deployed from Model Garden on a Vertex AI endpoint (docs/design.md §6). */
export interface VertexConfig extends CommonConfig {
  provider: "vertex";
  project: string;
  region: string;
  endpointId: string;
  /** Overrides `https://{region}-aiplatform.googleapis.com` (the local stand-in). */
  baseUrl?: string;
  /** Dedicated endpoint (Model Garden's default): its DNS is read once with `endpoints.get`. */
  dedicated: boolean;
  /** A known `dedicatedEndpointDns`, skipping the lookup. */
  dedicatedDns?: string;
  /** `google`: ADC bearer tokens; `none`: the local stand-in only. */
  auth: "google" | "none";
}

/** An OpenAI-compatible server (vLLM or Ollama serving MedGemma on a clinic server). */
export interface OpenAiConfig extends CommonConfig {
  provider: "openai";
  /**
   * e.g. `https://clinic-server:8000` (the route `/v1/chat/completions` is appended). Photos
   * and case facts travel in the body: plain `http://` only to a loopback address.
   */
  baseUrl: string;
  /**
   * Bearer token the server requires (vLLM `--api-key`). Default: the MEDGEMMA_API_KEY
   * environment variable, bound from Secret Manager (docs/runbook.md).
   */
  apiKey?: string;
}

/** Either provider. */
export type MedgemmaConfig = VertexConfig | OpenAiConfig;

/** A MedGemma configuration that must not be used; thrown when the client is built. */
export class MedgemmaConfigError extends Error {
  readonly code = "MEDGEMMA_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "MedgemmaConfigError";
  }
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The environment variable that carries the `openai` provider's bearer token. Read here, not
 * declared with defineSecret: a Vertex deployment has no such secret, and terraform binds it
 * to analyzeCase only with provider openai (terraform/test/consistency.spec.ts).
 */
export const MEDGEMMA_API_KEY_ENV = "MEDGEMMA_API_KEY";

function openAiKey(cfg: OpenAiConfig): string {
  return cfg.apiKey ?? process.env[MEDGEMMA_API_KEY_ENV] ?? "";
}

/**
 * Refuses an `openai` provider that would send patient photos in the clear or unauthenticated:
 * the base URL must be https (plain http only to a loopback address, e.g. a stand-in) and a
 * bearer token must be set. The message names the setting, never its value.
 */
export function checkMedgemmaConfig(cfg: MedgemmaConfig): void {
  if (cfg.provider !== "openai") return;
  let url: URL;
  try {
    url = new URL(cfg.baseUrl);
  } catch {
    throw new MedgemmaConfigError("MEDGEMMA_BASE_URL is not a URL (provider openai)");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    throw new MedgemmaConfigError(
      "MEDGEMMA_BASE_URL must be https:// for provider openai (plain http only to a loopback address)",
    );
  }
  if (url.username || url.password) {
    throw new MedgemmaConfigError(
      "MEDGEMMA_BASE_URL must not carry credentials; use MEDGEMMA_API_KEY",
    );
  }
  if (openAiKey(cfg).trim() === "") {
    throw new MedgemmaConfigError("MEDGEMMA_API_KEY is required for provider openai");
  }
}

let googleAuth: GoogleAuth | undefined;
/** `dedicatedEndpointDns` per endpoint resource: looked up once per instance (reference §0.3). */
const dnsCache = new Map<string, Promise<string>>();

/** Forgets cached endpoint hosts (tests). */
export function resetEndpointCache(): void {
  dnsCache.clear();
}

async function authHeaders(cfg: MedgemmaConfig, url: string): Promise<Record<string, string>> {
  if (cfg.provider === "openai") return { authorization: `Bearer ${openAiKey(cfg)}` };
  if (cfg.auth === "none") return {};
  googleAuth ??= new GoogleAuth({ scopes: ["https://www.googleapis.com/auth/cloud-platform"] });
  const headers = await googleAuth.getRequestHeaders(url);
  const out: Record<string, string> = {};
  headers.forEach((v, k) => (out[k] = v));
  return out;
}

interface HttpAnswer {
  status: number;
  body: unknown;
}

async function postJson(
  cfg: MedgemmaConfig,
  url: string,
  method: "GET" | "POST",
  body: unknown,
  extraHeaders: Record<string, string>,
  timeoutMs: number,
): Promise<HttpAnswer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        ...(await authHeaders(cfg, url)),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...extraHeaders,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
    });
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
    throw new ModelCallError(timedOut ? "timeout" : "network", true);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
    throw new ModelCallError(timedOut ? "timeout" : "network", true);
  }
  if (!res.ok) throw new ModelCallError("http", isTransientStatus(res.status), res.status);
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    // A 200 that is not JSON comes from a proxy or a dying container, not from the model.
    throw new ModelCallError("bad_response", true, res.status);
  }
}

function shapeOf(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** An `error` object inside a 200 is a failure (reference §1.4); 4xx-like codes are final. */
function errorInside(body: Record<string, unknown>): ModelCallError | undefined {
  if (!("error" in body) || body.error == null) return undefined;
  const err = shapeOf(body.error);
  const code = Number(err?.code ?? err?.status ?? NaN);
  const permanent = Number.isFinite(code) && code >= 400 && code < 500 && code !== 429;
  return new ModelCallError("error_in_200", !permanent);
}

function toNumber(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** Reads one OpenAI-style `chat.completion` object into text, model and usage. */
export function readCompletion(completion: unknown): Omit<ChatAnswer, "latencyMs"> {
  const c = shapeOf(completion);
  if (!c) throw new ModelCallError("bad_response", true);
  const inner = errorInside(c);
  if (inner) throw inner;
  const choices = Array.isArray(c.choices) ? (c.choices as unknown[]) : [];
  const message = shapeOf(shapeOf(choices[0])?.message);
  const content = message?.content;
  let text: string | undefined;
  if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    text = content
      .map((p) => shapeOf(p))
      .map((p) => (typeof p?.text === "string" ? p.text : ""))
      .join("");
  }
  if (text === undefined) throw new ModelCallError("bad_response", true);
  const u = shapeOf(c.usage);
  const usage: TokenUsage = {
    prompt_tokens: toNumber(u?.prompt_tokens),
    completion_tokens: toNumber(u?.completion_tokens),
    total_tokens: toNumber(u?.total_tokens),
  };
  return { text, model: typeof c.model === "string" ? c.model : "", usage };
}

/**
 * Reads a Vertex `PredictResponse`: with one instance `predictions` is a single chat.completion
 * object, some containers send a list; accept both (reference §1.4).
 */
export function readPredictResponse(body: unknown): Omit<ChatAnswer, "latencyMs"> {
  const b = shapeOf(body);
  if (!b) throw new ModelCallError("bad_response", true);
  const outer = errorInside(b);
  if (outer) throw outer;
  const predictions = Array.isArray(b.predictions)
    ? (b.predictions as unknown[])[0]
    : b.predictions;
  return readCompletion(predictions);
}

function vertexHost(cfg: VertexConfig): { scheme: string; host: string } {
  const base = new URL(cfg.baseUrl ?? `https://${cfg.region}-aiplatform.googleapis.com`);
  return { scheme: base.protocol, host: base.host };
}

async function vertexPredictUrl(cfg: VertexConfig, deadline: number): Promise<string> {
  const resource = `projects/${cfg.project}/locations/${cfg.region}/endpoints/${cfg.endpointId}`;
  const { scheme, host: sharedHost } = vertexHost(cfg);
  let host = sharedHost;
  if (cfg.dedicated) {
    const configured = cfg.dedicatedDns?.replace(/^https?:\/\//, "").replace(/\/+$/, "");
    if (configured) host = configured;
    else {
      const key = `${scheme}//${sharedHost}/${resource}`;
      let lookup = dnsCache.get(key);
      if (!lookup) {
        lookup = postJson(
          cfg,
          `${scheme}//${sharedHost}/v1/${resource}`,
          "GET",
          undefined,
          {},
          Math.min(cfg.timeoutMs, deadline - Date.now()),
        ).then(({ body }) => {
          const dns = shapeOf(body)?.dedicatedEndpointDns;
          // The DNS is output-only and sometimes carries a scheme (reference §1.2).
          return typeof dns === "string" && dns
            ? dns.replace(/^https?:\/\//, "").replace(/\/+$/, "")
            : sharedHost;
        });
        dnsCache.set(key, lookup);
        // A failed lookup is retried on the next call instead of being cached forever.
        lookup.catch(() => dnsCache.delete(key));
      }
      host = await lookup;
    }
  }
  return `${scheme}//${host}/v1/${resource}:predict`;
}

async function callOnce(
  cfg: MedgemmaConfig,
  messages: ChatMessage[],
  jobKey: string,
  deadline: number,
): Promise<ChatAnswer> {
  const timeoutMs = Math.min(cfg.timeoutMs, deadline - Date.now());
  if (timeoutMs <= 0) throw new ModelCallError("timeout", true);
  // The job key lets the stand-in (and endpoint request logs) count calls per job; not PHI.
  const headers = { "x-dermadetect-job": jobKey };
  const started = Date.now();
  if (cfg.provider === "vertex") {
    const url = await vertexPredictUrl(cfg, deadline);
    const body = {
      instances: [
        {
          "@requestFormat": "chatCompletions",
          messages,
          max_tokens: cfg.maxTokens,
          temperature: 0,
        },
      ],
    };
    const res = await postJson(cfg, url, "POST", body, headers, timeoutMs);
    return { ...readPredictResponse(res.body), latencyMs: Date.now() - started };
  }
  const url = `${cfg.baseUrl.replace(/\/+$/, "")}/v1/chat/completions`;
  const body = { model: cfg.modelId, messages, max_tokens: cfg.maxTokens, temperature: 0 };
  const res = await postJson(cfg, url, "POST", body, headers, timeoutMs);
  return { ...readCompletion(res.body), latencyMs: Date.now() - started };
}

/** Waits, but never past the deadline. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A MedGemma client for either provider. Transient failures (429, 5xx, timeouts, network, an
 * error inside a 200) are retried with full-jitter backoff while the deadline allows; gaxios
 * would not retry a POST, so the loop is ours. Permanent failures are thrown at once.
 */
export function createMedgemmaClient(cfg: MedgemmaConfig): ChatModel {
  checkMedgemmaConfig(cfg);
  const endpoint =
    cfg.provider === "vertex"
      ? `vertex:projects/${cfg.project}/locations/${cfg.region}/endpoints/${cfg.endpointId}`
      : `openai:${cfg.baseUrl.replace(/\/+$/, "")}/v1/chat/completions`;
  return {
    endpoint,
    provider: cfg.provider,
    modelId: cfg.modelId,
    async complete(messages, { jobKey, deadline }) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await callOnce(cfg, messages, jobKey, deadline);
        } catch (e) {
          if (!(e instanceof ModelCallError) || !isRetryable(e) || attempt >= cfg.retry.attempts) {
            throw e;
          }
          const wait = backoffMs(attempt - 1, cfg.retry);
          log.warn("model call failed, retrying", {
            stage: "model_call",
            job_key: jobKey,
            attempt,
            outcome: e.kind,
            http_status: e.httpStatus,
          });
          // Leave room for one more call; otherwise give the delivery back to the outbox.
          if (Date.now() + wait + 1_000 >= deadline) throw e;
          await sleep(wait);
        }
      }
    },
  };
}
