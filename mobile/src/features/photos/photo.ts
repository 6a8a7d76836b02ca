import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";

/** Longest side of a stored photo: enough for MedGemma and triage, small for 1–2 GB phones. */
export const MAX_PHOTO_SIDE = 1024;

/** A photo ready to attach to a case: already resized and encoded. */
export interface CapturedPhoto {
  bytes: Uint8Array;
  contentType: "image/jpeg" | "image/png" | "image/webp";
  width: number;
  height: number;
  sha256: string;
  /** Decoded pixels at the stored size, when the platform decoded them (used by triage). */
  pixels?: { width: number; height: number; channels: 3 | 4; data: Uint8Array | Uint8ClampedArray };
}

/** Takes or picks one photo, resized to at most MAX_PHOTO_SIDE; undefined when cancelled. */
export interface PhotoSource {
  capture(): Promise<CapturedPhoto | undefined>;
}

/** Target size that fits `width × height` within `max` on its longest side, keeping the aspect. */
export function fitWithin(
  width: number,
  height: number,
  max = MAX_PHOTO_SIDE,
): { width: number; height: number } {
  if (width <= 0 || height <= 0) throw new Error("image has no pixels");
  const scale = Math.min(1, max / Math.max(width, height));
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

/** Lowercase hex sha256 of the bytes (the image's identity on the server: `cases/{id}/{sha256}.{ext}`). */
export function sha256Hex(bytes: Uint8Array): string {
  return bytesToHex(sha256(bytes));
}
