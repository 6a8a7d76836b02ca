import { expect } from "chai";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { cloudEvent, http } from "@google-cloud/functions-framework";
import type { CloudEventFunction, HttpFunction } from "@google-cloud/functions-framework";
import { getTestServer } from "@google-cloud/functions-framework/testing";
import { onMessagePublished } from "firebase-functions/v2/pubsub";

// docs/decisions/2026-11-pubsub-owned-push-subscription.md: analyzeCase keeps its
// onMessagePublished code and receives the owned push subscription's requests because the
// Functions Framework, serving it with the cloudevent signature, turns a raw Pub/Sub push body
// into the CloudEvent firebase-functions reads. This runs that path with the real Framework and
// the real firebase-functions trigger (a fixture handler in place of the MedGemma pipeline).

interface Received {
  json: unknown;
  messageId: string;
  attributes: Record<string, string>;
}

const TOPIC = "case-analysis-requested";
const received: Received[] = [];
let failNext = false;

const fixture = onMessagePublished({ topic: TOPIC }, (event) => {
  if (failNext) {
    failNext = false;
    throw new Error("transient failure");
  }
  const message = event.data.message;
  received.push({
    json: message.json as unknown,
    messageId: message.messageId,
    attributes: message.attributes,
  });
  return Promise.resolve();
});
cloudEvent("analyzeCasePushFixture", fixture as unknown as CloudEventFunction);
// The same function served with the default (http) signature, as without the build variable.
http("analyzeCaseHttpFixture", fixture as unknown as HttpFunction);

/** Runs `fn` with console.error silenced: the Framework prints the handler's stack trace. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const original = console.error;
  console.error = () => undefined;
  try {
    return await fn();
  } finally {
    console.error = original;
  }
}

/** A push request exactly as Pub/Sub sends it (with a dead-letter policy it adds deliveryAttempt). */
function pushBody(data: object, messageId: string, attributes: Record<string, string> = {}) {
  const encoded = Buffer.from(JSON.stringify(data)).toString("base64");
  const publishTime = "2026-11-22T00:00:00.000Z";
  return {
    message: {
      data: encoded,
      attributes,
      messageId,
      message_id: messageId,
      publishTime,
      publish_time: publishTime,
    },
    subscription: `projects/p/subscriptions/${TOPIC}-push`,
    deliveryAttempt: 1,
  };
}

describe("owned push subscription delivery to an onMessagePublished function", function () {
  this.timeout(30_000);
  const servers: Server[] = [];
  let url: string;
  let httpUrl: string;

  async function listen(name: string): Promise<string> {
    const server = getTestServer(name);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    // The path terraform gives the push endpoint, so the Framework can name the topic.
    return `http://127.0.0.1:${port}/projects/p/topics/${TOPIC}`;
  }

  before(async () => {
    url = await listen("analyzeCasePushFixture");
    httpUrl = await listen("analyzeCaseHttpFixture");
  });

  after(async () => {
    for (const server of servers)
      await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  beforeEach(() => {
    received.length = 0;
    failNext = false;
  });

  async function push(body: object, to = url): Promise<number> {
    const res = await fetch(to, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    await res.arrayBuffer();
    return res.status;
  }

  it("hands the request to the handler and acknowledges with a 2xx", async () => {
    const request = { case_id: "case-1", job_key: "case-1.v2" };
    const status = await push(pushBody(request, "m-1", { origin: "relay" }));
    expect(status).to.be.within(200, 299);
    expect(received).to.deep.equal([
      { json: request, messageId: "m-1", attributes: { origin: "relay" } },
    ]);
  });

  it("answers a 5xx when the handler throws, so Pub/Sub redelivers and counts the attempt", async () => {
    failNext = true;
    const status = await quietly(() =>
      push(pushBody({ case_id: "case-2", job_key: "case-2.v1" }, "m-2")),
    );
    expect(status).to.be.at.least(500);
    expect(received).to.deep.equal([]);
    // The redelivery succeeds and reaches the handler once.
    expect(await push(pushBody({ case_id: "case-2", job_key: "case-2.v1" }, "m-2"))).to.be.within(
      200,
      299,
    );
    expect(received.map((r) => r.messageId)).to.deep.equal(["m-2"]);
  });

  it("fails every push when served with the default http signature (why the build sets cloudevent)", async () => {
    const status = await quietly(() =>
      push(pushBody({ case_id: "case-3", job_key: "case-3.v1" }, "m-3"), httpUrl),
    );
    expect(status).to.be.at.least(500);
    expect(received).to.deep.equal([]);
  });
});
