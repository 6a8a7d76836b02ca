import type { RgbImage } from "../src/features/triage/preprocess";

/**
 * Procedural "photos" for the stand-in model: flat colour fields that look nothing like real
 * lesions but differ in the way the stand-in can see (colour, darkness, extent). The generator
 * derives the fixture's text embeddings from them, and tests and the benchmark triage them.
 * Deterministic: a seeded PRNG, no files, no network.
 */

/** The kinds of synthetic photo, one per fixture label. */
export const SYNTHETIC_KINDS = [
  "melanoma",
  "skin_infection",
  "eczema",
  "benign_naevus",
  "normal_skin",
] as const;

/** A synthetic photo kind. */
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

/** A small deterministic PRNG (mulberry32): same seed, same sequence, on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Module-level copies: a global lookup per pixel is slow inside Jest's vm context.
const { atan2, cos, hypot, imul, max, min, round, sin } = Math;

type Rgb = [number, number, number];
const SKIN: Rgb = [198, 152, 122];

function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** The colour of one pixel (u, v in [0, 1)) of a synthetic photo kind. */
function shade(kind: SyntheticKind, u: number, v: number): Rgb {
  const dx = u - 0.5;
  const dy = v - 0.5;
  const r = hypot(dx, dy);
  switch (kind) {
    case "melanoma": {
      // A large, asymmetric, dark blob with two colours and a wavy border.
      const angle = atan2(dy, dx);
      const edge = 0.3 + 0.07 * sin(5 * angle) + 0.05 * dx;
      if (r > edge) return SKIN;
      return r < edge * 0.5 ? [40, 28, 30] : [92, 52, 40];
    }
    case "skin_infection":
      // A wide, hot red area fading into the skin.
      return mix([214, 70, 62], SKIN, min(1, r / 0.48));
    case "eczema":
      // Pink patches in stripes.
      return sin(u * 18) * cos(v * 14) > 0.1 ? [222, 126, 128] : SKIN;
    case "benign_naevus":
      // A small, round, even brown dot.
      return r < 0.1 ? [120, 78, 56] : SKIN;
    case "normal_skin":
      return SKIN;
  }
}

/** A width×height RGB(A) synthetic photo of `kind`, with ±6 levels of seeded noise. */
export function syntheticPhoto(
  kind: SyntheticKind,
  width: number,
  height: number,
  options: { seed?: number; channels?: 3 | 4 } = {},
): RgbImage {
  const channels = options.channels ?? 3;
  const random = mulberry32(options.seed ?? 1);
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const colour = shade(kind, (x + 0.5) / width, (y + 0.5) / height);
      const at = (y * width + x) * channels;
      for (let c = 0; c < 3; c++) {
        const noisy = (colour[c] ?? 0) + (random() - 0.5) * 12;
        data[at + c] = max(0, min(255, round(noisy)));
      }
      if (channels === 4) data[at + 3] = 255;
    }
  }
  return { width, height, channels, data };
}
