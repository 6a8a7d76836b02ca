import type { ChatMessage } from "../../src/domain/analysis-prompt";
import type { ChatAnswer, ChatModel } from "../../src/domain/analysis-ports";

/** What each answer of a stand-in model reports it cost. */
export type CallCost = Pick<ChatAnswer, "usage" | "latencyMs">;

/**
 * A stand-in for the MedGemma port: `answer` gives the text of each request's answer (and may
 * record the request), every call reporting `cost`.
 */
export function chatModelAnswering(
  answer: (messages: ChatMessage[]) => string,
  cost: CallCost,
): ChatModel {
  return {
    endpoint: "stand-in",
    provider: "openai",
    modelId: "google/medgemma-4b-it",
    complete: (messages) =>
      Promise.resolve({ text: answer(messages), model: "fixture/medgemma", ...cost }),
  };
}
