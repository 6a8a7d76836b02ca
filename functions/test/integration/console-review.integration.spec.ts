import { randomUUID } from "node:crypto";
import { expect } from "chai";
import {
  api,
  createCase,
  idToken,
  photo,
  scopeSeq,
  testDb,
  uid,
  waitFor,
  waitForImage,
  uploadPhoto,
} from "./images-support";
import { handleOverdueSweep } from "../../src/triggers/sweep-overdue-cases";

type Body = Record<string, unknown> & {
  error?: { code: string; message: string } & Record<string, unknown>;
};

/** Audit entries of one actor and case, by action. */
async function auditActions(actor: string, caseId: string): Promise<string[]> {
  const snap = await testDb().collection("auditLogs").where("actor", "==", actor).get();
  return snap.docs
    .filter((d) => (d.get("resource.ids") as string[]).includes(caseId))
    .map((d) => String(d.get("action")));
}

const diagnosis = (over: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  diagnosis_text: "Suspected nodular melanoma",
  prescription: null,
  referral: { decision: "urgent", destination: "District hospital, dermatology" },
  follow_up: { in_days: 7, note: "Check the patient went" },
  ...over,
});

describe("console API: review, claims, requests, diagnoses with authority", () => {
  const chw = uid("chw");
  const doctorA = uid("doc-a");
  const doctorB = uid("doc-b");
  const adminUid = uid("admin");
  let chwToken: string;
  let a: string;
  let b: string;
  let admin: string;

  before(async () => {
    chwToken = await idToken(chw, "chw");
    a = await idToken(doctorA, "doctor");
    b = await idToken(doctorB, "doctor");
    admin = await idToken(adminUid, "admin");
    await testDb().doc(`users/${doctorA}`).set({ role: "doctor", display_name: "Dr Amina" });
    await testDb().doc(`users/${doctorB}`).set({ role: "doctor", display_name: "Dr Baraka" });
  });

  it("opens a case with its patient, short-lived photo URLs and audit entries (no patient data)", async () => {
    const id = uid("case");
    await createCase({ id, chwId: chw, risk: "YELLOW", status: "PENDING_DIAGNOSIS" });
    const img = await photo(41);
    await uploadPhoto(id, chwToken, img);
    await waitForImage(id, img.sha256, (i) => i.state === "verified" || i.state === "analysed");

    const before = Date.now();
    const res = await api<Body>("GET", `/v1/cases/${id}/review`, a);
    expect(res.status).to.equal(200);
    const body = res.body as {
      case: { id: string; needs_doctor: boolean };
      patient: { demographics: { name: string } };
      photos: { index: number; url: string; expires_at: number; sha256: string }[];
      diagnoses: unknown[];
      history: unknown[];
      claim: unknown;
    };
    expect(body.case.id).to.equal(id);
    expect(body.patient.demographics.name).to.equal("Test Patient");
    expect(body.photos).to.have.length(1);
    expect(body.photos[0]?.sha256).to.equal(img.sha256);
    expect(body.photos[0]?.expires_at).to.be.at.most(before + 5 * 60_000 + 5_000);
    const got = await fetch(body.photos[0]!.url);
    expect(got.status).to.equal(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(img.bytes)).to.equal(true);
    expect(body.claim).to.equal(null);

    const actions = await auditActions(doctorA, id);
    expect(actions).to.include("case.open");
    expect(actions.filter((x) => x === "photo.url_issued")).to.have.length(1);
    const logs = await testDb().collection("auditLogs").where("actor", "==", doctorA).get();
    for (const d of logs.docs) expect(JSON.stringify(d.data())).not.to.contain("Test Patient");

    // Admins read it too; CHWs and anonymous callers do not.
    expect((await api("GET", `/v1/cases/${id}/review`, admin)).status).to.equal(200);
    expect((await api("GET", `/v1/cases/${id}/review`, chwToken)).status).to.equal(403);
    expect((await api("GET", `/v1/cases/${id}/review`, undefined)).status).to.equal(401);
  });

  it("refuses a doctor a case that never needed one (404, nothing issued)", async () => {
    const id = uid("green");
    await createCase({ id, chwId: chw, risk: "GREEN", status: "TRIAGED" });
    const res = await api<Body>("GET", `/v1/cases/${id}/review`, a);
    expect(res.status).to.equal(404);
    expect(await auditActions(doctorA, id)).to.deep.equal([]);
  });

  it("claims: one doctor at a time, 409 with the holder, extend and release, CHW pulls it", async () => {
    const id = uid("claim");
    await createCase({ id, chwId: chw, risk: "RED", status: "PENDING_DIAGNOSIS" });
    const seq0 = await scopeSeq(chw);
    const first = await api<Body>("POST", `/v1/cases/${id}/claim`, a, {});
    expect(first.status).to.equal(200);
    expect(first.body).to.include({ doctor_id: doctorA, doctor_name: "Dr Amina" });
    expect(await scopeSeq(chw)).to.be.greaterThan(seq0);

    const other = await api<Body>("POST", `/v1/cases/${id}/claim`, b, {});
    expect(other.status).to.equal(409);
    expect(other.body.error?.code).to.equal("SYNC_4091");
    expect(other.body.error?.claim).to.include({ doctor_id: doctorA, doctor_name: "Dr Amina" });
    expect((await api<Body>("DELETE", `/v1/cases/${id}/claim`, b)).status).to.equal(409);

    const again = await api<Body>("POST", `/v1/cases/${id}/claim`, a, {});
    expect(again.status).to.equal(200);
    expect(Number(again.body.expires_at)).to.be.at.least(Number(first.body.expires_at));

    const released = await api<Body>("DELETE", `/v1/cases/${id}/claim`, a);
    expect(released.body).to.deep.equal({ released: true });
    expect((await api<Body>("POST", `/v1/cases/${id}/claim`, b, {})).status).to.equal(200);
    expect((await api<Body>("POST", `/v1/cases/${id}/claim`, admin, {})).status).to.equal(403);
    expect(await auditActions(doctorA, id)).to.include.members(["case.claim", "case.release"]);
  });

  it("diagnosis authority: 4093 for a case that needs no doctor, 4092 for a second one, amendments keep both", async () => {
    const green = uid("green");
    await createCase({ id: green, chwId: chw, risk: "GREEN", status: "TRIAGED" });
    const refused = await api<Body>("POST", `/v1/cases/${green}/diagnoses`, a, diagnosis());
    expect(refused.status).to.equal(409);
    expect(refused.body.error?.code).to.equal("SYNC_4093");
    expect((await testDb().doc(`cases/${green}`).get()).get("status")).to.equal("TRIAGED");

    const id = uid("dx");
    await createCase({ id, chwId: chw, risk: "RED", status: "PENDING_DIAGNOSIS" });
    const first = diagnosis();
    const stored = await api<Body>("POST", `/v1/cases/${id}/diagnoses`, a, first);
    expect(stored.status).to.equal(200);
    expect(stored.body).to.deep.include({
      id: first.id,
      doctor_id: doctorA,
      doctor_name: "Dr Amina",
      referral: first.referral,
      follow_up: first.follow_up,
      amends: null,
    });
    // Idempotent retry: same answer, nothing new.
    const retry = await api<Body>("POST", `/v1/cases/${id}/diagnoses`, a, first);
    expect(retry.status).to.equal(200);
    expect(retry.body.server_seq).to.equal(stored.body.server_seq);

    const c1 = (await testDb().doc(`cases/${id}`).get()).data()!;
    expect(c1).to.include({ status: "DIAGNOSED", needs_doctor: false, review_state: "reviewed" });

    const second = await api<Body>("POST", `/v1/cases/${id}/diagnoses`, b, diagnosis());
    expect(second.status).to.equal(409);
    expect(second.body.error?.code).to.equal("SYNC_4092");
    expect((second.body.error?.diagnosis as { id: string }).id).to.equal(first.id);
    expect((await testDb().doc(`cases/${id}`).get()).get("doctor_id")).to.equal(doctorA);

    const stale = await api<Body>(
      "POST",
      `/v1/cases/${id}/diagnoses`,
      b,
      diagnosis({ amends: "nope" }),
    );
    expect(stale.status).to.equal(409);

    const amendment = diagnosis({ amends: first.id, referral: { decision: "none" } });
    const amended = await api<Body>("POST", `/v1/cases/${id}/diagnoses`, b, amendment);
    expect(amended.status).to.equal(200);
    expect(amended.body.amends).to.equal(first.id);
    const c2 = (await testDb().doc(`cases/${id}`).get()).data()!;
    expect(c2.doctor_id).to.equal(doctorB);
    expect(c2.diagnosis_id).to.equal(amendment.id);
    expect(c2.review_doctor_ids).to.have.members([doctorA, doctorB]);
    // Nothing overwritten: both diagnoses are stored, and the review lists them oldest first.
    expect((await testDb().doc(`diagnoses/${first.id}`).get()).get("diagnosis_text")).to.equal(
      first.diagnosis_text,
    );
    const review = await api<{ diagnoses: { id: string }[] }>("GET", `/v1/cases/${id}/review`, a);
    expect(review.body.diagnoses.map((d) => d.id)).to.deep.equal([first.id, amendment.id]);
    expect(
      (await api<Body>("POST", `/v1/cases/${id}/diagnoses`, admin, diagnosis())).status,
    ).to.equal(403);
  });

  it("asks the CHW; the CHW's edit answers it and every pull carries request, state and diagnosis fields", async () => {
    const id = uid("ask");
    await createCase({ id, chwId: chw, risk: "YELLOW", status: "PENDING_DIAGNOSIS" });
    const reqBody = {
      id: randomUUID(),
      kind: "photo",
      message: "A closer photo in daylight, please",
    };
    const asked = await api<Body>("POST", `/v1/cases/${id}/requests`, a, reqBody);
    expect(asked.status).to.equal(200);
    expect(asked.body).to.include({ id: reqBody.id, kind: "photo", requested_by_name: "Dr Amina" });
    expect(asked.body.answered_at).to.equal(null);
    const retry = await api<Body>("POST", `/v1/cases/${id}/requests`, a, reqBody);
    expect(retry.body.requested_at).to.equal(asked.body.requested_at);
    const waiting = (await testDb().doc(`cases/${id}`).get()).data()!;
    expect(waiting).to.include({ needs_doctor: false, review_state: "waiting_for_chw" });
    expect(
      (await api<Body>("POST", `/v1/cases/${id}/requests`, a, { ...reqBody, kind: "x" })).status,
    ).to.equal(400);
    expect(
      (await api<Body>("POST", `/v1/cases/${id}/requests`, chwToken, reqBody)).status,
    ).to.equal(403);

    // The CHW's seed sync pull carries the request.
    const pulled = await api<{ server_updates: { cases: Record<string, unknown>[] } }>(
      "POST",
      "/v1/sync",
      chwToken,
      { last_sync_timestamp: null, changes: { patients: [], cases: [] } },
    );
    const mine = pulled.body.server_updates.cases.find((c) => c.id === id)!;
    expect(mine.review_state).to.equal("waiting_for_chw");
    expect((mine.info_request as { message: string }).message).to.equal(reqBody.message);

    // The CHW edits the case: answered, back in the queue.
    const edit = {
      id,
      patient_id: `p-${id}`,
      triage_data: {
        body_site: "arm",
        duration_days: 4,
        symptoms: [],
        danger_signs: [],
        notes: "It has grown since last week",
      },
      risk_level: "YELLOW",
      images: [],
      last_modified_at: Date.now(),
    };
    const pushed = await api<{ results: { outcome: string }[] }>("POST", "/v1/sync", chwToken, {
      last_sync_timestamp: null,
      changes: { patients: [], cases: [edit] },
    });
    expect(pushed.body.results[0]?.outcome).to.equal("applied");
    const answered = (await testDb().doc(`cases/${id}`).get()).data()!;
    expect(answered).to.include({
      needs_doctor: true,
      review_state: "answered",
      queue_reason: "ANSWERED",
    });
    expect((answered.info_request as { answered_at: unknown }).answered_at).to.be.a("number");

    // Diagnose with the structured fields; the WatermelonDB pull carries all of it.
    const dx = diagnosis();
    expect((await api<Body>("POST", `/v1/cases/${id}/diagnoses`, a, dx)).status).to.equal(200);
    const wm = await api<{
      changes: Record<
        string,
        { created: Record<string, unknown>[]; updated: Record<string, unknown>[] }
      >;
    }>("GET", "/v1/sync/pull?last_pulled_at=null&schema_version=2", chwToken);
    const wmCase = wm.body.changes.cases!.created.find((c) => c.id === id)!;
    expect(wmCase.review_state).to.equal("reviewed");
    expect(JSON.parse(String(wmCase.info_request))).to.include({ id: reqBody.id });
    const wmDx = wm.body.changes.diagnoses!.created.find((d) => d.id === dx.id)!;
    expect(JSON.parse(String(wmDx.referral))).to.deep.equal(dx.referral);
    expect(JSON.parse(String(wmDx.follow_up))).to.deep.equal(dx.follow_up);
    expect(wmDx.doctor_name).to.equal("Dr Amina");
    const seed = await api<{ server_updates: { diagnoses: Record<string, unknown>[] } }>(
      "POST",
      "/v1/sync",
      chwToken,
      { last_sync_timestamp: null, changes: { patients: [], cases: [] } },
    );
    expect(seed.body.server_updates.diagnoses.find((d) => d.id === dx.id)).to.deep.include({
      referral: dx.referral,
      follow_up: dx.follow_up,
    });
  });

  it("a verified photo answers a photo request", async () => {
    const id = uid("ask-photo");
    await createCase({ id, chwId: chw, risk: "YELLOW", status: "PENDING_DIAGNOSIS" });
    await api("POST", `/v1/cases/${id}/requests`, a, {
      id: randomUUID(),
      kind: "photo",
      message: "Closer",
    });
    const img = await photo(43);
    await uploadPhoto(id, chwToken, img);
    const c = await waitFor(async () => {
      const d = (await testDb().doc(`cases/${id}`).get()).data();
      return d?.review_state === "answered" ? d : undefined;
    }, "the photo to answer the request");
    expect(c.needs_doctor).to.equal(true);
  });

  it("turnaround report: doctors and admins get the report's JSON, CHWs do not, bad queries are 400", async () => {
    const res = await api<{ since: number; groups: { chw_id: string }[] }>(
      "GET",
      "/v1/reports/turnaround?days=1",
      a,
    );
    expect(res.status).to.equal(200);
    expect(res.body.groups.at(-1)?.chw_id).to.equal("ALL");
    expect((await api("GET", "/v1/reports/turnaround?since=2026-01-01", admin)).status).to.equal(
      200,
    );
    expect((await api("GET", "/v1/reports/turnaround?days=0", a)).status).to.equal(400);
    expect((await api("GET", "/v1/reports/turnaround?since=yesterday", a)).status).to.equal(400);
    expect((await api("GET", "/v1/reports/turnaround", chwToken)).status).to.equal(403);
  });

  it("the overdue sweep queues a RED case whose analysis never came, and its patient for doctors", async () => {
    const id = uid("overdue");
    await createCase({ id, chwId: chw, risk: "RED", status: "TRIAGED" });
    const seq0 = await scopeSeq(chw);
    const early = await handleOverdueSweep({ db: testDb(), now: () => Date.now() });
    expect(early.queued).to.equal(0);
    expect((await testDb().doc(`cases/${id}`).get()).get("needs_doctor")).to.not.equal(true);

    const later = () => Date.now() + 6 * 60_000;
    const out = await handleOverdueSweep({ db: testDb(), now: later });
    expect(out.queued).to.be.at.least(1);
    const c = (await testDb().doc(`cases/${id}`).get()).data()!;
    expect(c).to.include({
      needs_doctor: true,
      queue_reason: "AI_OVERDUE",
      review_state: "waiting",
    });
    expect(await scopeSeq(chw)).to.be.greaterThan(seq0);
    await waitFor(async () => {
      const p = await testDb().doc(`patients/p-${id}`).get();
      return p.get("review_pending") === true ? true : undefined;
    }, "the patient to be pending review");
    // A second sweep changes nothing; a doctor may now diagnose it.
    const again = await handleOverdueSweep({ db: testDb(), now: later });
    expect((await testDb().doc(`cases/${id}`).get()).get("server_seq")).to.equal(c.server_seq);
    expect(again.checked).to.be.at.least(1);
    expect((await api("POST", `/v1/cases/${id}/diagnoses`, a, diagnosis())).status).to.equal(200);
  });
});
