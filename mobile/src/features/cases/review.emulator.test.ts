import { newId } from "@/lib/ids";
import type { SyncSnapshot } from "@/features/sync/sync-engine";
import { API_BASE_URL, adminDb, closeAdmin, createUser, until } from "@/test-support/emulator";
import { EngineHarness } from "@/test-support/engine";

/*
 * The doctor's side reaching the CHW's app through its Firestore listeners: a request to the
 * CHW, its answer, and the structured diagnosis, against the emulators (functions included).
 */

const harness = new EngineHarness();

afterEach(() => harness.stopAll());
afterAll(closeAdmin);

async function post(path: string, token: string, body: unknown) {
  const res = await fetch(`${API_BASE_URL}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("doctor review through the app's listeners", () => {
  it("shows the doctor's request, answers it with an edit, then shows the structured diagnosis", async () => {
    const chw = await createUser("chw");
    const doctor = await createUser("doctor");
    const { engine } = await harness.engineFor(chw);
    const doctorClient = await harness.signIn(doctor);
    const wait = (p: (s: SyncSnapshot) => boolean, what: string) =>
      until(engine.subscribe, engine.getSnapshot, p, what);

    const p = engine.savePatient({
      demographics: { name: "Achieng", sex: "female", age_years: 34, village: "Kisumu" },
    });
    if (p.kind !== "ok") throw new Error("patient not saved");
    const c = await engine.saveCase({
      patient_id: p.id,
      triage_data: { body_site: "left forearm", duration_days: 3, symptoms: [], danger_signs: [] },
      risk_level: "YELLOW",
      images: [],
    });
    if (c.kind !== "ok") throw new Error("case not saved");
    const caseId = c.id;
    const caseOf = (s: SyncSnapshot) => s.records.cases.find((x) => x.record.id === caseId);
    await wait((s) => caseOf(s)?.server.server_seq !== undefined, "the case on the server");
    // A doctor's queue entry (what the AI pipeline does for an analysed RED case).
    await adminDb().doc(`cases/${caseId}`).update({ status: "PENDING_DIAGNOSIS" });

    const token = (await doctorClient.idToken()) as string;
    const asked = await post(`/v1/cases/${caseId}/requests`, token, {
      id: newId(),
      kind: "information",
      message: "Since when does it bleed?",
    });
    expect(asked.status).toBe(200);
    await wait(
      (s) =>
        caseOf(s)?.server.review_state === "waiting_for_chw" &&
        caseOf(s)?.server.info_request?.message === "Since when does it bleed?",
      "the request in the app",
    );

    const view = caseOf(engine.getSnapshot())!;
    await engine.saveCase({
      ...view.record,
      triage_data: { ...view.record.triage_data, notes: "Two weeks" },
    });
    await wait(
      (s) => caseOf(s)?.server.review_state === "answered",
      "the answer back with the doctor",
    );

    const dx = {
      id: newId(),
      diagnosis_text: "Suspected basal cell carcinoma",
      referral: { decision: "routine", destination: "Kisumu County Hospital" },
      follow_up: { in_days: 14 },
    };
    expect((await post(`/v1/cases/${caseId}/diagnoses`, token, dx)).status).toBe(200);
    const done = await wait(
      (s) => caseOf(s)?.diagnoses.some((d) => d.id === dx.id) === true,
      "the diagnosis in the app",
    );
    const got = caseOf(done)!.diagnoses.find((d) => d.id === dx.id)!;
    expect(got.referral).toEqual(dx.referral);
    expect(got.follow_up).toEqual(dx.follow_up);
    expect(caseOf(done)?.server.review_state).toBe("reviewed");
  });
});
