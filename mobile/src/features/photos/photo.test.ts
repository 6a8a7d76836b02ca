import { base64ToBytes, bytesToBase64 } from "@/lib/bytes/base64";
import { fitWithin, sha256Hex } from "./photo";

describe("photo helpers", () => {
  it("fits the longest side within 1024 px and keeps the aspect ratio", () => {
    expect(fitWithin(4000, 3000)).toEqual({ width: 1024, height: 768 });
    expect(fitWithin(1080, 1920)).toEqual({ width: 576, height: 1024 });
    // Small photos are never enlarged.
    expect(fitWithin(640, 480)).toEqual({ width: 640, height: 480 });
    expect(() => fitWithin(0, 10)).toThrow();
  });

  it("hashes with sha256 (known vector)", () => {
    expect(sha256Hex(new TextEncoder().encode("abc"))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("round-trips bytes through base64, as stored in the upload queue", () => {
    for (const n of [0, 1, 2, 3, 4, 255, 1000]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      const text = bytesToBase64(bytes);
      expect(base64ToBytes(text)).toEqual(bytes);
    }
    expect(bytesToBase64(new TextEncoder().encode("hello"))).toBe("aGVsbG8=");
  });
});
