import { PubSub } from "@google-cloud/pubsub";
import type { MessagePublisher } from "../domain/analysis-ports";
import { projectId } from "../config";

/** Topic of analysis requests (docs/design.md §6). */
export const ANALYSIS_TOPIC = "case-analysis-requested";
/** Dead-letter topic: jobs that failed on every one of their deliveries. */
export const ANALYSIS_DLQ_TOPIC = "case-analysis-requested-dlq";

let client: PubSub | undefined;

/** The JSON payload of a delivered message, or undefined when it is not JSON (logged and acknowledged by the handler). */
export function messageJson(event: { data: { message: { json: unknown } } }): unknown {
  try {
    return event.data.message.json;
  } catch {
    return undefined;
  }
}

/** Publishes JSON messages with the Pub/Sub client (the emulator when PUBSUB_EMULATOR_HOST is set). */
export function pubsubPublisher(): MessagePublisher {
  return {
    async publish(topic, message) {
      client ??= new PubSub({ projectId: projectId() });
      return client.topic(topic).publishMessage({ json: message });
    },
  };
}
