import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { floodApi, MiB } from "../../test/support/functions-framework-flood";

/*
 * Issue 17, finding 2: the `api` function under the real Functions Framework (not the
 * emulator), flooded with unauthenticated bodies, stays under the memory terraform gives it
 * and keeps answering. Before the pre-parse cap (http/body-limit.ts), 40 concurrent 30 MiB
 * bodies took the process from 173 MiB to 1.7 GiB. Bounds are on memory and answers, never on
 * time: the machine running this may be loaded.
 */

/** `memory` of `api` in terraform's local.functions ("512Mi" → 512): the limit it runs under. */
function apiMemoryMiB(): number {
  const tf = readFileSync(
    join(
      import.meta.dirname,
      "..",
      "..",
      "..",
      "terraform",
      "modules",
      "dermadetect",
      "functions.tf",
    ),
    "utf8",
  );
  const m = /^\s*api = \{[\s\S]*?\n\s*memory\s*=\s*"(\d+)(Mi|Gi)"/m.exec(tf);
  if (!m) throw new Error("no memory for api in terraform/modules/dermadetect/functions.tf");
  return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
}

describe("api under the Functions Framework: a flood of large bodies", function () {
  // Starting the Framework and pushing ~1.2 GB through loopback is slow on a shared machine.
  this.timeout(300_000);
  let limitMiB: number;

  before(() => {
    limitMiB = apiMemoryMiB();
  });

  it("answers 40 concurrent 30 MiB bodies 413 SYNC_1001 before reading them, under the memory limit, and answers health meanwhile", async () => {
    const r = await floodApi({ requests: 40, bodyBytes: 30 * MiB, declareLength: true });
    expect(r.statuses).to.deep.equal(Array(40).fill(413));
    expect(r.codes).to.deep.equal(Array(40).fill("SYNC_1001"));
    expect(r.healthDuringFlood).to.equal(200);
    expect(r.alive).to.equal(true);
    expect(r.rssPeakMiB, "peak RSS").to.be.below(limitMiB);
    // Nothing the size of a body stayed resident: 40 × 30 MiB is 1200 MiB.
    expect(r.rssPeakMiB - r.rssBeforeMiB, "RSS growth").to.be.below(128);
  });

  it("lets a web app on an allowed origin read the 413 (CORS headers on the pre-parse refusal), and no other origin", async () => {
    const site = "https://demo-dermadetect-chw.web.app";
    const env = { API_CORS_ORIGINS: `${site},https://demo-dermadetect-console.web.app` };
    const allowed = await floodApi({
      requests: 2,
      bodyBytes: 3 * MiB,
      declareLength: true,
      env,
      origin: site,
    });
    expect(allowed.statuses).to.deep.equal([413, 413]);
    expect(allowed.codes).to.deep.equal(["SYNC_1001", "SYNC_1001"]);
    expect(allowed.allowOrigins).to.deep.equal([site, site]);
    const other = await floodApi({
      requests: 1,
      bodyBytes: 3 * MiB,
      declareLength: false,
      env,
      origin: "https://evil.example",
    });
    expect(other.statuses).to.deep.equal([413]);
    expect(other.allowOrigins).to.deep.equal([undefined]);
  });

  it("cuts off chunked 30 MiB bodies (no Content-Length) at the cap with 413 SYNC_1001", async () => {
    const r = await floodApi({ requests: 10, bodyBytes: 30 * MiB, declareLength: false });
    expect(r.statuses).to.deep.equal(Array(10).fill(413));
    expect(r.codes).to.deep.equal(Array(10).fill("SYNC_1001"));
    expect(r.healthDuringFlood).to.equal(200);
    expect(r.rssPeakMiB, "peak RSS").to.be.below(limitMiB);
    expect(r.rssPeakMiB - r.rssBeforeMiB, "RSS growth").to.be.below(128);
  });

  it("does not parse 40 concurrent unauthenticated bodies just under the cap (401 SYNC_2001, memory bounded)", async () => {
    // 2 MB of empty arrays parse into ~22 MiB of objects each: 40 of them passed 1 GiB when the
    // Framework parsed JSON before the token check.
    const r = await floodApi({
      requests: 40,
      bodyBytes: 1_999_000,
      declareLength: true,
      shape: "arrays",
    });
    expect(r.statuses).to.deep.equal(Array(40).fill(401));
    expect(r.codes).to.deep.equal(Array(40).fill("SYNC_2001"));
    expect(r.healthDuringFlood).to.equal(200);
    expect(r.rssPeakMiB, "peak RSS").to.be.below(limitMiB);
    expect(r.rssPeakMiB - r.rssBeforeMiB, "RSS growth").to.be.below(256);
  });
});
