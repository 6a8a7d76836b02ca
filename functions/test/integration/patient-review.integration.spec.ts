import { expect } from "chai";
import { randomUUID } from "node:crypto";
import { PORTS, PROJECT_ID } from "../../../infra/src/stack";
import { account, adminDb, eventually } from "./access-helpers";
import type { Account } from "./access-helpers";

// updatePatientReview on the functions emulator: case status and doctor changes keep the
// patient's review fields in step, and a doctor's direct Firestore query (REST with the doctor's
// ID token, so firestore.rules decide) then reaches exactly those patients.

const DOCS = `http://127.0.0.1:${PORTS.firestore}/v1/projects/${PROJECT_ID}/databases/(default)/documents`;

/** Runs `where field == value` on patients as the signed-in user; answers ids, or the status. */
async function patientsWhere(
  who: Account,
  field: string,
  op: "EQUAL" | "ARRAY_CONTAINS",
  value: { booleanValue: boolean } | { stringValue: string },
): Promise<string[] | number> {
  const res = await fetch(`${DOCS}:runQuery`, {
    method: "POST",
    headers: { authorization: `Bearer ${who.token}`, "content-type": "application/json" },
    body: JSON.stringify({
      structuredQuery: {
        from: [{ collectionId: "patients" }],
        where: { fieldFilter: { field: { fieldPath: field }, op, value } },
      },
    }),
  });
  if (res.status !== 200) return res.status;
  const rows = (await res.json()) as Array<{ document?: { name: string } }>;
  return rows.flatMap((r) => (r.document ? [r.document.name.split("/").pop() ?? ""] : []));
}

describe("updatePatientReview: doctors reach the patients of their cases", function () {
  this.timeout(120_000);
  const db = adminDb();
  const chwId = `chw-${randomUUID().slice(0, 8)}`;
  const patientId = randomUUID();
  const caseA = randomUUID();
  const caseB = randomUUID();
  let doctor: Account;

  const patient = () => db.doc(`patients/${patientId}`).get();
  const reviewOf = async () => {
    const d = (await patient()).data() ?? {};
    return { pending: d.review_pending as unknown, doctors: d.review_doctor_ids as unknown };
  };
  const settles = (want: { pending: boolean; doctors: string[] }) =>
    eventually(async () => {
      const have = await reviewOf();
      return JSON.stringify(have) === JSON.stringify(want) ? have : undefined;
    });

  before(async () => {
    doctor = await account("doctor");
    await db.doc(`patients/${patientId}`).set({ id: patientId, chw_id: chwId, server_seq: 1 });
    await db.doc(`cases/${caseA}`).set({
      id: caseA,
      patient_id: patientId,
      chw_id: chwId,
      status: "TRIAGED",
    });
  });

  it("marks the patient pending when a case awaits diagnosis; doctors can then query it", async () => {
    await db.doc(`cases/${caseA}`).update({ status: "PENDING_DIAGNOSIS" });
    await settles({ pending: true, doctors: [] });
    const ids = await patientsWhere(doctor, "review_pending", "EQUAL", { booleanValue: true });
    expect(ids).to.be.an("array").that.includes(patientId);
  });

  it("records the diagnosing doctor and clears pending when the case is diagnosed", async () => {
    await db.doc(`cases/${caseA}`).update({ status: "DIAGNOSED", doctor_id: doctor.uid });
    await settles({ pending: false, doctors: [doctor.uid] });
    const mine = await patientsWhere(doctor, "review_doctor_ids", "ARRAY_CONTAINS", {
      stringValue: doctor.uid,
    });
    expect(mine).to.deep.equal([patientId]);
  });

  it("stays pending while another case of the patient awaits diagnosis, until it is deleted", async () => {
    await db.doc(`cases/${caseB}`).set({
      id: caseB,
      patient_id: patientId,
      chw_id: chwId,
      status: "PENDING_DIAGNOSIS",
    });
    await settles({ pending: true, doctors: [doctor.uid] });
    await db.doc(`cases/${caseB}`).update({ deleted_at: Date.now() });
    await settles({ pending: false, doctors: [doctor.uid] });
  });

  it("refuses a doctor's query without the review constraint", async () => {
    const status = await patientsWhere(doctor, "chw_id", "EQUAL", { stringValue: chwId });
    expect(status).to.equal(403);
  });

  it("ignores a case that names another CHW's patient", async () => {
    const foreign = randomUUID();
    await db.doc(`cases/${foreign}`).set({
      id: foreign,
      patient_id: patientId,
      chw_id: "chw-someone-else",
      status: "PENDING_DIAGNOSIS",
    });
    // Give the trigger time to run, then check nothing moved.
    await new Promise((r) => setTimeout(r, 3000));
    expect(await reviewOf()).to.deep.equal({ pending: false, doctors: [doctor.uid] });
  });
});
