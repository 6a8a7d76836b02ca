import * as tf from "@tensorflow/tfjs";
import { loadStandInModel } from "@/test-support/stand-in-model";
import { readModelDir } from "../../../scripts/read-model-dir";
import { syntheticPhoto } from "../../../scripts/synthetic-photos";
import type { TriageModel } from "./load-model";
import { checkEmbedding, decodedWeightBytes, embedImage, loadTriageModel } from "./load-model";
import type { TriageModelMeta } from "./model-meta";
import { checkTriageMeta } from "./model-meta";
import { preprocessImage } from "./preprocess";

/** The generated stand-in (mobile/assets/models/triage-stand-in), loaded as the app would. */
let model: TriageModel;

beforeAll(async () => (model = await loadStandInModel()));

afterAll(() => model.graph.dispose());

/** Decode one weight from the shard by hand (float32, or uint8 with min/scale), without tfjs. */
function weight(name: string): Float32Array {
  const source = readModelDir();
  const bytes = new Uint8Array(
    source.weights instanceof ArrayBuffer
      ? source.weights
      : (source.weights[0] ?? new ArrayBuffer(0)),
  );
  let offset = 0;
  for (const spec of source.modelJson.weightsManifest[0]?.weights ?? []) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    const width = q ? 1 : 4;
    if (spec.name === name) {
      const slice = bytes.slice(offset, offset + count * width);
      if (!q) return new Float32Array(slice.buffer);
      return Float32Array.from(slice, (v) => v * (q.scale ?? 1) + (q.min ?? 0));
    }
    offset += count * width;
  }
  throw new Error(`no weight ${name}`);
}

/** The stand-in's forward pass written out in plain JS from the graph description. */
function handForward(nchw: Float32Array): Float64Array {
  const size = 448;
  const pool = 56;
  const cells = size / pool;
  // Mean of each 56×56 cell of each colour plane, flattened as (channel, row, column).
  const features = new Float64Array(cells * cells * 3);
  for (let cy = 0; cy < cells; cy++)
    for (let cx = 0; cx < cells; cx++)
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let y = cy * pool; y < (cy + 1) * pool; y++)
          for (let x = cx * pool; x < (cx + 1) * pool; x++)
            sum += nchw[c * size * size + y * size + x] ?? 0;
        features[(c * cells + cy) * cells + cx] = sum / (pool * pool);
      }
  const k1 = weight("stand_in/proj1/kernel");
  const b1 = weight("stand_in/proj1/bias");
  const k2 = weight("stand_in/proj2/kernel");
  const hidden = b1.length;
  const h = new Float64Array(hidden);
  for (let j = 0; j < hidden; j++) {
    let s = b1[j] ?? 0;
    for (let i = 0; i < features.length; i++) s += (features[i] ?? 0) * (k1[i * hidden + j] ?? 0);
    h[j] = Math.tanh(3 * s);
  }
  const dim = k2.length / hidden;
  const e = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    let s = 0;
    for (let j = 0; j < hidden; j++) s += (h[j] ?? 0) * (k2[j * dim + d] ?? 0);
    e[d] = s;
  }
  const norm = Math.hypot(...e);
  return e.map((v) => v / norm);
}

describe("triage model loading", () => {
  it("loads the generated graph model with MedSigLIP's tensor names and shapes", () => {
    expect(model.meta.fixture).toBe(true);
    expect(model.graph.inputs.map((t) => [t.name, t.shape])).toEqual([
      ["pixel_values", [-1, 3, 448, 448]],
    ]);
    expect(model.graph.outputs.map((t) => t.name)).toEqual(["image_embeds"]);
    expect(model.meta.output).toEqual({ name: "image_embeds", dim: 1152 });
  });

  it("embeds a photo as a unit vector equal to a hand-computed forward pass", async () => {
    const pixels = preprocessImage(
      syntheticPhoto("melanoma", 300, 200, { seed: 3 }),
      model.meta.input,
    );
    const nchw = pixels.dataSync() as Float32Array;
    const before = tf.memory().numTensors;
    const embedding = await embedImage(model, pixels);
    expect(tf.memory().numTensors).toBe(before);
    pixels.dispose();
    expect(embedding.length).toBe(1152);
    expect(Math.hypot(...embedding)).toBeCloseTo(1, 5);
    const want = handForward(nchw);
    let worst = 0;
    for (let i = 0; i < want.length; i++)
      worst = Math.max(worst, Math.abs((embedding[i] ?? 0) - (want[i] ?? 0)));
    expect(worst).toBeLessThan(1e-5);
  });

  it("also loads through an IOHandler (how bundleResourceIO hands a model over)", async () => {
    const source = readModelDir();
    const handler: tf.io.IOHandler = {
      load: () =>
        Promise.resolve(
          tf.io.getModelArtifactsForJSONSync(
            source.modelJson,
            tf.io.getWeightSpecs(source.modelJson.weightsManifest),
            source.weights,
          ),
        ),
    };
    const loaded = await loadTriageModel({ kind: "io-handler", handler, meta: source.meta });
    expect(loaded.kind).toBe("ok");
    if (loaded.kind === "ok") loaded.model.graph.dispose();
  });

  describe("refuses a model whose metadata does not fit it", () => {
    const meta = (): TriageModelMeta => structuredClone(readModelDir().meta) as TriageModelMeta;
    const refuse = async (changed: unknown, expected: string) => {
      const loaded = await loadTriageModel({ ...readModelDir(), meta: changed });
      expect(loaded).toMatchObject({ kind: "bad-data" });
      if (loaded.kind === "bad-data") expect(loaded.message).toContain(expected);
    };

    it("a wrong input name", async () => {
      const m = meta();
      m.input.name = "pixels";
      await refuse(m, "no input named pixels");
    });
    it("a wrong layout", async () => {
      const m = meta();
      m.input.layout = "NHWC";
      await refuse(m, "metadata says NHWC");
    });
    it("a wrong output name", async () => {
      const m = meta();
      m.output.name = "pooler_output";
      await refuse(m, "no output named pooler_output");
    });
    it("text embeddings narrower than the image embedding", async () => {
      const m = meta();
      m.labels[0]?.text_embed.pop();
      await refuse(m, "1151-wide text embedding");
    });
    it("schema violations (unknown risk, missing fields)", async () => {
      const m = meta() as unknown as { labels: { risk: string }[] };
      if (m.labels[0]) m.labels[0].risk = "ORANGE";
      await refuse(m, "/labels/0/risk");
      await refuse({ format: "something-else" }, "schema");
    });
    it("yellow threshold above red", async () => {
      const m = meta();
      m.thresholds = { red: 0.3, yellow: 0.5 };
      await refuse(m, "yellow threshold");
    });
    it("a graph that is not a graph model", async () => {
      const source = readModelDir();
      const broken = {
        ...source,
        modelJson: {
          ...source.modelJson,
          modelTopology: { node: [{ name: "x", op: "NoSuchOp" }] },
        },
      };
      const loaded = await loadTriageModel(broken);
      expect(loaded.kind).toBe("bad-data");
    });
  });

  it("refuses a model whose decoded float32 weights exceed the memory budget", async () => {
    // The stand-in: 192×16 + 16 + 16×1152 + 1 + 1 floats and 4 + 2 + 1 ints, ×4 bytes.
    const bytes = 4 * (192 * 16 + 16 + 16 * 1152 + 1 + 1 + 4 + 2 + 1);
    expect(decodedWeightBytes(readModelDir().modelJson.weightsManifest[0]?.weights ?? [])).toBe(
      bytes,
    );
    const refused = await loadTriageModel(readModelDir(), { maxWeightBytes: bytes - 1 });
    expect(refused).toMatchObject({ kind: "bad-data" });
    if (refused.kind === "bad-data") expect(refused.message).toContain("budget");
    const fits = await loadTriageModel(readModelDir(), { maxWeightBytes: bytes });
    expect(fits.kind).toBe("ok");
    if (fits.kind === "ok") fits.model.graph.dispose();
  });

  it("treats a NaN, infinite, all-zero or wrongly sized embedding as a model failure", () => {
    expect(checkEmbedding([0.6, 0.8], 2)).toBeNull();
    expect(checkEmbedding([0.6, Number.NaN], 2)).toContain("NaN");
    expect(checkEmbedding([Infinity, 0], 2)).toContain("Infinity");
    expect(checkEmbedding([0, 0], 2)).toContain("zero");
    expect(checkEmbedding([1, 0, 0], 2)).toContain("expected 2");
  });

  it("checkTriageMeta accepts the committed fixture metadata", () => {
    expect(checkTriageMeta(readModelDir().meta).kind).toBe("ok");
  });
});
