import sharp from "sharp";
import type { Metadata, OutputInfo } from "sharp";
import { MAX_IMAGE_BYTES } from "@dermadetect/contract";
import { MAX_IMAGE_PIXELS, parseImageKey, sha256Hex } from "../domain/images";
import type { ImageStore } from "../domain/image-store";

/** A photo prepared for the model: JPEG bytes, metadata stripped, long side bounded. */
export interface ModelImage {
  /** sha256 of the verified original (provenance for `ai_analysis.image_sha256s`). */
  sha256: string;
  content_type: "image/jpeg";
  bytes: Buffer;
  width: number;
  height: number;
  /** True when the original was scaled down. */
  resized: boolean;
}

/** How photos are prepared for MedGemma (reference/medgemma-medsiglip.md §2: ~1024 px, q≈85). */
export interface ModelImageOptions {
  /** Longest side in pixels after resizing; MedGemma itself works at 896×896. */
  maxEdge: number;
  jpegQuality: number;
}

/** Defaults: 1024 px long side, JPEG quality 85 (a few hundred KB per photo). */
export const MODEL_IMAGE_DEFAULTS: ModelImageOptions = { maxEdge: 1024, jpegQuality: 85 };

/**
 * Why a photo could not be read for the model. Same fields as the AI pipeline's
 * `ImageUnavailableError` (`reason`, `transient`), so its retry rule applies unchanged.
 */
export class ModelImageError extends Error {
  constructor(
    readonly reason: "not_found" | "hash_mismatch" | "too_large" | "unavailable",
    readonly transient: boolean,
  ) {
    super(`image unavailable for the model: ${reason}`);
    this.name = "ModelImageError";
  }
}

/**
 * Width × height a photo's header declares, read without decoding it (sharp reads the header
 * only), or undefined when libvips cannot read a header at all.
 */
export async function declaredPixels(bytes: Buffer): Promise<number | undefined> {
  try {
    const { width, height } = await sharp(bytes, { limitInputPixels: false }).metadata();
    return width && height ? width * height : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Re-encodes a photo for the model with sharp (libvips, shipped inside npm packages): applies
 * the EXIF orientation, scales the long side down to `maxEdge` (never up), and writes a
 * baseline JPEG without metadata, so no EXIF (GPS, device) leaves for the model endpoint and
 * every photo travels as `data:image/jpeg;base64,…`.
 */
export async function prepareForModel(
  original: Buffer,
  opts: ModelImageOptions = MODEL_IMAGE_DEFAULTS,
): Promise<Omit<ModelImage, "sha256">> {
  // A pixel bomb (tiny file, huge declared size) is refused from its header, before decode.
  const pixels = await declaredPixels(original);
  if (pixels !== undefined && pixels > MAX_IMAGE_PIXELS)
    throw new ModelImageError("too_large", false);
  let out: { data: Buffer; info: OutputInfo };
  let before: Metadata;
  try {
    const img = sharp(original, { failOn: "error", limitInputPixels: MAX_IMAGE_PIXELS });
    before = await img.metadata();
    out = await img
      .rotate()
      .resize({
        width: opts.maxEdge,
        height: opts.maxEdge,
        fit: "inside",
        withoutEnlargement: true,
      })
      .flatten({ background: "#ffffff" })
      .jpeg({ quality: opts.jpegQuality, mozjpeg: false })
      .toBuffer({ resolveWithObject: true });
  } catch {
    // Verified magic bytes but a body libvips cannot decode: retrying will not help.
    throw new ModelImageError("unavailable", false);
  }
  const longBefore = Math.max(before.width ?? 0, before.height ?? 0);
  return {
    content_type: "image/jpeg",
    bytes: out.data,
    width: out.info.width,
    height: out.info.height,
    resized: Math.max(out.info.width, out.info.height) < longBefore,
  };
}

/** Verified image bytes ready for the model (the AI pipeline's `ImageBytes` shape). */
export interface ModelImageBytes {
  bytes: Uint8Array;
  contentType: string;
}

/**
 * The image-reading side the AI pipeline plugs into its `ImageSource` port:
 * `read(image_key)` fetches the object from the image store, checks its sha256 against the key
 * again (the model sees exactly the evidence the doctor sees), and returns it prepared for the
 * model. Callers pass only keys of `verified`/`analysed` entries. A missing object or a hash
 * mismatch is permanent; a store failure is transient (the delivery is retried).
 */
export function createModelImageSource(
  store: ImageStore,
  opts: ModelImageOptions = MODEL_IMAGE_DEFAULTS,
): { read(imageKey: string): Promise<ModelImageBytes & Omit<ModelImage, "bytes">> } {
  return {
    async read(imageKey) {
      const parsed = parseImageKey(imageKey);
      if (!parsed) throw new ModelImageError("not_found", false);
      let original: Buffer | undefined;
      try {
        original = await store.read(imageKey);
      } catch {
        throw new ModelImageError("unavailable", true);
      }
      if (!original) throw new ModelImageError("not_found", false);
      if (original.length > MAX_IMAGE_BYTES) throw new ModelImageError("too_large", false);
      if (sha256Hex(original) !== parsed.sha256) throw new ModelImageError("hash_mismatch", false);
      const ready = await prepareForModel(original, opts);
      return { ...ready, sha256: parsed.sha256, contentType: ready.content_type };
    },
  };
}
