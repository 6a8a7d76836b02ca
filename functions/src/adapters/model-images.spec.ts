import { expect } from "chai";
import sharp from "sharp";
import { imageKeyFor, sha256Hex } from "../domain/images";
import type { ImageStore } from "../domain/image-store";
import { pixelBombPng } from "../../test/support/pixel-bomb";
import {
  ModelImageError,
  createModelImageSource,
  declaredPixels,
  prepareForModel,
} from "./model-images";

/** An in-memory ImageStore: a stand-in for Cloud Storage's object reads only. */
function memoryStore(objects: Map<string, Buffer>): ImageStore {
  const unused = () => Promise.reject(new Error("not used"));
  return {
    signUpload: unused,
    signDownload: unused,
    read: (key) => Promise.resolve(objects.get(key)),
    remove: (key) => Promise.resolve(void objects.delete(key)),
  };
}

async function picture(width: number, height: number, format: "png" | "webp" | "jpeg") {
  const img = sharp({ create: { width, height, channels: 3, background: "#c08060" } });
  return await img.toFormat(format).withMetadata({ orientation: 6 }).toBuffer();
}

async function caught(p: Promise<unknown>): Promise<ModelImageError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ModelImageError) return e;
    throw e;
  }
  throw new Error("expected a ModelImageError");
}

describe("model images (sharp)", () => {
  it("scales a large photo down to 1024 px on the long side, as JPEG without metadata", async () => {
    const out = await prepareForModel(await picture(3000, 2000, "png"));
    const meta = await sharp(out.bytes).metadata();
    expect(meta.format).to.equal("jpeg");
    // EXIF orientation 6 (rotate 90°) is applied, then the long side is bounded.
    expect([out.width, out.height]).to.deep.equal([683, 1024]);
    expect([meta.width, meta.height]).to.deep.equal([683, 1024]);
    expect(meta.exif).to.equal(undefined);
    expect(meta.orientation).to.equal(undefined);
    expect(out.resized).to.equal(true);
  });

  it("never enlarges a small photo, and converts WebP to JPEG", async () => {
    const out = await prepareForModel(await picture(300, 200, "webp"));
    expect(out.resized).to.equal(false);
    expect(Math.max(out.width, out.height)).to.equal(300);
    expect((await sharp(out.bytes).metadata()).format).to.equal("jpeg");
  });

  it("reads verified objects by key and re-checks their hash", async () => {
    const original = await picture(1600, 1200, "jpeg");
    const sha = sha256Hex(original);
    const key = imageKeyFor("case-1", sha, "image/jpeg");
    const objects = new Map([[key, original]]);
    const source = createModelImageSource(memoryStore(objects));
    const ready = await source.read(key);
    expect(ready.contentType).to.equal("image/jpeg");
    expect(ready.sha256).to.equal(sha);
    expect(Math.max(ready.width, ready.height)).to.equal(1024);

    const otherKey = imageKeyFor("case-1", "0".repeat(64), "image/jpeg");
    objects.set(otherKey, original);
    expect((await caught(source.read(otherKey))).reason).to.equal("hash_mismatch");
    const missing = await caught(source.read(imageKeyFor("case-2", sha, "image/jpeg")));
    expect([missing.reason, missing.transient]).to.deep.equal(["not_found", false]);
    expect((await caught(source.read("../etc/passwd"))).reason).to.equal("not_found");
  });

  it("reports a store outage as transient and an undecodable photo as permanent", async () => {
    const broken: ImageStore = {
      ...memoryStore(new Map()),
      read: () => Promise.reject(new Error("503")),
    };
    const key = imageKeyFor("case-1", "a".repeat(64), "image/jpeg");
    const outage = await caught(createModelImageSource(broken).read(key));
    expect([outage.reason, outage.transient]).to.deep.equal(["unavailable", true]);
    const junk = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(64, 7)]);
    const junkKey = imageKeyFor("case-1", sha256Hex(junk), "image/jpeg");
    const bad = await caught(
      createModelImageSource(memoryStore(new Map([[junkKey, junk]]))).read(junkKey),
    );
    expect([bad.reason, bad.transient]).to.deep.equal(["unavailable", false]);
  });
});

describe("model images: a pixel bomb", () => {
  it("refuses a tiny PNG declaring 50,000 × 50,000 pixels from its header, as too_large (permanent)", async () => {
    const bomb = pixelBombPng();
    expect(bomb.length).to.be.below(2_000);
    expect(await declaredPixels(bomb)).to.equal(2_500_000_000);
    const err = await caught(prepareForModel(bomb));
    expect([err.reason, err.transient]).to.deep.equal(["too_large", false]);
    // Through the image source too: the verified-looking object never reaches a decode.
    const sha = sha256Hex(bomb);
    const key = imageKeyFor("case-bomb", sha, "image/png");
    const source = createModelImageSource(memoryStore(new Map([[key, bomb]])));
    expect((await caught(source.read(key))).reason).to.equal("too_large");
  });

  it("still prepares an ordinary photo and reads no size from a non-image", async () => {
    const ok = await prepareForModel(await picture(2000, 1500, "png"));
    expect(Math.max(ok.width, ok.height)).to.equal(1024);
    expect(await declaredPixels(Buffer.from("not an image"))).to.equal(undefined);
  });
});
