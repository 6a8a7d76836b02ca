import * as jpeg from "jpeg-js";
import { loadStandInModel } from "@/test-support/stand-in-model";
import { syntheticPhoto } from "../../../scripts/synthetic-photos";
import type { TriageModel } from "./api";
import { decodePhoto, triageCase } from "./api";
import type { RgbImage } from "./preprocess";

let fixture: TriageModel;

beforeAll(async () => (fixture = await loadStandInModel()));

afterAll(() => fixture.graph.dispose());

/** Encode an RGB image as JPEG bytes (jpeg-js wants RGBA). */
function toJpeg(image: RgbImage, quality = 90): Uint8Array {
  const rgba = new Uint8Array(image.width * image.height * 4);
  for (let p = 0; p < image.width * image.height; p++) {
    rgba.set(image.data.subarray(p * 3, p * 3 + 3), p * 4);
    rgba[p * 4 + 3] = 255;
  }
  return new Uint8Array(
    jpeg.encode({ width: image.width, height: image.height, data: rgba }, quality).data,
  );
}

describe("decoding captured photos", () => {
  const answers = { body_site: "back", duration_days: 30, symptoms: [], danger_signs: [] };

  it("decodes a JPEG to RGB pixels close to the original", () => {
    const original = syntheticPhoto("normal_skin", 64, 48, { seed: 5 });
    const decoded = decodePhoto({ bytes: toJpeg(original), contentType: "image/jpeg" });
    expect(decoded.kind).toBe("ok");
    if (decoded.kind !== "ok") return;
    expect([decoded.image.width, decoded.image.height, decoded.image.channels]).toEqual([
      64, 48, 3,
    ]);
    let worst = 0;
    original.data.forEach(
      (v, i) => (worst = Math.max(worst, Math.abs(v - (decoded.image.data[i] ?? 0)))),
    );
    expect(worst).toBeLessThan(24);
  });

  it("triages JPEG bytes (a CapturedPhoto) like the decoded pixels", async () => {
    const original = syntheticPhoto("melanoma", 400, 300, { seed: 8 });
    const fromBytes = await triageCase(
      { answers, photos: [{ bytes: toJpeg(original), contentType: "image/jpeg" }] },
      fixture,
    );
    const fromPixels = await triageCase({ answers, photos: [original] }, fixture);
    expect(fromBytes).toMatchObject({ kind: "model", modelRisk: "RED" });
    expect(fromPixels).toMatchObject({ kind: "model", modelRisk: "RED" });
  });

  it("refuses other formats, corrupt files and oversized photos with a reason; triage goes on", async () => {
    const png = decodePhoto({ bytes: new Uint8Array([137, 80, 78, 71]), contentType: "image/png" });
    expect(png).toMatchObject({ kind: "bad-data" });
    if (png.kind === "bad-data") expect(png.message).toContain("image/png");
    const corrupt = decodePhoto({
      bytes: new Uint8Array([0xff, 0xd8, 1, 2, 3]),
      contentType: "image/jpeg",
    });
    expect(corrupt.kind).toBe("bad-data");
    const big = decodePhoto({
      bytes: toJpeg(syntheticPhoto("normal_skin", 4100, 8, { seed: 1 }), 50),
      contentType: "image/jpeg",
    });
    expect(big).toMatchObject({ kind: "bad-data" });
    const result = await triageCase(
      {
        answers: { ...answers, danger_signs: ["bleeding"] },
        photos: [{ bytes: new Uint8Array([1, 2, 3]), contentType: "image/jpeg" }],
      },
      fixture,
    );
    expect(result).toMatchObject({ kind: "rules-only", why: "photos-unreadable", risk: "RED" });
  });
});
