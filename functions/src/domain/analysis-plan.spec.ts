import { expect } from "chai";
import { decideClaim, planCaseWrite, versionOfJobKey } from "./analysis-plan";
import type { JobView } from "./analysis-plan";
import { backoffMs, MAX_DELIVERIES } from "./retry";
import fc from "fast-check";

const job = (over: Partial<JobView> = {}): JobView => ({
  case_id: "c1",
  content_version: 2,
  state: "published",
  attempts: 0,
  ...over,
});

describe("analysis claim decisions", () => {
  const now = 1_000_000;
  it("claims a pending, published or retrying job of a live case at its version", () => {
    for (const state of ["pending", "published", "retrying"]) {
      expect(decideClaim(job({ state }), "c1", { content_version: 2 }, now)).to.deep.equal({
        kind: "claim",
      });
    }
  });

  it("ignores duplicates: finished jobs and jobs running under a live lease", () => {
    expect(decideClaim(job({ state: "done" }), "c1", {}, now).kind).to.equal("ignore");
    expect(decideClaim(job({ state: "failed" }), "c1", {}, now).kind).to.equal("ignore");
    expect(
      decideClaim(job({ state: "running", lease_until: now + 1 }), "c1", {}, now),
    ).to.deep.equal({
      kind: "ignore",
      reason: "in_flight",
    });
    expect(decideClaim(undefined, "c1", {}, now)).to.deep.equal({
      kind: "ignore",
      reason: "unknown_job",
    });
    expect(decideClaim(job(), "other", {}, now).kind).to.equal("ignore");
  });

  it("reclaims a running job whose lease expired (the worker died)", () => {
    const d = decideClaim(
      job({ state: "running", lease_until: now - 1 }),
      "c1",
      { content_version: 2 },
      now,
    );
    expect(d.kind).to.equal("claim");
  });

  it("fails a job whose case is gone, skips one a newer version supersedes", () => {
    expect(decideClaim(job(), "c1", undefined, now).kind).to.equal("fail");
    expect(decideClaim(job(), "c1", { deleted_at: 5 }, now).kind).to.equal("fail");
    expect(decideClaim(job(), "c1", { content_version: 3 }, now).kind).to.equal("superseded");
    expect(
      decideClaim(job(), "c1", { content_version: 2, ai_analysis: { content_version: 3 } }, now)
        .kind,
    ).to.equal("superseded");
  });

  it("dead-letters after the last allowed delivery, and forwards a dead-lettered job again", () => {
    expect(
      decideClaim(job({ attempts: MAX_DELIVERIES }), "c1", { content_version: 2 }, now).kind,
    ).to.equal("dead_letter");
    expect(decideClaim(job({ state: "dead_lettered" }), "c1", {}, now).kind).to.equal(
      "dead_letter",
    );
  });
});

describe("analysis case writes", () => {
  const j = { job_key: "c1.v2", content_version: 2 };
  it("writes a result and PENDING_DIAGNOSIS, keeping DIAGNOSED", () => {
    expect(planCaseWrite({ status: "TRIAGED" }, j, "done")).to.deep.equal({
      aiAnalysis: true,
      analysisState: true,
      status: "PENDING_DIAGNOSIS",
    });
    expect(planCaseWrite({ status: "DIAGNOSED" }, j, "done").status).to.equal(undefined);
  });

  it("never overwrites a newer version's result or state", () => {
    const newer = { ai_analysis: { content_version: 3 }, analysis: { job_key: "c1.v3" } };
    expect(planCaseWrite(newer, j, "done")).to.deep.equal({
      aiAnalysis: false,
      analysisState: false,
      status: undefined,
    });
    expect(planCaseWrite({ analysis: { job_key: "c1.v3" } }, j, "done")).to.deep.equal({
      aiAnalysis: true,
      analysisState: false,
      status: "PENDING_DIAGNOSIS",
    });
  });

  it("a failure still sends the case to a doctor but never writes ai_analysis", () => {
    expect(
      planCaseWrite({ status: "TRIAGED", analysis: { job_key: "c1.v1" } }, j, "failed"),
    ).to.deep.equal({
      aiAnalysis: false,
      analysisState: true,
      status: "PENDING_DIAGNOSIS",
    });
  });

  it("reads versions from job keys", () => {
    expect(versionOfJobKey("a.b.v12")).to.equal(12);
    expect(versionOfJobKey("nope")).to.equal(undefined);
  });
});

describe("jittered backoff", () => {
  it("stays within [base/2, min(cap, base·2^n)] and grows with attempts", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (n, r) => {
          const d = backoffMs(n, { baseMs: 100, capMs: 5_000 }, () => r);
          return d >= 50 && d <= Math.min(5_000, 100 * 2 ** n);
        },
      ),
    );
    expect(backoffMs(5, { baseMs: 100, capMs: 1e9 }, () => 1)).to.equal(3_200);
  });
});
