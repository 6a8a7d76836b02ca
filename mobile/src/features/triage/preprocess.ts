import * as tf from "@tensorflow/tfjs";
import type { TriageModelMeta } from "./model-meta";

/**
 * MedSigLIP preprocessing (reference medgemma-medsiglip.md §5.1): resize to 448×448 with
 * bilinear interpolation, half-pixel centres and no antialiasing (TF2 `tf.image.resize`, what the
 * model card recommends), then scale 0..255 to [-1, 1] (mean = std = 0.5 after /255, i.e.
 * x / 127.5 − 1). Decoding JPEG to pixels is the caller's job (the photo pipeline already
 * downscales to ≤ 1024 px, which keeps this step small).
 */

/** Decoded pixels, row-major, 8 bits per channel: RGB, or RGBA as canvas ImageData gives. */
export interface RgbImage {
  width: number;
  height: number;
  channels: 3 | 4;
  data: Uint8Array | Uint8ClampedArray;
}

/** What the model expects: square size and tensor layout (from the model's metadata). */
export type InputSpec = Pick<TriageModelMeta["input"], "size" | "layout">;

/** Largest photo side accepted: the photo pipeline keeps photos at ≤ 1024 px. */
export const MAX_PHOTO_SIDE = 4096;

/** Scale one 0..255 channel value to the model's [-1, 1] range. */
export function toUnitRange(value: number): number {
  return value / 127.5 - 1;
}

/** A reason the image cannot be preprocessed, or null when it can. */
export function checkImage(image: RgbImage): string | null {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    return `image size ${width}×${height} is not a positive whole number of pixels`;
  }
  if (width > MAX_PHOTO_SIDE || height > MAX_PHOTO_SIDE) {
    return `image ${width}×${height} is larger than ${MAX_PHOTO_SIDE} px on a side`;
  }
  if (channels !== 3 && channels !== 4) return `image has ${String(channels)} channels, not 3 or 4`;
  if (data.length !== width * height * channels) {
    return `image data has ${data.length} values, expected ${width * height * channels}`;
  }
  return null;
}

/** Source taps for one output coordinate: TF2 half-pixel centres, clamped at the edges. */
interface Taps {
  lo: Int32Array;
  hi: Int32Array;
  frac: Float64Array;
}

function taps(sourceLength: number, size: number): Taps {
  const lo = new Int32Array(size);
  const hi = new Int32Array(size);
  const frac = new Float64Array(size);
  const scale = sourceLength / size;
  for (let o = 0; o < size; o++) {
    const at = Math.max(0, (o + 0.5) * scale - 0.5);
    const floor = Math.min(Math.floor(at), sourceLength - 1);
    lo[o] = floor;
    hi[o] = Math.min(floor + 1, sourceLength - 1);
    frac[o] = at - floor;
  }
  return { lo, hi, frac };
}

/**
 * The model input for one photo as a plain array (pure, no tfjs): bilinear resize to
 * size×size with half-pixel centres and edge clamping (TF2 `tf.image.resize`, antialias off),
 * scaled to [-1, 1], laid out NCHW ([3, size, size], MedSigLIP's serving layout) or NHWC.
 * Doing this in one pass in plain JS avoids a full-size transpose, which the tfjs CPU backend
 * makes slow, and runs the same on every backend. Throws a RangeError for a refused image.
 */
export function toModelInput(image: RgbImage, spec: InputSpec): Float32Array {
  const problem = checkImage(image);
  if (problem) throw new RangeError(problem);
  const { size, layout } = spec;
  const { width, channels, data } = image;
  const xs = taps(image.width, size);
  const ys = taps(image.height, size);
  const out = new Float32Array(3 * size * size);
  const plane = size * size;
  for (let oy = 0; oy < size; oy++) {
    const top = (ys.lo[oy] ?? 0) * width;
    const bottom = (ys.hi[oy] ?? 0) * width;
    const fy = ys.frac[oy] ?? 0;
    for (let ox = 0; ox < size; ox++) {
      const left = xs.lo[ox] ?? 0;
      const right = xs.hi[ox] ?? 0;
      const fx = xs.frac[ox] ?? 0;
      const tl = (top + left) * channels;
      const tr = (top + right) * channels;
      const bl = (bottom + left) * channels;
      const br = (bottom + right) * channels;
      for (let c = 0; c < 3; c++) {
        const upper = (data[tl + c] ?? 0) + ((data[tr + c] ?? 0) - (data[tl + c] ?? 0)) * fx;
        const lower = (data[bl + c] ?? 0) + ((data[br + c] ?? 0) - (data[bl + c] ?? 0)) * fx;
        // Bilinear weights sum to 1, so values stay in 0..255 and the result in [-1, 1].
        const value = toUnitRange(upper + (lower - upper) * fy);
        out[layout === "NCHW" ? c * plane + oy * size + ox : (oy * size + ox) * 3 + c] = value;
      }
    }
  }
  return out;
}

/**
 * The model input for one photo as a tensor: [1, 3, size, size] (NCHW) or [1, size, size, 3]
 * (NHWC), float32 in [-1, 1]. The caller disposes it.
 */
export function preprocessImage(image: RgbImage, spec: InputSpec): tf.Tensor4D {
  const shape: [number, number, number, number] =
    spec.layout === "NCHW" ? [1, 3, spec.size, spec.size] : [1, spec.size, spec.size, 3];
  return tf.tensor4d(toModelInput(image, spec), shape, "float32");
}
