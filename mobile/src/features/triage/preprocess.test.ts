import * as tf from "@tensorflow/tfjs";
import type { RgbImage } from "./preprocess";
import { checkImage, preprocessImage, toModelInput, toUnitRange } from "./preprocess";

beforeAll(async () => {
  tf.env().set("IS_TEST", true); // silences tfjs's "install tfjs-node" banner
  await tf.setBackend("cpu");
});

const image = (width: number, height: number, pixels: number[], channels: 3 | 4 = 3): RgbImage => ({
  width,
  height,
  channels,
  data: Uint8Array.from(pixels),
});

/** NCHW value at (channel, row, column) of a [1, 3, S, S] result. */
const at = (values: Float32Array, size: number, c: number, y: number, x: number): number =>
  values[c * size * size + y * size + x] ?? Number.NaN;

/**
 * Independent reference: TF2 `tf.image.resize(method="bilinear", antialias=False)` semantics
 * (half-pixel centres, edge clamp), written from the formula, not from tfjs.
 */
function referenceResize(img: RgbImage, size: number): Float64Array {
  const out = new Float64Array(3 * size * size);
  const sample = (x: number, y: number, c: number): number =>
    img.data[(y * img.width + x) * img.channels + c] ?? 0;
  for (let oy = 0; oy < size; oy++) {
    const sy = Math.max(0, (oy + 0.5) * (img.height / size) - 0.5);
    const y0 = Math.floor(sy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const fy = sy - y0;
    for (let ox = 0; ox < size; ox++) {
      const sx = Math.max(0, (ox + 0.5) * (img.width / size) - 0.5);
      const x0 = Math.floor(sx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const top = sample(x0, y0, c) * (1 - fx) + sample(x1, y0, c) * fx;
        const bottom = sample(x0, y1, c) * (1 - fx) + sample(x1, y1, c) * fx;
        out[c * size * size + oy * size + ox] = (top * (1 - fy) + bottom * fy) / 127.5 - 1;
      }
    }
  }
  return out;
}

describe("preprocessing", () => {
  // 2×2: black, white / red, blue.
  const corners = image(2, 2, [0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 0, 255]);

  it("makes a [1, 3, 448, 448] float32 NCHW tensor", () => {
    const x = preprocessImage(corners, { size: 448, layout: "NCHW" });
    expect(x.shape).toEqual([1, 3, 448, 448]);
    expect(x.dtype).toBe("float32");
    x.dispose();
  });

  it("maps known corner pixels to known values in [-1, 1]", () => {
    const x = preprocessImage(corners, { size: 448, layout: "NCHW" });
    const v = x.dataSync() as Float32Array;
    x.dispose();
    const rgb = (y: number, xx: number) => [0, 1, 2].map((c) => at(v, 448, c, y, xx));
    expect(rgb(0, 0)).toEqual([-1, -1, -1]); // black
    expect(rgb(0, 447)).toEqual([1, 1, 1]); // white
    expect(rgb(447, 0)).toEqual([1, -1, -1]); // red
    expect(rgb(447, 447)).toEqual([-1, -1, 1]); // blue
    // Row 0, column 223: source x = 223.5·2/448 − 0.5 = 0.49777 between black and white:
    // 255·0.49777/127.5 − 1 = −2/448.
    expect(at(v, 448, 0, 0, 223)).toBeCloseTo(-2 / 448, 5);
    expect(at(v, 448, 0, 0, 224)).toBeCloseTo(2 / 448, 5);
  });

  it("keeps every value within [-1, 1] for extreme pixels", () => {
    const random = Array.from({ length: 31 * 17 * 3 }, (_, i) => (i * 97) % 256);
    const x = preprocessImage(image(31, 17, random), { size: 448, layout: "NCHW" });
    const min = x.min().dataSync()[0] ?? Number.NaN;
    const max = x.max().dataSync()[0] ?? Number.NaN;
    x.dispose();
    expect(min).toBeGreaterThanOrEqual(-1);
    expect(max).toBeLessThanOrEqual(1);
    expect(min).toBeLessThan(-0.9);
    expect(max).toBeGreaterThan(0.9);
  });

  it("matches TF2 bilinear half-pixel resizing on a non-square image, up and down", () => {
    const pixels = Array.from({ length: 5 * 3 * 3 }, (_, i) => (i * 53 + 11) % 256);
    const small = image(5, 3, pixels);
    const big = image(
      40,
      24,
      Array.from({ length: 40 * 24 * 3 }, (_, i) => (i * 31 + 7) % 256),
    );
    for (const [img, size] of [
      [small, 448],
      [small, 7],
      [big, 9],
    ] as const) {
      const x = preprocessImage(img, { size, layout: "NCHW" });
      const got = x.dataSync();
      x.dispose();
      const want = referenceResize(img, size);
      let worst = 0;
      for (let i = 0; i < want.length; i++)
        worst = Math.max(worst, Math.abs((got[i] ?? 0) - (want[i] ?? 0)));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it("at the model size only rescales: v / 127.5 − 1 per pixel", () => {
    const pixels = Array.from({ length: 448 * 448 * 3 }, (_, i) => (i * 7) % 256);
    const x = preprocessImage(image(448, 448, pixels), { size: 448, layout: "NHWC" });
    const v = x.dataSync();
    x.dispose();
    for (const i of [0, 1, 2, 1000, 448 * 448 * 3 - 1])
      expect(v[i]).toBeCloseTo(toUnitRange(pixels[i] ?? 0), 6);
    expect(toUnitRange(0)).toBe(-1);
    expect(toUnitRange(255)).toBe(1);
    expect(toUnitRange(127.5)).toBe(0);
  });

  it("agrees with tfjs's own resizeBilinear(alignCorners false, halfPixelCenters true)", () => {
    const img = image(
      37,
      23,
      Array.from({ length: 37 * 23 * 3 }, (_, i) => (i * 131 + 5) % 256),
    );
    for (const size of [448, 16]) {
      const oracle = tf.tidy(() =>
        tf
          .div(
            tf.image.resizeBilinear(
              tf.tensor3d(Array.from(img.data), [23, 37, 3]),
              [size, size],
              false,
              true,
            ),
            127.5,
          )
          .sub(1)
          .dataSync(),
      );
      const ours = toModelInput(img, { size, layout: "NHWC" });
      let worst = 0;
      for (let i = 0; i < oracle.length; i++)
        worst = Math.max(worst, Math.abs((oracle[i] ?? 0) - (ours[i] ?? 0)));
      expect(worst).toBeLessThan(1e-5);
    }
  });

  it("NHWC is the transpose of NCHW", () => {
    const a = preprocessImage(corners, { size: 16, layout: "NCHW" });
    const b = preprocessImage(corners, { size: 16, layout: "NHWC" });
    expect(b.shape).toEqual([1, 16, 16, 3]);
    const diff = tf
      .sub(tf.transpose(a, [0, 2, 3, 1]), b)
      .abs()
      .max()
      .dataSync()[0];
    expect(diff).toBe(0);
    tf.dispose([a, b]);
  });

  it("ignores alpha in RGBA input", () => {
    const rgba = image(2, 2, [0, 0, 0, 10, 255, 255, 255, 20, 255, 0, 0, 30, 0, 0, 255, 40], 4);
    const a = preprocessImage(corners, { size: 8, layout: "NCHW" });
    const b = preprocessImage(rgba, { size: 8, layout: "NCHW" });
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
  });

  it("refuses malformed images with a reason and leaks no tensors", () => {
    const before = tf.memory().numTensors;
    expect(checkImage(image(2, 2, [1, 2, 3]))).toContain("expected 12");
    expect(checkImage({ width: 0, height: 2, channels: 3, data: new Uint8Array(0) })).toContain(
      "positive",
    );
    expect(
      checkImage({ width: 5000, height: 1, channels: 3, data: new Uint8Array(15000) }),
    ).toContain("4096");
    expect(checkImage(corners)).toBeNull();
    expect(() => preprocessImage(image(2, 2, [1, 2, 3]), { size: 448, layout: "NCHW" })).toThrow(
      RangeError,
    );
    const x = preprocessImage(corners, { size: 448, layout: "NCHW" });
    x.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
