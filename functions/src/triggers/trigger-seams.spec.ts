import { expect } from "chai";
import type { Firestore } from "firebase-admin/firestore";
import type { JobQueue } from "../domain/analysis-job";
import { diagnosisContentHash } from "../adapters/diagnosis-writer";
import { handleDeadLetter } from "./analysis-dead-letter";
import { handleDiagnosisWritten } from "./on-diagnosis-written";
import { handleSweep } from "./sweep-analysis-jobs";
import { isRetryable } from "../domain/retry";
import { capturedLogs } from "../../test/quiet-logs";
import {
  MAX_ROUNDS,
  ReviewNotSettledError,
  handleCaseReviewWrite,
  updatePatientReview,
} from "./update-patient-review";

/*
 * The handleX seam of each trigger, at the unit tier. The relay, sweep and dead-letter seams
 * talk to the JobQueue port (scripted here); the diagnosis and patient-review seams take a
 * Firestore handle, so only the paths that must not touch it run here (a handle that throws on
 * any use proves it), plus the patient review's lost-race path on a scripted handle: their
 * writes are covered by the integration tier.
 */

const NOW = 1_800_000_000_000;

/** A Firestore handle that fails the test on any use. */
const untouchable = new Proxy(
  {},
  {
    get: () => {
      throw new Error("the trigger touched Firestore");
    },
  },
) as Firestore;

function queue(
  due: string[],
  outcome: (key: string) => "published" | "skipped" | "publish_failed",
) {
  const published: string[] = [];
  const failed: unknown[][] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const jobs: JobQueue = {
    due: (now, limit) => {
      expect(now).to.equal(NOW);
      return Promise.resolve(due.slice(0, limit));
    },
    publish: async (key, now, mode) => {
      expect([now, mode]).to.deep.equal([NOW, "sweep"]);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      published.push(key);
      return outcome(key);
    },
    fail: (...args) => {
      failed.push(args);
      return Promise.resolve("failed");
    },
  };
  return { jobs, published, failed, maxInFlight: () => maxInFlight };
}

describe("trigger seams", () => {
  describe("sweepAnalysisJobs (handleSweep)", () => {
    it("publishes every due job, ten at a time, and counts what went out", async () => {
      const keys = Array.from({ length: 23 }, (_, i) => `case-${i}.v1`);
      const q = queue(keys, (k) =>
        k === "case-3.v1" ? "publish_failed" : k === "case-4.v1" ? "skipped" : "published",
      );
      const out = await handleSweep({ jobs: q.jobs, now: () => NOW });
      expect(out).to.deep.equal({ due: 23, published: 21 });
      expect(q.published).to.have.members(keys);
      expect(q.maxInFlight()).to.equal(10);
    });

    it("takes at most 200 jobs per sweep (the rest wait for the next minute)", async () => {
      const keys = Array.from({ length: 250 }, (_, i) => `c${i}.v1`);
      const q = queue(keys, () => "published");
      expect(await handleSweep({ jobs: q.jobs, now: () => NOW })).to.deep.equal({
        due: 200,
        published: 200,
      });
    });
  });

  describe("analysisDeadLetter (handleDeadLetter)", () => {
    it("fails a dead-lettered job with AI_6004", async () => {
      const q = queue([], () => "published");
      const out = await handleDeadLetter(
        { case_id: "case-1", job_key: "case-1.v2", reason: "max_deliveries" },
        { jobs: q.jobs, now: () => NOW },
      );
      expect(out).to.equal("failed");
      expect(q.failed).to.deep.equal([["case-1", "case-1.v2", "AI_6004", NOW]]);
    });

    it("acknowledges a malformed message without failing anything", async () => {
      const q = queue([], () => "published");
      for (const bad of [undefined, { case_id: "c" }, { case_id: "../x", job_key: "../x.v1" }]) {
        expect(await handleDeadLetter(bad, { jobs: q.jobs })).to.equal("bad_message");
      }
      expect(q.failed).to.deep.equal([]);
    });
  });

  describe("onDiagnosisWritten (handleDiagnosisWritten)", () => {
    const deps = { db: untouchable, now: () => NOW };
    it("leaves its own normalised write alone (no re-trigger loop)", async () => {
      const after: Record<string, unknown> = {
        case_id: "c1",
        diagnosis_text: "Eczema",
        doctor_id: "d1",
      };
      after.normalized_hash = diagnosisContentHash(after);
      expect(await handleDiagnosisWritten({ id: "dx1", before: undefined, after }, deps)).to.equal(
        "unchanged",
      );
    });

    it("ignores the delete of a diagnosis no device ever received", async () => {
      const before = { case_id: "c1", diagnosis_text: "x" };
      for (const b of [undefined, before, { ...before, server_seq: 4, deleted_at: NOW }]) {
        expect(
          await handleDiagnosisWritten({ id: "dx1", before: b, after: undefined }, deps),
        ).to.equal("ignored");
      }
    });
  });

  describe("updatePatientReview (handleCaseReviewWrite)", () => {
    it("does nothing for a case write that changes no review field", async () => {
      const kase = { patient_id: "p1", chw_id: "chw-1", status: "TRIAGED", risk_level: "GREEN" };
      await handleCaseReviewWrite(
        { caseId: "c1", before: kase, after: { ...kase, triage_data: { notes: "x" } } },
        { db: () => untouchable },
      );
    });

    it("throws a retryable error, and warns without patient data, when every round loses its write", async () => {
      const patientId = "patient-secret-id";
      const kase = { patient_id: patientId, chw_id: "chw-1", status: "PENDING_DIAGNOSIS" };
      let writes = 0;
      // The patient changes under every write: the update-time precondition always fails.
      const patients = {
        doc: () => ({
          get: () =>
            Promise.resolve({
              exists: true,
              get: (f: string) => (f === "chw_id" ? "chw-1" : undefined),
              data: () => ({ id: patientId, chw_id: "chw-1" }),
              updateTime: { seconds: writes },
            }),
          update: () => {
            writes++;
            return Promise.reject(Object.assign(new Error("precondition"), { code: 9 }));
          },
        }),
      };
      const cases = { get: () => Promise.resolve({ docs: [{ data: () => kase }] }) };
      const chain = { where: () => chain, ...cases };
      const racing = {
        collection: (name: string) => (name === "patients" ? patients : chain),
      } as unknown as Firestore;
      const from = capturedLogs.length;

      const err = await handleCaseReviewWrite(
        { caseId: "c1", before: { ...kase, status: "TRIAGED" }, after: kase },
        { db: () => racing },
      ).then(
        () => undefined,
        (e: unknown) => e,
      );

      expect(err).to.be.instanceOf(ReviewNotSettledError);
      expect(isRetryable(err)).to.equal(true);
      expect(writes).to.equal(MAX_ROUNDS);
      const warned = capturedLogs.slice(from).filter((l) => l.severity === "WARNING");
      expect(warned.map((l) => l.message)).to.deep.equal([
        "patient review did not settle, will retry",
      ]);
      expect(JSON.stringify(warned)).to.include('"case_id":"c1"').and.not.include(patientId);
      expect(String((err as Error).message)).to.not.include(patientId);
      // The throw only redelivers with retry on (terraform's retry_policy follows it:
      // terraform/test/consistency.spec.ts).
      expect(updatePatientReview.__endpoint.eventTrigger?.retry).to.equal(true);
    });
  });
});
