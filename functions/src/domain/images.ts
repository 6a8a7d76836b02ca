import { createHash } from "node:crypto";
import { IMAGE_TYPES, MAX_IMAGE_BYTES } from "@dermadetect/contract";
import type { ImageContentType, ImageState } from "@dermadetect/contract";

/*
 * Server-side rules of a case's photos. The shared shapes (accepted types and their extensions,
 * image states, the size limit) are the contract's; this module adds what only the server
 * does: object keys, verification by magic bytes and hash, and the entry as stored.
 */

/** Signed upload URLs live at most 15 minutes. */
export const UPLOAD_URL_TTL_MS = 15 * 60 * 1000;
/** Signed download URLs for doctors are short-lived: 5 minutes. */
export const DOWNLOAD_URL_TTL_MS = 5 * 60 * 1000;
/** Size range bound into every upload URL (`x-goog-content-length-range`). */
export const UPLOAD_SIZE_RANGE = `1,${MAX_IMAGE_BYTES}`;

/** Why verification refused an object. Stable strings: the app shows them. */
export type ImageRejectReason =
  | "too_large"
  | "size_mismatch"
  | "unknown_type"
  | "type_mismatch"
  | "hash_mismatch"
  | "too_many_pixels";

/**
 * Most pixels a photo may declare (width × height in its header). A PNG of a few KB can declare
 * 50,000 × 50,000 (2.5 billion pixels, ~7.5 GB decoded): the header is read and the photo
 * refused before any decode. 50 MP is above every phone camera's default mode and keeps a
 * decode within the analysis function's memory (issue 17).
 */
export const MAX_IMAGE_PIXELS = 50_000_000;

/** One entry of `cases/{id}.images[]` as the server keeps it. */
export interface CaseImage {
  sha256: string;
  content_type: ImageContentType;
  bytes: number;
  state: ImageState;
  image_key: string;
  reason?: ImageRejectReason;
}

/** States whose object has passed verification and may be shown or analysed. */
export function isVerifiedState(state: ImageState): boolean {
  return state === "verified" || state === "analysed";
}

/** Narrows a string to an accepted content type. */
export function isImageContentType(value: unknown): value is ImageContentType {
  return typeof value === "string" && Object.hasOwn(IMAGE_TYPES, value);
}

/** `cases/{case_id}/{sha256}.{ext}`: the object name contains the hash it must match. */
export function imageKeyFor(caseId: string, sha256: string, contentType: ImageContentType): string {
  return `cases/${caseId}/${sha256}.${IMAGE_TYPES[contentType]}`;
}

const KEY_PATTERN = /^cases\/([^/]{1,128})\/([0-9a-f]{64})\.(jpg|png|webp)$/;

/** Splits an object name made by `imageKeyFor`; undefined for anything else. */
export function parseImageKey(
  name: string,
): { caseId: string; sha256: string; contentType: ImageContentType } | undefined {
  const m = KEY_PATTERN.exec(name);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  const contentType = (Object.keys(IMAGE_TYPES) as ImageContentType[]).find(
    (t) => IMAGE_TYPES[t] === m[3],
  );
  return contentType ? { caseId: m[1], sha256: m[2], contentType } : undefined;
}

/** The content type a file's magic bytes announce (JPEG, PNG, WebP), or undefined. */
export function sniffImageType(head: Uint8Array): ImageContentType | undefined {
  const at = (i: number) => head[i];
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return "image/jpeg";
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.every((b, i) => at(i) === b)) return "image/png";
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 12 && ascii(0, 4) === "RIFF" && ascii(8, 12) === "WEBP") return "image/webp";
  return undefined;
}

/** Lower-case hex sha256 of the bytes. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Verdict on an uploaded object. */
export type ImageVerdict = { ok: true } | { ok: false; reason: ImageRejectReason };

/**
 * Checks an uploaded object against what the case lists for it: size cap, exact size, type by
 * magic bytes (never the declared header), and sha256 equal to the one in the key. Cheapest
 * checks first, so an oversized object is refused before it is hashed.
 */
export function verifyImageBytes(
  bytes: Uint8Array,
  want: { sha256: string; content_type: ImageContentType; bytes: number },
): ImageVerdict {
  if (bytes.length > MAX_IMAGE_BYTES) return { ok: false, reason: "too_large" };
  if (bytes.length !== want.bytes) return { ok: false, reason: "size_mismatch" };
  const sniffed = sniffImageType(bytes.subarray(0, 16));
  if (!sniffed) return { ok: false, reason: "unknown_type" };
  if (sniffed !== want.content_type) return { ok: false, reason: "type_mismatch" };
  if (sha256Hex(bytes) !== want.sha256) return { ok: false, reason: "hash_mismatch" };
  return { ok: true };
}

/** Marks the listed hashes `analysed` (for the AI pipeline once a result is stored). */
export function markAnalysed(
  images: readonly CaseImage[],
  sha256s: readonly string[],
): CaseImage[] {
  const done = new Set(sha256s);
  return images.map((img) =>
    img.state === "verified" && done.has(img.sha256) ? { ...img, state: "analysed" } : img,
  );
}

/**
 * An image entry as stored, with the server fields filled in when a writer left them out
 * (`state` defaults to queued, `image_key` is derived); undefined for an unusable entry.
 */
export function normalizeCaseImage(
  caseId: string,
  entry: Partial<CaseImage>,
): CaseImage | undefined {
  const { sha256, content_type, bytes } = entry;
  if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
  if (!isImageContentType(content_type) || typeof bytes !== "number") return undefined;
  const out: CaseImage = {
    sha256,
    content_type,
    bytes,
    state: entry.state ?? "queued",
    image_key: entry.image_key ?? imageKeyFor(caseId, sha256, content_type),
  };
  if (entry.reason) out.reason = entry.reason;
  return out;
}
