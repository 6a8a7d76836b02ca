import { expect } from "chai";
import type { ImageUploadResponse } from "@dermadetect/contract";
import { LocalImageStore } from "../../src/adapters/local-image-store";
import { MAX_IMAGE_BYTES } from "@dermadetect/contract";
import { imageKeyFor } from "../../src/domain/images";
import { handleObjectFinalized } from "../../src/triggers/verify-image";
import { readEnvLocal } from "../../../infra/src/image-store";
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
} from "./images-support";

const store = () =>
  new LocalImageStore(readEnvLocal("IMAGE_STORE_URL"), readEnvLocal("LOCAL_IMAGE_STORE_SECRET"));

/** Verified, or already analysed by the AI pipeline (a RED case's photo is analysed at once). */
const verifiedOrAnalysed = (i: { state?: string }) =>
  i.state === "verified" || i.state === "analysed";

async function uploadUrl(token: string, caseId: string, img: object) {
  return api<ImageUploadResponse & { error?: { code: string } }>(
    "POST",
    `/v1/cases/${caseId}/images`,
    token,
    img,
  );
}

async function put(u: ImageUploadResponse, bytes: Buffer): Promise<number> {
  const res = await fetch(u.upload_url, { method: u.method, headers: u.headers, body: bytes });
  return res.status;
}

describe("photo uploads: signed URL → local image store → verifyImage", () => {
  const chwA = uid("chw-a");
  const chwB = uid("chw-b");
  let tokenA: string;
  let tokenB: string;

  before(async () => {
    tokenA = await idToken(chwA, "chw");
    tokenB = await idToken(chwB, "chw");
  });

  it("uploads a photo on a RED case: queued → verified, new content version and analysis job", async () => {
    const caseId = uid("case");
    await createCase({ id: caseId, chwId: chwA, risk: "RED" });
    const cursor = await scopeSeq(chwA);
    const img = await photo(1);
    const res = await uploadUrl(tokenA, caseId, {
      sha256: img.sha256,
      content_type: img.content_type,
      bytes: img.bytes.length,
    });
    expect(res.status).to.equal(200);
    expect(res.body.method).to.equal("PUT");
    expect(res.body.image_key).to.equal(imageKeyFor(caseId, img.sha256, "image/jpeg"));
    expect(res.body.headers).to.include({ "content-type": "image/jpeg" });
    expect(res.body.expires_at - Date.now()).to.be.within(1, 15 * 60 * 1000);
    const queued = await testDb().doc(`cases/${caseId}`).get();
    expect(queued.get("images")).to.deep.equal([
      {
        sha256: img.sha256,
        content_type: "image/jpeg",
        bytes: img.bytes.length,
        state: "queued",
        image_key: res.body.image_key,
      },
    ]);

    expect(await put(res.body, img.bytes)).to.equal(200);
    const verified = await waitForImage(caseId, img.sha256, verifiedOrAnalysed);
    expect(verified.reason).to.equal(undefined);
    const after = (await testDb().doc(`cases/${caseId}`).get()).data() ?? {};
    expect(after.content_version).to.equal(2);
    // The AI pipeline may already be working on the new job.
    expect(after.analysis).to.include({ job_key: `${caseId}.v2` });
    expect(["queued", "running", "done"]).to.include((after.analysis as { state: string }).state);
    expect(after.timeline).to.have.property("analysis_requested_at").that.is.a("number");
    const job = await testDb().doc(`analysisJobs/${caseId}.v2`).get();
    expect(job.get("content_version")).to.equal(2);
    expect(job.get("chw_id")).to.equal(chwA);
    // Each state change went through the ScopeWriter: the CHW's pull sees the case again.
    await settleAnalyses(chwA);
    const pulled = await pulledSince("cases", chwA, cursor);
    expect(pulled.map((c) => c.id)).to.deep.equal([caseId]);
    expect(pulled[0]?.server_seq).to.equal(await scopeSeq(chwA));
    // queued, uploaded, verified, then the AI pipeline's result
    expect(await scopeSeq(chwA)).to.equal(cursor + 4);
    expect(await store().read(res.body.image_key)).to.deep.equal(img.bytes);

    // Verified photos cannot be uploaded again.
    const again = await uploadUrl(tokenA, caseId, {
      sha256: img.sha256,
      content_type: "image/jpeg",
      bytes: img.bytes.length,
    });
    expect(again.status).to.equal(409);
    expect(again.body.error?.code).to.equal("SYNC_4001");
  });

  it("verifies a photo on a GREEN case without queuing an analysis", async () => {
    const caseId = uid("case");
    await createCase({ id: caseId, chwId: chwA, risk: "GREEN" });
    const img = await photo(2, "png");
    const res = await uploadUrl(tokenA, caseId, {
      sha256: img.sha256,
      content_type: "image/png",
      bytes: img.bytes.length,
    });
    expect(await put(res.body, img.bytes)).to.equal(200);
    await waitForImage(caseId, img.sha256, (i) => i.state === "verified");
    const after = (await testDb().doc(`cases/${caseId}`).get()).data() ?? {};
    expect(after.content_version).to.equal(2);
    expect(after.analysis).to.equal(undefined);
    expect((await testDb().doc(`analysisJobs/${caseId}.v2`).get()).exists).to.equal(false);
  });

  it("rejects a wrong hash, a wrong type and a wrong size, and deletes the object", async () => {
    const caseId = uid("case");
    await createCase({ id: caseId, chwId: chwA, risk: "RED" });
    const good = await photo(3);
    const other = await photo(4);
    const png = await photo(5, "png");
    const cases: Array<{ declared: object; body: Buffer; sha: string; reason: string }> = [
      {
        // The bytes of another photo under this photo's hash.
        declared: { sha256: good.sha256, content_type: "image/jpeg", bytes: other.bytes.length },
        body: other.bytes,
        sha: good.sha256,
        reason: "hash_mismatch",
      },
      {
        // A PNG declared (and sent) as JPEG: the magic bytes decide.
        declared: { sha256: png.sha256, content_type: "image/jpeg", bytes: png.bytes.length },
        body: png.bytes,
        sha: png.sha256,
        reason: "type_mismatch",
      },
      {
        // More bytes than declared (still under the 10 MB cap the URL enforces).
        declared: { sha256: other.sha256, content_type: "image/jpeg", bytes: 100 },
        body: other.bytes,
        sha: other.sha256,
        reason: "size_mismatch",
      },
    ];
    for (const c of cases) {
      const res = await uploadUrl(tokenA, caseId, c.declared);
      expect(res.status, c.reason).to.equal(200);
      expect(await put(res.body, c.body)).to.equal(200);
      const img = await waitForImage(caseId, c.sha, (i) => i.state === "rejected");
      expect(img.reason).to.equal(c.reason);
      // Marked first, deleted right after: wait for the delete.
      await waitFor(
        async () => ((await store().read(res.body.image_key)) ? undefined : true),
        `${c.reason} object deleted`,
      );
    }
    const after = (await testDb().doc(`cases/${caseId}`).get()).data() ?? {};
    expect(after.content_version).to.equal(1);
    expect((await testDb().doc(`analysisJobs/${caseId}.v2`).get()).exists).to.equal(false);

    // A rejected photo can be retried with the same declaration: back to queued, no reason.
    const mismatch = await uploadUrl(tokenA, caseId, {
      sha256: png.sha256,
      content_type: "image/png",
      bytes: png.bytes.length,
    });
    expect(mismatch.status).to.equal(409); // the case lists it as a JPEG: the CHW fixes the entry
    expect(mismatch.body.error?.code).to.equal("SYNC_4002");
    const retry = await uploadUrl(tokenA, caseId, {
      sha256: png.sha256,
      content_type: "image/jpeg",
      bytes: png.bytes.length,
    });
    expect(retry.status).to.equal(200);
    const requeued = await waitForImage(caseId, png.sha256, (i) => i.state === "queued");
    expect(requeued.reason).to.equal(undefined);
  });

  it("refuses an upload over 10 MB at the store, and rejects an oversize object on arrival", async () => {
    const caseId = uid("case");
    await createCase({ id: caseId, chwId: chwA, risk: "RED" });
    const img = await photo(6);
    const res = await uploadUrl(tokenA, caseId, {
      sha256: img.sha256,
      content_type: "image/jpeg",
      bytes: img.bytes.length,
    });
    const huge = Buffer.alloc(MAX_IMAGE_BYTES + 1);
    img.bytes.copy(huge);
    expect(await put(res.body, huge)).to.equal(400);
    const big = await uploadUrl(tokenA, caseId, {
      sha256: img.sha256,
      content_type: "image/jpeg",
      bytes: MAX_IMAGE_BYTES + 1,
    });
    expect(big.status).to.equal(400);
    // An object that reached the bucket some other way (no URL) with 11 MB: rejected unread.
    const outcome = await handleObjectFinalized(
      { name: res.body.image_key, size: MAX_IMAGE_BYTES + 1 },
      { db: testDb(), store: store(), now: () => Date.now() },
    );
    expect(outcome).to.equal("rejected");
    const rejected = await waitForImage(caseId, img.sha256, (i) => i.state === "rejected");
    expect(rejected.reason).to.equal("too_large");
  });

  it("keeps other CHWs out: no upload URL for their case, no case list, no photo without a token", async () => {
    const caseId = uid("case");
    await createCase({ id: caseId, chwId: chwA, risk: "RED" });
    const img = await photo(7);
    const declared = { sha256: img.sha256, content_type: "image/jpeg", bytes: img.bytes.length };
    const res = await uploadUrl(tokenB, caseId, declared);
    expect(res.status).to.equal(404);
    expect(res.body.error?.code).to.equal("SYNC_3004");
    expect((await uploadUrl(tokenA, uid("missing"), declared)).status).to.equal(404);
    const doc = await testDb().doc(`cases/${caseId}`).get();
    expect(doc.get("images")).to.deep.equal([]);
    const denied = await testDb()
      .collection("auditLogs")
      .where("actor", "==", chwB)
      .where("outcome", "==", "denied")
      .get();
    expect(denied.docs.map((d) => d.get("resource.ids") as string[])).to.deep.equal([[caseId]]);

    // The owner uploads; the other CHW can neither list cases nor fetch the photo.
    const mine = await uploadUrl(tokenA, caseId, declared);
    expect(await put(mine.body, img.bytes)).to.equal(200);
    await waitForImage(caseId, img.sha256, verifiedOrAnalysed);
    const list = await api("GET", "/v1/cases?status=PENDING_DIAGNOSIS", tokenB);
    expect(list.status).to.equal(403);
    const base = readEnvLocal("IMAGE_STORE_URL");
    const bare = await fetch(`${base}/o/${encodeURIComponent(mine.body.image_key)}`);
    expect(bare.status).to.equal(403);
    // The upload URL itself does not read the photo back.
    expect((await fetch(mine.body.upload_url)).status).to.equal(403);
  });

  it("answers bad requests with coded errors and no echo", async () => {
    const caseId = uid("case");
    await createCase({ id: caseId, chwId: chwA, risk: "RED" });
    const bad = await uploadUrl(tokenA, caseId, {
      sha256: "Jane Doe",
      content_type: "image/gif",
      bytes: 1,
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.error?.code).to.equal("SYNC_1000");
    expect(JSON.stringify(bad.body)).to.not.contain("Jane");
    const doctor = await idToken(uid("doc"), "doctor");
    expect((await uploadUrl(doctor, caseId, {})).status).to.equal(403);
    expect((await uploadUrl("", caseId, {})).status).to.equal(401);
  });

  it("deletes an object that no live case lists", async () => {
    const img = await photo(8);
    const key = imageKeyFor(uid("nocase"), img.sha256, "image/jpeg");
    const outcome = await handleObjectFinalized(
      { name: key, size: img.bytes.length },
      { db: testDb(), store: store(), now: () => Date.now() },
    );
    expect(outcome).to.equal("orphan");
    await waitFor(async () => ((await store().read(key)) ? undefined : true), "orphan gone");
  });
});
