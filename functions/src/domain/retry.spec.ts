import { expect } from "chai";
import { backoffMs, isRetryable, isTransientStatus } from "./retry";

describe("isRetryable: the one answer to retry this?", () => {
  it("trusts an error's own transient flag", () => {
    expect(isRetryable({ transient: true })).to.equal(true);
    expect(isRetryable({ transient: false, code: 14 }, true)).to.equal(false);
  });

  it("retries gRPC contention, unavailability and deadlines, not other gRPC codes", () => {
    for (const code of [4, 10, 14]) expect(isRetryable({ code }), String(code)).to.equal(true);
    for (const code of [3, 5, 6, 7, 9])
      expect(isRetryable({ code }, true), String(code)).to.equal(false);
  });

  it("retries 408, 429 and 5xx statuses, never other 4xx", () => {
    expect([408, 429, 500, 503, 599].every(isTransientStatus)).to.equal(true);
    expect([400, 401, 404, 409, 413].some(isTransientStatus)).to.equal(false);
    expect(isRetryable({ code: "SYNC_5000", status: 500 })).to.equal(true);
    expect(isRetryable({ code: "SYNC_1000", status: 400 }, true)).to.equal(false);
  });

  it("leaves anything else to the caller's policy", () => {
    expect(isRetryable(new Error("?"))).to.equal(false);
    expect(isRetryable(new Error("?"), true)).to.equal(true);
    expect(isRetryable(undefined, true)).to.equal(true);
  });

  it("backs off with a jittered, capped exponential", () => {
    const opts = { baseMs: 100, capMs: 1_000 };
    expect(backoffMs(0, opts, () => 0)).to.equal(50);
    expect(backoffMs(3, opts, () => 1)).to.equal(800);
    expect(backoffMs(10, opts, () => 1)).to.equal(1_000);
  });
});
