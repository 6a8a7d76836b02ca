import { expect } from "chai";
import { api, createCase, idToken, testDb, uid } from "./images-support";

interface QueueEntry {
  id: string;
  chw_id: string;
  patient_id: string | null;
  patient: { id: string; demographics: unknown } | null;
}

// Issue 17, finding 7: the doctor queue joined a case to whatever patient its patient_id named.
// A case of one CHW that points at another CHW's patient must not show that patient.
describe("doctor queue: a case is joined only to a patient of the same CHW", () => {
  it("shows no patient for a case naming another CHW's patient, and the right one otherwise", async () => {
    const chwA = uid("chw-join-a");
    const chwB = uid("chw-join-b");
    const caseA = uid("case-a");
    const caseB = uid("case-b");
    // Oldest RED cases in the queue, so they are on its first page whatever else is there.
    const oldest = 1_000 + Math.floor(Math.random() * 1_000);
    await createCase({
      id: caseA,
      chwId: chwA,
      risk: "RED",
      status: "PENDING_DIAGNOSIS",
      createdAtMs: oldest,
    });
    await createCase({
      id: caseB,
      chwId: chwB,
      risk: "RED",
      status: "PENDING_DIAGNOSIS",
      createdAtMs: oldest + 1,
    });
    // CHW A's case now names CHW B's patient.
    await testDb()
      .doc(`cases/${caseA}`)
      .update({ patient_id: `p-${caseB}` });

    const doctor = uid("doc-join");
    const res = await api<{ cases: QueueEntry[] }>(
      "GET",
      "/v1/cases?status=PENDING_DIAGNOSIS&limit=50",
      await idToken(doctor, "doctor"),
    );
    expect(res.status).to.equal(200);
    const a = res.body.cases.find((c) => c.id === caseA);
    const b = res.body.cases.find((c) => c.id === caseB);
    expect(a, "case A listed").to.not.equal(undefined);
    expect(b, "case B listed").to.not.equal(undefined);
    expect(a!.chw_id).to.equal(chwA);
    expect(a!.patient_id).to.equal(`p-${caseB}`);
    expect(a!.patient).to.equal(null);
    expect(b!.patient?.id).to.equal(`p-${caseB}`);

    // The audit log records the patient as read once, for its own case only.
    const audits = await testDb()
      .collection("auditLogs")
      .where("actor", "==", doctor)
      .where("action", "==", "patients.list")
      .get();
    const ids = audits.docs.flatMap((d) => d.get("resource.ids") as string[]);
    expect(ids.filter((id) => id === `p-${caseB}`)).to.have.length(1);
  });
});
