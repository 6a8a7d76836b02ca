import { randomUUID } from "node:crypto";
import { expect } from "chai";
import {
  api,
  idToken,
  photo,
  queuePages,
  testDb,
  uid,
  uploadPhoto,
  waitFor,
} from "./images-support";

interface SeedAnswer {
  new_sync_timestamp: number;
  results: Array<{ table: string; id: string; outcome: string }>;
}
interface WmdbChanges {
  changes: Record<
    string,
    { created: Array<Record<string, unknown>>; updated: Array<Record<string, unknown>> }
  >;
  timestamp: number;
}
interface QueuePage {
  cases: Array<{ id: string; images: Array<{ sha256: string; download_url?: string }> }>;
  next_cursor: string | null;
}

/** Every page of the doctor queue. */
async function wholeQueue(token: string): Promise<QueuePage["cases"]> {
  return (await queuePages<QueuePage>(token, 50)).flatMap((p) => p.cases);
}

describe("the whole loop: a RED case with a photo, from push to the diagnosis on the device", () => {
  it("push → upload → verify → MedGemma stand-in → doctor → pull, with every timeline stage", async function () {
    this.timeout(180_000);
    const chw = uid("chw-loop");
    const chwToken = await idToken(chw, "chw");
    const doctorUid = uid("doctor-loop");
    const doctor = await idToken(doctorUid, "doctor");
    const img = await photo(42, "jpeg", 1500);
    const patientId = randomUUID();
    const caseId = randomUUID();
    const capturedAt = Date.now() - 120_000;

    // 1. The CHW's phone pushes the patient and the RED case listing the photo.
    const push = await api<SeedAnswer>("POST", "/v1/sync", chwToken, {
      batch_id: randomUUID(),
      device_id: "loop-device",
      last_sync_timestamp: null,
      changes: {
        patients: [
          {
            id: patientId,
            demographics: {
              name: "Loop Patient",
              sex: "female",
              age_years: 52,
              village: "Testville",
            },
            last_modified_at: capturedAt,
          },
        ],
        cases: [
          {
            id: caseId,
            patient_id: patientId,
            triage_data: {
              body_site: "back",
              duration_days: 30,
              symptoms: ["bleeding"],
              danger_signs: ["bleeding"],
            },
            risk_level: "RED",
            images: [{ sha256: img.sha256, content_type: "image/jpeg", bytes: img.bytes.length }],
            last_modified_at: capturedAt,
          },
        ],
      },
    });
    expect(push.status).to.equal(200);
    expect(push.body.results.map((r) => r.outcome)).to.deep.equal(["applied", "applied"]);
    const cursor = push.body.new_sync_timestamp;
    const listed = await testDb().doc(`cases/${caseId}`).get();
    expect((listed.get("images") as Array<{ state: string }>)[0]?.state).to.equal("queued");

    // 2. The photo leaves the phone on its own signed URL and is verified on arrival.
    const up = await uploadPhoto(caseId, chwToken, img);
    expect(up.grant).to.equal(200);
    expect(up.put).to.equal(200);

    // 3. The AI pipeline analyses the version with the verified photo (MedGemma stand-in).
    const analysed = await waitFor(
      async () => {
        const c = (await testDb().doc(`cases/${caseId}`).get()).data();
        const ai = c?.ai_analysis as { image_sha256s?: string[] } | undefined;
        return c?.status === "PENDING_DIAGNOSIS" && ai?.image_sha256s?.includes(img.sha256)
          ? c
          : undefined;
      },
      "the analysis of the verified photo",
      60_000,
    );
    const images = analysed.images as Array<{ sha256: string; state: string }>;
    expect(images.map((i) => [i.sha256, i.state])).to.deep.equal([[img.sha256, "analysed"]]);

    // 4. The doctor finds it in the queue with a photo URL, and diagnoses it.
    const queued = (await wholeQueue(doctor)).find((c) => c.id === caseId);
    const url = queued?.images[0]?.download_url ?? "";
    const download = await fetch(url);
    expect(download.status).to.equal(200);
    expect(Buffer.from(await download.arrayBuffer())).to.deep.equal(img.bytes);
    const diagnosisId = randomUUID();
    const dx = await api("POST", `/v1/cases/${caseId}/diagnoses`, doctor, {
      id: diagnosisId,
      diagnosis_text: "Suspected nodular melanoma: refer for excision biopsy",
      prescription: null,
    });
    expect(dx.status).to.equal(200);

    // 5. The CHW's next pull brings the diagnosis and the DIAGNOSED case back to the phone.
    const pull = await api<WmdbChanges>(
      "GET",
      `/v1/sync/pull?last_pulled_at=${cursor}&schema_version=1`,
      chwToken,
    );
    expect(pull.status).to.equal(200);
    const diagnoses = [
      ...pull.body.changes.diagnoses!.created,
      ...pull.body.changes.diagnoses!.updated,
    ];
    expect(diagnoses.map((d) => [d.id, d.case_id, d.doctor_id])).to.deep.equal([
      [diagnosisId, caseId, doctorUid],
    ]);
    const cases = [...pull.body.changes.cases!.created, ...pull.body.changes.cases!.updated];
    const onDevice = cases.find((c) => c.id === caseId);
    expect(onDevice?.status).to.equal("DIAGNOSED");
    expect(typeof onDevice?.ai_analysis).to.equal("string"); // a WatermelonDB JSON column

    // 6. Every stage is on the timeline, and "back on the device" was recorded by the pull.
    const done = (await testDb().doc(`cases/${caseId}`).get()).data() ?? {};
    const t = done.timeline as Record<string, number>;
    expect(t.captured_at).to.equal(capturedAt);
    expect(t.synced_at).to.be.at.least(capturedAt);
    expect(t.analysed_at).to.be.at.least(t.analysis_requested_at ?? 0);
    expect(t.diagnosed_at).to.be.at.least(t.analysed_at ?? Infinity);
    const delivery = await testDb().doc(`diagnosisDeliveries/${diagnosisId}`).get();
    expect(delivery.get("delivered_at")).to.be.at.least(t.diagnosed_at ?? Infinity);
    expect(delivery.get("chw_id")).to.equal(chw);
  });
});
