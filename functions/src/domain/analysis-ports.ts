import type { ChatMessage } from "./analysis-prompt";

/** Verified image bytes ready for the model (resized by the image store when needed). */
export interface ImageBytes {
  bytes: Uint8Array;
  contentType: string;
}

/**
 * Where `analyzeCase` reads a case's verified images. `imageKey` is `cases/{case_id}/{sha256}.{ext}`;
 * an implementation returns the bytes whose sha256 is in the key, or throws `ImageUnavailableError`.
 */
export interface ImageSource {
  read(imageKey: string): Promise<ImageBytes>;
}

/** Thrown by an image source; `transient` says whether a later delivery may succeed. */
export class ImageUnavailableError extends Error {
  constructor(
    readonly reason: "not_found" | "hash_mismatch" | "too_large" | "unavailable",
    readonly transient: boolean,
  ) {
    super(`image unavailable: ${reason}`);
    this.name = "ImageUnavailableError";
  }
}

/** Token counts as the OpenAI-compatible `usage` object reports them. */
export interface TokenUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One chat completion: the answer text and what it cost. */
export interface ChatAnswer {
  text: string;
  model: string;
  usage: TokenUsage;
  latencyMs: number;
}

/** A MedGemma deployment: Vertex AI `:predict` or an OpenAI-compatible server. */
export interface ChatModel {
  /** Provider id and endpoint, recorded as provenance (never carries credentials). */
  readonly endpoint: string;
  readonly provider: "vertex" | "openai";
  /** Configured model id (e.g. `google/medgemma-4b-it`), recorded as provenance. */
  readonly modelId: string;
  complete(
    messages: ChatMessage[],
    opts: { jobKey: string; deadline: number },
  ): Promise<ChatAnswer>;
}

/** Why a model call failed; `transient` failures are retried, others end the job. */
export class ModelCallError extends Error {
  constructor(
    readonly kind: "http" | "timeout" | "network" | "error_in_200" | "bad_response",
    readonly transient: boolean,
    readonly httpStatus?: number,
  ) {
    super(`model call failed: ${kind}${httpStatus ? ` ${httpStatus}` : ""}`);
    this.name = "ModelCallError";
  }
}

/** Publishes JSON messages to a Pub/Sub topic; injectable so tests can make it fail. */
export interface MessagePublisher {
  publish(topic: string, message: Record<string, unknown>): Promise<string>;
}
