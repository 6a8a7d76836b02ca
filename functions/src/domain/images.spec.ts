import { expect } from "chai";
import { MAX_IMAGE_BYTES } from "@dermadetect/contract";
import {
  imageKeyFor,
  markAnalysed,
  normalizeCaseImage,
  parseImageKey,
  sha256Hex,
  sniffImageType,
  verifyImageBytes,
} from "./images";
import type { CaseImage } from "./images";

const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 3]);
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 1, 2]);
const WEBP = Buffer.concat([
  Buffer.from("RIFF"),
  Buffer.from([0x24, 0, 0, 0]),
  Buffer.from("WEBPVP8 "),
  Buffer.from([0, 0, 0, 0]),
]);

const want = (bytes: Buffer, content_type: CaseImage["content_type"]) => ({
  sha256: sha256Hex(bytes),
  content_type,
  bytes: bytes.length,
});

describe("images domain", () => {
  it("tells JPEG, PNG and WebP apart by magic bytes, and nothing else", () => {
    expect(sniffImageType(JPEG)).to.equal("image/jpeg");
    expect(sniffImageType(PNG)).to.equal("image/png");
    expect(sniffImageType(WEBP)).to.equal("image/webp");
    expect(sniffImageType(Buffer.from("GIF89a........"))).to.equal(undefined);
    expect(sniffImageType(Buffer.from("RIFF\0\0\0\0WAVEfmt "))).to.equal(undefined);
    expect(sniffImageType(Buffer.alloc(0))).to.equal(undefined);
  });

  it("builds and parses object keys that carry the hash", () => {
    const sha = sha256Hex(JPEG);
    const key = imageKeyFor("case-1", sha, "image/webp");
    expect(key).to.equal(`cases/case-1/${sha}.webp`);
    expect(parseImageKey(key)).to.deep.equal({
      caseId: "case-1",
      sha256: sha,
      contentType: "image/webp",
    });
    for (const bad of [
      `cases/case-1/${sha}.gif`,
      `cases/case-1/${sha.toUpperCase()}.jpg`,
      `cases/a/b/${sha}.jpg`,
      `other/case-1/${sha}.jpg`,
      "cases/case-1/abc.jpg",
    ]) {
      expect(parseImageKey(bad), bad).to.equal(undefined);
    }
  });

  it("verifies size, type and hash, cheapest first", () => {
    expect(verifyImageBytes(JPEG, want(JPEG, "image/jpeg"))).to.deep.equal({ ok: true });
    expect(verifyImageBytes(PNG, want(PNG, "image/png"))).to.deep.equal({ ok: true });
    expect(verifyImageBytes(WEBP, want(WEBP, "image/webp"))).to.deep.equal({ ok: true });
    expect(verifyImageBytes(JPEG, { ...want(JPEG, "image/jpeg"), bytes: 3 })).to.deep.equal({
      ok: false,
      reason: "size_mismatch",
    });
    expect(verifyImageBytes(JPEG, want(JPEG, "image/png"))).to.deep.equal({
      ok: false,
      reason: "type_mismatch",
    });
    const text = Buffer.from("not an image at all");
    expect(verifyImageBytes(text, want(text, "image/jpeg"))).to.deep.equal({
      ok: false,
      reason: "unknown_type",
    });
    expect(
      verifyImageBytes(JPEG, { ...want(JPEG, "image/jpeg"), sha256: sha256Hex(PNG) }),
    ).to.deep.equal({ ok: false, reason: "hash_mismatch" });
    const huge = Buffer.alloc(MAX_IMAGE_BYTES + 1);
    JPEG.copy(huge);
    expect(
      verifyImageBytes(huge, { ...want(JPEG, "image/jpeg"), bytes: huge.length }),
    ).to.deep.equal({
      ok: false,
      reason: "too_large",
    });
  });

  it("fills server fields of entries a writer left bare, and refuses unusable ones", () => {
    const sha = sha256Hex(JPEG);
    expect(
      normalizeCaseImage("c1", { sha256: sha, content_type: "image/jpeg", bytes: 14 }),
    ).to.deep.equal({
      sha256: sha,
      content_type: "image/jpeg",
      bytes: 14,
      state: "queued",
      image_key: `cases/c1/${sha}.jpg`,
    });
    expect(
      normalizeCaseImage("c1", { sha256: "x", content_type: "image/jpeg", bytes: 1 }),
    ).to.equal(undefined);
  });

  it("marks only verified images analysed", () => {
    const base = { content_type: "image/jpeg" as const, bytes: 1, image_key: "k" };
    const out = markAnalysed(
      [
        { ...base, sha256: "a", state: "verified" },
        { ...base, sha256: "b", state: "queued" },
        { ...base, sha256: "c", state: "verified" },
      ],
      ["a", "b"],
    );
    expect(out.map((i) => i.state)).to.deep.equal(["analysed", "queued", "verified"]);
  });
});
