import { expect } from "chai";
import {
  JOB_STATES,
  PUBLISH_LEASE_MS,
  REMOVE,
  RUN_LEASE_MS,
  claim,
  deadLetter,
  enqueue,
  finish,
  holdsClaim,
  isTerminal,
  jobKeyFor,
  leaseForPublish,
  publish,
  retry,
  supersede,
} from "./analysis-job";
import type { AnalysisJobState } from "./analysis-job";

const NOW = 1_800_000_000_000;
const TIMING = { baseMs: 1_000, capMs: 16_000, deliveryLeaseMs: 30_000 };
const half = () => 0.5;

describe("analysis job lifecycle", () => {
  it("only done, failed and limited are terminal", () => {
    const terminal = JOB_STATES.filter((s) => isTerminal(s));
    expect(terminal).to.deep.equal(["done", "failed", "limited"] satisfies AnalysisJobState[]);
  });

  it("enqueues a pending job keyed by case and version, due for the sweeper after the lease", () => {
    expect(jobKeyFor("case-1", 3)).to.equal("case-1.v3");
    expect(
      enqueue({ caseId: "case-1", chwId: "chw-1", contentVersion: 3, now: NOW }),
    ).to.deep.equal({
      case_id: "case-1",
      chw_id: "chw-1",
      content_version: 3,
      state: "pending",
      attempts: 0,
      publish_attempts: 0,
      published_at: null,
      next_publish_at: NOW + PUBLISH_LEASE_MS,
      error: null,
    });
  });

  it("the relay leases only a pending job; the sweeper any due, unfinished one", () => {
    const pending = {
      state: "pending",
      attempts: 0,
      publish_attempts: 0,
      next_publish_at: NOW + 1,
    };
    const lease = leaseForPublish(pending, NOW, TIMING, "relay", half)!;
    expect(lease.publishAttempts).to.equal(1);
    expect(lease.update.publish_attempts).to.equal(1);
    expect(lease.update.next_publish_at).to.be.within(NOW + 500, NOW + 1_000);
    // Not yet due: the sweeper leaves it to the relay.
    expect(leaseForPublish(pending, NOW, TIMING, "sweep", half)).to.equal(undefined);
    for (const state of ["published", "running", "retrying", "dead_lettered"]) {
      const due = { state, attempts: 2, publish_attempts: 4, next_publish_at: NOW };
      expect(leaseForPublish(due, NOW, TIMING, "relay", half), state).to.equal(undefined);
      const swept = leaseForPublish(due, NOW, TIMING, "sweep", half)!;
      expect(swept.publishAttempts, state).to.equal(5);
      expect(swept.attempts).to.equal(2);
      // The backoff grows with each publish attempt, up to the cap.
      expect(swept.update.next_publish_at).to.be.within(NOW + 500, NOW + 16_000);
    }
    for (const state of ["done", "failed"]) {
      expect(leaseForPublish({ state, next_publish_at: 0 }, NOW, TIMING, "sweep")).to.equal(
        undefined,
      );
    }
  });

  it("marks a job published unless a delivery claimed it since the lease", () => {
    const job = { state: "pending", attempts: 0, published_at: null };
    expect(publish(job, 0, NOW, TIMING.deliveryLeaseMs)).to.deep.equal({
      published_at: NOW,
      state: "published",
      next_publish_at: NOW + TIMING.deliveryLeaseMs,
    });
    // Claimed and already failed meanwhile: its own retry time stands.
    const claimed = { state: "retrying", attempts: 1, published_at: NOW - 5 };
    expect(publish(claimed, 0, NOW, TIMING.deliveryLeaseMs)).to.deep.equal({});
    expect(publish({ state: "running", attempts: 0, published_at: null }, 0, NOW, 1)).to.deep.equal(
      {
        published_at: NOW,
      },
    );
  });

  it("a claim runs the job under a lease and counts the delivery", () => {
    const update = claim({ state: "published", attempts: 1, published_at: NOW - 10 }, NOW, "c1");
    expect(update).to.deep.equal({
      state: "running",
      attempts: 2,
      claim_id: "c1",
      lease_until: NOW + RUN_LEASE_MS,
      next_publish_at: NOW + RUN_LEASE_MS,
    });
    expect(
      claim({ state: "pending", attempts: 0, published_at: null }, NOW, "c1").published_at,
    ).to.equal(NOW);
    expect(holdsClaim({ state: "running", claim_id: "c1" }, "c1")).to.equal(true);
    expect(holdsClaim({ state: "running", claim_id: "c2" }, "c1")).to.equal(false);
    expect(holdsClaim({ state: "retrying", claim_id: "c1" }, "c1")).to.equal(false);
  });

  it("a retry gives the job back only while the claim holds", () => {
    const running = { state: "running", claim_id: "c1" };
    expect(retry(running, "c1", NOW + 9, "timeout")).to.deep.equal({
      state: "retrying",
      lease_until: null,
      next_publish_at: NOW + 9,
      last_error: "timeout",
    });
    expect(retry(running, "c2", NOW + 9, "timeout")).to.equal(undefined);
  });

  it("dead-letters and supersedes unfinished jobs only", () => {
    expect(deadLetter({ state: "running" }, NOW)).to.deep.equal({
      state: "dead_lettered",
      lease_until: null,
      dead_lettered_at: NOW,
      next_publish_at: NOW + RUN_LEASE_MS,
    });
    expect(supersede({ state: "published" }, NOW)).to.deep.equal({
      state: "done",
      outcome: "superseded",
      lease_until: null,
      next_publish_at: null,
      finished_at: NOW,
    });
    for (const job of [undefined, { state: "done" }, { state: "failed" }]) {
      expect(deadLetter(job, NOW)).to.equal(undefined);
      expect(supersede(job, NOW)).to.equal(undefined);
    }
  });

  it("finishing removes the job from the sweeper's query", () => {
    expect(finish("failed", NOW, { error: { code: "AI_6001", message: "m" } })).to.deep.equal({
      state: "failed",
      lease_until: null,
      next_publish_at: REMOVE,
      finished_at: NOW,
      error: { code: "AI_6001", message: "m" },
    });
  });
});
