import * as jpeg from "jpeg-js";
import type { RgbImage } from "./preprocess";
import { MAX_PHOTO_SIDE } from "./preprocess";

/**
 * Turns a captured photo (encoded bytes, as the photo pipeline stores it) into pixels for triage.
 * JPEG is decoded in pure JS (jpeg-js), so it runs the same on the phone, in the browser and in
 * Node with no native module. The photo pipeline already keeps photos at ≤ 1024 px, so a decode
 * holds at most ~3 MB of RGB. Other formats are refused (the caller can decode them natively, e.g.
 * a canvas's ImageData on the web, and pass an RgbImage instead).
 */

/** An encoded photo (structurally a `CapturedPhoto` from features/photos). */
export interface EncodedPhoto {
  bytes: Uint8Array;
  contentType: string;
}

/** What triage accepts per photo: decoded pixels, or an encoded photo it decodes itself. */
export type TriagePhoto = RgbImage | EncodedPhoto;

/** Decoding outcome. */
export type DecodeResult = { kind: "ok"; image: RgbImage } | { kind: "bad-data"; message: string };

/** Is this an encoded photo rather than decoded pixels? */
export function isEncodedPhoto(photo: TriagePhoto): photo is EncodedPhoto {
  return "bytes" in photo;
}

/** Decode a JPEG into RGB pixels; anything else, or a corrupt file, is bad-data with a reason. */
export function decodePhoto(photo: EncodedPhoto): DecodeResult {
  if (photo.contentType !== "image/jpeg") {
    return {
      kind: "bad-data",
      message: `cannot decode ${photo.contentType} on the device (JPEG only)`,
    };
  }
  try {
    const decoded = jpeg.decode(photo.bytes, {
      useTArray: true,
      formatAsRGBA: false,
      // Refuse decompression bombs before allocating (16 MP, 64 MB).
      maxResolutionInMP: 16,
      maxMemoryUsageInMB: 64,
    });
    if (decoded.width > MAX_PHOTO_SIDE || decoded.height > MAX_PHOTO_SIDE) {
      return {
        kind: "bad-data",
        message: `photo ${decoded.width}×${decoded.height} is larger than ${MAX_PHOTO_SIDE} px`,
      };
    }
    return {
      kind: "ok",
      image: { width: decoded.width, height: decoded.height, channels: 3, data: decoded.data },
    };
  } catch (e) {
    return {
      kind: "bad-data",
      message: `photo could not be decoded: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}
