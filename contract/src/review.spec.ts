import { expect } from "chai";
import { Ajv } from "ajv";
import { diagnosisRequestSchema } from "./case-images";
import {
  AI_OVERDUE_MS,
  answerRequest,
  currentDiagnosis,
  infoRequestBodySchema,
  reviewChanges,
  reviewFieldsOf,
} from "./review";

const NOW = 1_800_000_000_000;
const red = (extra: Record<string, unknown> = {}) => ({
  status: "TRIAGED",
  risk_level: "RED",
  analysis: { state: "queued" },
  timeline: { analysis_requested_at: NOW - 1000 },
  ...extra,
});

describe("review fields of a case", () => {
  it("queues PENDING_DIAGNOSIS cases as waiting", () => {
    const f = reviewFieldsOf({ status: "PENDING_DIAGNOSIS", risk_level: "YELLOW" }, NOW);
    expect(f).to.deep.equal({
      needs_doctor: true,
      needs_doctor_since: NOW,
      queue_reason: "PENDING_DIAGNOSIS",
      review_state: "waiting",
    });
  });

  it("leaves a fresh RED case with a running analysis out, and queues it once overdue", () => {
    expect(reviewFieldsOf(red(), NOW).needs_doctor).to.equal(false);
    const late = reviewFieldsOf(red(), NOW + AI_OVERDUE_MS);
    expect(late.needs_doctor).to.equal(true);
    expect(late.queue_reason).to.equal("AI_OVERDUE");
  });

  it("queues a RED case whose analysis failed, but never a GREEN triaged one", () => {
    expect(reviewFieldsOf(red({ analysis: { state: "failed" } }), NOW).queue_reason).to.equal(
      "AI_FAILED",
    );
    const green = reviewFieldsOf({ status: "TRIAGED", risk_level: "GREEN" }, NOW + 1e9);
    expect(green.needs_doctor).to.equal(false);
    expect(green.review_state).to.equal(null);
  });

  it("keeps a queued case in the queue with its waiting time while a new analysis runs", () => {
    const queued = { ...red(), needs_doctor: true, needs_doctor_since: NOW - 60_000 };
    const f = reviewFieldsOf({ ...queued, queue_reason: "AI_OVERDUE" }, NOW);
    expect(f.needs_doctor).to.equal(true);
    expect(f.needs_doctor_since).to.equal(NOW - 60_000);
    expect(f.queue_reason).to.equal("AI_OVERDUE");
  });

  it("takes a case out while the CHW is asked, and back in as answered", () => {
    const req = { id: "r1", requested_at: NOW - 10, answered_at: null };
    const asked = { status: "PENDING_DIAGNOSIS", needs_doctor: true, info_request: req };
    expect(reviewFieldsOf(asked, NOW)).to.include({
      needs_doctor: false,
      review_state: "waiting_for_chw",
    });
    const answer = answerRequest({ ...asked, needs_doctor: false }, NOW + 5);
    expect(answer).to.deep.include({
      needs_doctor: true,
      needs_doctor_since: NOW + 5,
      queue_reason: "ANSWERED",
      review_state: "answered",
    });
    expect((answer?.info_request as { answered_at: number }).answered_at).to.equal(NOW + 5);
    expect(answerRequest({ ...asked, info_request: { ...req, answered_at: 1 } }, NOW)).to.equal(
      undefined,
    );
  });

  it("marks a diagnosed case reviewed and out of the queue", () => {
    const f = reviewFieldsOf({ status: "DIAGNOSED", needs_doctor: true, risk_level: "RED" }, NOW);
    expect(f).to.deep.equal({
      needs_doctor: false,
      needs_doctor_since: null,
      queue_reason: null,
      review_state: "reviewed",
    });
  });

  it("reports only the fields that change", () => {
    const want = reviewFieldsOf({ status: "PENDING_DIAGNOSIS" }, NOW);
    expect(reviewChanges({ status: "PENDING_DIAGNOSIS", ...want }, want)).to.deep.equal({});
    expect(reviewChanges({ status: "TRIAGED" }, want)).to.have.keys(Object.keys(want));
  });
});

describe("current diagnosis", () => {
  it("is the one no other amends, whatever the clocks say", () => {
    const ds = [
      { id: "b", amends: "a", created_at: 1 },
      { id: "a", created_at: 2 },
    ];
    expect(currentDiagnosis(ds)?.id).to.equal("b");
  });
});

describe("review request schemas", () => {
  const ajv = new Ajv({ strict: true });
  const diag = ajv.compile(diagnosisRequestSchema);
  const req = ajv.compile(infoRequestBodySchema);

  it("accepts a structured diagnosis and refuses unknown keys and a referral without a place", () => {
    const ok = {
      id: "d1",
      diagnosis_text: "Nodular melanoma suspected",
      referral: { decision: "urgent", destination: "District hospital" },
      follow_up: { in_days: 7, note: "Check the wound" },
      amends: "d0",
    };
    expect(diag(ok)).to.equal(true);
    expect(diag({ ...ok, extra: 1 })).to.equal(false);
    expect(diag({ ...ok, referral: { decision: "urgent" } })).to.equal(false);
    expect(diag({ ...ok, referral: { decision: "none" } })).to.equal(true);
    expect(diag({ ...ok, follow_up: { in_days: 400 } })).to.equal(false);
  });

  it("bounds the doctor's request", () => {
    expect(req({ id: "r1", kind: "photo", message: "Closer, in daylight" })).to.equal(true);
    expect(req({ id: "r1", kind: "video", message: "x" })).to.equal(false);
    expect(req({ id: "r1", kind: "photo", message: "x".repeat(1001) })).to.equal(false);
  });
});
