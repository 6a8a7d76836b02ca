import { spawnSync } from "node:child_process";
import { expect } from "chai";
import {
  api,
  createCase,
  idToken,
  photo,
  pulledSince,
  scopeSeq,
  settleAnalyses,
  testDb,
  uid,
  waitFor,
  waitForImage,
  queuePages,
  uploadPhoto,
} from "./images-support";
import { recordDiagnosisDeliveries } from "../../src/adapters/diagnosis-delivery";
import { ScopeWriter } from "../../src/adapters/scope-writer";
import { readCaseTimes } from "../../src/adapters/turnaround-source";

interface QueueImage {
  sha256: string;
  state: string;
  download_url?: string;
  url_expires_at?: number;
}
interface QueueCase {
  id: string;
  risk_level: string;
  chw_id: string;
  patient: { id: string; demographics: { name: string } } | null;
  images: QueueImage[];
}
interface QueuePage {
  cases: QueueCase[];
  next_cursor: string | null;
  error?: { code: string };
}

describe("doctors: the queue, diagnoses, and the way back to the CHW", () => {
  const chw = uid("chw");
  const doctorUid = uid("doctor");
  let chwToken: string;
  let doctor: string;

  before(async () => {
    chwToken = await idToken(chw, "chw");
    doctor = await idToken(doctorUid, "doctor");
  });

  it("lists PENDING_DIAGNOSIS cases RED first, oldest first, in pages, with photo URLs", async () => {
    const t0 = Date.now() - 3_600_000;
    const ids = {
      redOld: uid("red-old"),
      redNew: uid("red-new"),
      yellow: uid("yellow"),
      green: uid("green"),
      triaged: uid("red-triaged"),
      deleted: uid("red-deleted"),
    };
    await createCase({
      id: ids.redNew,
      chwId: chw,
      risk: "RED",
      status: "PENDING_DIAGNOSIS",
      createdAtMs: t0 + 3000,
    });
    await createCase({
      id: ids.green,
      chwId: chw,
      risk: "GREEN",
      status: "PENDING_DIAGNOSIS",
      createdAtMs: t0,
    });
    await createCase({
      id: ids.yellow,
      chwId: chw,
      risk: "YELLOW",
      status: "PENDING_DIAGNOSIS",
      createdAtMs: t0 + 1000,
    });
    await createCase({
      id: ids.redOld,
      chwId: chw,
      risk: "RED",
      status: "PENDING_DIAGNOSIS",
      createdAtMs: t0 + 2000,
    });
    await createCase({
      id: ids.triaged,
      chwId: chw,
      risk: "RED",
      status: "TRIAGED",
      createdAtMs: t0,
    });
    await createCase({
      id: ids.deleted,
      chwId: chw,
      risk: "RED",
      status: "PENDING_DIAGNOSIS",
      createdAtMs: t0,
      deleted: true,
    });

    // A verified photo on the oldest RED case, and one still queued.
    const img = await photo(21);
    const pending = await photo(22);
    await uploadPhoto(ids.redOld, chwToken, img);
    await waitForImage(
      ids.redOld,
      img.sha256,
      (i) => i.state === "verified" || i.state === "analysed",
    );
    await api("POST", `/v1/cases/${ids.redOld}/images`, chwToken, {
      sha256: pending.sha256,
      content_type: "image/jpeg",
      bytes: pending.bytes.length,
    });

    const pages = await queuePages<QueuePage>(doctor, 2);
    const seen = pages.flatMap((p) => p.cases.map((c) => c.id));
    // Other tests' cases may be pending too: every page holds at most 2, none repeats, and
    // this test's cases come in queue order; the TRIAGED and the deleted case never show.
    expect(pages.every((p) => p.cases.length <= 2)).to.equal(true);
    expect(new Set(seen).size).to.equal(seen.length);
    const mine = new Set<string>(Object.values(ids));
    expect(seen.filter((id) => mine.has(id))).to.deep.equal([
      ids.redOld,
      ids.redNew,
      ids.yellow,
      ids.green,
    ]);
    const reds = pages.flatMap((p) => p.cases).map((c) => c.risk_level);
    expect(reds.join(",")).to.match(/^(RED,)*(YELLOW,)*(GREEN,?)*$/);
    const first = pages.flatMap((p) => p.cases).find((c) => c.id === ids.redOld);
    expect(first?.patient?.demographics.name).to.equal("Test Patient");
    // The AI pipeline may already have analysed the verified photo of this RED case.
    expect(
      first?.images.map((i) => [i.sha256, i.state === "analysed" ? "verified" : i.state]),
    ).to.deep.equal([
      [img.sha256, "verified"],
      [pending.sha256, "queued"],
    ]);
    const url = first?.images[0]?.download_url ?? "";
    expect(first?.images[1]?.download_url).to.equal(undefined);
    expect((first?.images[0]?.url_expires_at ?? 0) - Date.now()).to.be.within(1, 5 * 60 * 1000);
    const download = await fetch(url);
    expect(download.status).to.equal(200);
    expect(Buffer.from(await download.arrayBuffer())).to.deep.equal(img.bytes);

    const audit = await testDb()
      .collection("auditLogs")
      .where("actor", "==", doctorUid)
      .where("action", "==", "cases.list")
      .get();
    expect(audit.size).to.equal(pages.length);

    const bad = await api<QueuePage>(
      "GET",
      "/v1/cases?status=PENDING_DIAGNOSIS&cursor=bm9wZQ",
      doctor,
    );
    expect(bad.status).to.equal(400);
    expect(bad.body.error?.code).to.equal("SYNC_1004");
    expect((await api("GET", "/v1/cases?status=DIAGNOSED", doctor)).status).to.equal(400);
  });

  it("stores a doctor's diagnosis once, sets the case DIAGNOSED and reaches the CHW's pull", async () => {
    const caseId = uid("case");
    await createCase({ id: caseId, chwId: chw, risk: "RED", status: "PENDING_DIAGNOSIS" });
    const cursor = await scopeSeq(chw);
    const diagnosisId = uid("dx");
    const body = { id: diagnosisId, diagnosis_text: "Seborrhoeic keratosis", prescription: null };
    const res = await api("POST", `/v1/cases/${caseId}/diagnoses`, doctor, body);
    expect(res.status).to.equal(200);
    expect(res.body).to.include({
      id: diagnosisId,
      case_id: caseId,
      chw_id: chw,
      doctor_id: doctorUid,
      diagnosis_text: "Seborrhoeic keratosis",
      prescription: null,
    });
    const seqAfter = await scopeSeq(chw);
    expect(seqAfter).to.equal(cursor + 2);

    // Replaying the same id answers the same diagnosis and writes nothing.
    const again = await api("POST", `/v1/cases/${caseId}/diagnoses`, doctor, body);
    expect(again.status).to.equal(200);
    expect(again.body).to.deep.equal(res.body);
    expect(await scopeSeq(chw)).to.equal(seqAfter);

    const pulledCases = await pulledSince("cases", chw, cursor);
    expect(pulledCases.map((c) => [c.id, c.status, c.doctor_id])).to.deep.equal([
      [caseId, "DIAGNOSED", doctorUid],
    ]);
    expect((pulledCases[0]?.timeline as { diagnosed_at?: number }).diagnosed_at).to.be.a("number");
    const pulledDx = await pulledSince("diagnoses", chw, cursor);
    expect(pulledDx.map((d) => d.id)).to.deep.equal([diagnosisId]);

    // Another doctor cannot reuse the id; a CHW cannot diagnose; a missing case is 404.
    const other = await idToken(uid("doctor2"), "doctor");
    const conflict = await api("POST", `/v1/cases/${caseId}/diagnoses`, other, body);
    expect(conflict.status).to.equal(409);
    expect(conflict.body.error?.code).to.equal("SYNC_4003");
    expect((await api("POST", `/v1/cases/${caseId}/diagnoses`, chwToken, body)).status).to.equal(
      403,
    );
    const missing = await api("POST", `/v1/cases/${uid("none")}/diagnoses`, doctor, {
      ...body,
      id: uid("dx"),
    });
    expect(missing.status).to.equal(404);
    const invalid = await api("POST", `/v1/cases/${caseId}/diagnoses`, doctor, {
      id: uid("dx"),
      diagnosis_text: "",
    });
    expect(invalid.status).to.equal(400);
  });

  it("normalises a console diagnosis once and delivers it to the CHW's pull", async () => {
    const caseId = uid("case");
    await createCase({ id: caseId, chwId: chw, risk: "RED", status: "PENDING_DIAGNOSIS" });
    // Earlier tests' photos are analysed asynchronously; their writes must not land in this window.
    await settleAnalyses(chw);
    const cursor = await scopeSeq(chw);
    const diagnosisId = uid("console-dx");
    // What an admin types in the Firebase console: no server fields.
    await testDb().doc(`diagnoses/${diagnosisId}`).set({
      case_id: caseId,
      diagnosis_text: "Tinea corporis",
      prescription: "Clotrimazole 1% cream twice daily",
    });
    const stored = await waitFor(async () => {
      const d = (await testDb().doc(`diagnoses/${diagnosisId}`).get()).data();
      return d?.server_seq != null ? d : undefined;
    }, "console diagnosis normalised");
    expect(stored).to.include({
      id: diagnosisId,
      case_id: caseId,
      chw_id: chw,
      doctor_id: "console",
      source: "console",
    });
    expect(stored.created_at).to.be.a("number");
    const caseSnap = await testDb().doc(`cases/${caseId}`).get();
    const c = caseSnap.data() ?? {};
    expect(c.status).to.equal("DIAGNOSED");
    expect(c.doctor_id).to.equal("console");
    expect(caseSnap.get("timeline.diagnosed_at")).to.be.a("number");
    expect((await pulledSince("diagnoses", chw, cursor)).map((d) => d.id)).to.deep.equal([
      diagnosisId,
    ]);
    expect((await pulledSince("cases", chw, cursor)).map((d) => d.id)).to.deep.equal([caseId]);

    // Its own write does not trigger it again: the scope stays put.
    const seq = await scopeSeq(chw);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await scopeSeq(chw)).to.equal(seq);

    // An admin's later edit of the text is normalised again and travels again.
    await testDb()
      .doc(`diagnoses/${diagnosisId}`)
      .update({ diagnosis_text: "Tinea corporis (confirmed)" });
    const edited = await waitFor(async () => {
      const d = (await testDb().doc(`diagnoses/${diagnosisId}`).get()).data();
      return Number(d?.server_seq) > Number(stored.server_seq) ? d : undefined;
    }, "edit normalised");
    expect(edited.diagnosis_text).to.equal("Tinea corporis (confirmed)");

    // A console delete becomes a tombstone the device can pull.
    await testDb().doc(`diagnoses/${diagnosisId}`).delete();
    const tomb = await waitFor(async () => {
      const d = (await testDb().doc(`diagnoses/${diagnosisId}`).get()).data();
      return d?.deleted_at != null ? d : undefined;
    }, "tombstone");
    expect(Number(tomb.server_seq)).to.be.greaterThan(Number(edited.server_seq));
  });

  it("marks an invalid console diagnosis and keeps it out of every scope", async () => {
    const diagnosisId = uid("console-bad");
    await testDb()
      .doc(`diagnoses/${diagnosisId}`)
      .set({ case_id: uid("no-such-case"), diagnosis_text: "x" });
    const marked = await waitFor(async () => {
      const d = (await testDb().doc(`diagnoses/${diagnosisId}`).get()).data();
      return d?.normalization_error != null ? d : undefined;
    }, "normalization_error");
    expect(marked.normalization_error).to.deep.equal({
      code: "SYNC_4004",
      message: "the case does not exist",
    });
    expect(marked.server_seq).to.equal(undefined);
    expect(marked.chw_id).to.equal(undefined);
  });
});

describe("turnaround: back on the device, and the admin report", () => {
  it("records the first pull delivery and reports every stage from the emulator", async () => {
    const chw = uid("chw-report");
    const caseId = uid("case");
    await createCase({ id: caseId, chwId: chw, risk: "RED", status: "PENDING_DIAGNOSIS" });
    const doctor = await idToken(uid("doctor"), "doctor");
    const diagnosisId = uid("dx");
    const res = await api("POST", `/v1/cases/${caseId}/diagnoses`, doctor, {
      id: diagnosisId,
      diagnosis_text: "Contact dermatitis",
    });
    expect(res.status).to.equal(200);
    // The analysis stage as the AI pipeline stamps it (its own tests cover the real run).
    const captured = Date.now() - 60_000;
    const db = testDb();
    await db.runTransaction(async (tx) => {
      const before = (await tx.get(db.doc(`cases/${caseId}`))).data();
      const scope = await ScopeWriter.open(tx, db, chw);
      const timeline = {
        captured_at: captured,
        synced_at: captured + 10_000,
        analysed_at: captured + 30_000,
      };
      scope.put("cases", caseId, { timeline }, before);
      scope.commit();
    });

    const first = Date.now();
    const delivered = [{ id: diagnosisId, case_id: caseId }];
    expect(await recordDiagnosisDeliveries(testDb(), chw, delivered, first)).to.equal(1);
    expect(await recordDiagnosisDeliveries(testDb(), chw, delivered, first + 5000)).to.equal(0);

    const rows = await readCaseTimes(testDb(), captured - 1);
    const mine = rows.find((r) => r.case_id === caseId);
    expect(mine?.delivered_at).to.equal(first);
    expect(mine?.chw_id).to.equal(chw);

    // The CLI, as an admin runs it, against the emulator the test tier started.
    const out = spawnSync(
      process.execPath,
      ["--import", "tsx", "infra/src/report.ts", "turnaround", "--days", "1", "--json"],
      { encoding: "utf8", env: process.env, timeout: 60_000 },
    );
    expect(out.status, out.stderr).to.equal(0);
    const report = JSON.parse(out.stdout) as {
      groups: Array<{
        chw_id: string;
        stages: Array<{ stage: string; n: number; p50_ms?: number }>;
      }>;
    };
    const group = report.groups.find((g) => g.chw_id === chw);
    expect(group?.stages.map((s) => [s.stage, s.n])).to.deep.equal([
      ["capture→sync", 1],
      ["sync→analysis", 1],
      ["analysis→diagnosis", 1],
      ["diagnosis→device", 1],
      ["total", 1],
    ]);
    expect(group?.stages[4]?.p50_ms).to.equal(first - captured);
    expect(report.groups.at(-1)?.chw_id).to.equal("ALL");
  });
});
