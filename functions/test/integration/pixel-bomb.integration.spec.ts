import { expect } from "chai";
import type { ImageUploadResponse } from "@dermadetect/contract";
import { sha256Hex } from "../../src/domain/images";
import { pixelBombPng } from "../support/pixel-bomb";
import { api, createCase, idToken, testDb, uid, waitForImage } from "./images-support";

// Issue 17, finding 7: a PNG of a few hundred bytes declaring 50,000 × 50,000 pixels passes
// every byte check (size, magic bytes, sha256). verifyImage reads its header and rejects it,
// so no analysis ever decodes it.
describe("photo uploads: a pixel bomb is rejected at verification", () => {
  it("rejects a tiny PNG declaring 2.5 billion pixels with reason too_many_pixels, and queues no analysis", async () => {
    const chw = uid("chw-bomb");
    const token = await idToken(chw, "chw");
    const caseId = uid("case");
    await createCase({ id: caseId, chwId: chw, risk: "RED" });
    const bomb = pixelBombPng();
    const sha256 = sha256Hex(bomb);
    const res = await api<ImageUploadResponse>("POST", `/v1/cases/${caseId}/images`, token, {
      sha256,
      content_type: "image/png",
      bytes: bomb.length,
    });
    expect(res.status).to.equal(200);
    const put = await fetch(res.body.upload_url, {
      method: res.body.method,
      headers: res.body.headers,
      body: bomb,
    });
    expect(put.status).to.equal(200);
    const rejected = await waitForImage(caseId, sha256, (i) => i.state === "rejected");
    expect(rejected.reason).to.equal("too_many_pixels");
    const jobs = await testDb().collection("analysisJobs").where("case_id", "==", caseId).get();
    expect(jobs.docs.filter((d) => JSON.stringify(d.data()).includes(sha256))).to.deep.equal([]);
  });
});
