import type { io } from "@tensorflow/tfjs";
import { mulberry32 } from "./synthetic-photos";

/**
 * The tiny stand-in for MedSigLIP's image tower, written as a tfjs *graph model* (the format
 * `tensorflowjs_converter --output_format=tfjs_graph_model` produces, which is what a real
 * converted MedSigLIP will be), so tests and the benchmark run the same load → execute path.
 * There is no Python or TensorFlow here, so the GraphDef JSON is written by hand: the node and
 * attribute encoding is the converter's (string attrs base64, ints as strings, Const values in
 * the weights manifest under the node's name).
 *
 * Same I/O as MedSigLIP (reference §5.1): input `pixel_values` float32 [-1, 3, 448, 448] (NCHW,
 * values in [-1, 1]); output `image_embeds` float32 [-1, 1152], L2-normalised.
 *
 *   pixel_values → Reshape [-1, 448, 448, 1] (one plane per colour) → AvgPool 56×56
 *   → Reshape [-1, 192] (3×8×8 patch colours)
 *   → MatMul 192×16 → BiasAdd → Tanh → MatMul 16×1152 → L2-normalise (Square, Sum, Maximum,
 *   Rsqrt, Mul) = image_embeds
 *
 * The 16×1152 kernel is stored uint8-quantized (min/scale), as `--quantize_uint8` would store it,
 * so the dequantizing load path is exercised too. ~33 KB of weights.
 */

/** Input side, tensor names and widths of the stand-in (those of MedSigLIP-448). */
export const STAND_IN = {
  inputName: "pixel_values",
  outputName: "image_embeds",
  size: 448,
  pool: 56,
  hidden: 16,
  embedDim: 1152,
  seed: 20261121,
} as const;

/** The weights file name the manifest points to. */
export const WEIGHTS_FILE = "group1-shard1of1.bin";

type Dim = { size: string };
type AttrValue =
  | { type: string }
  | { s: string }
  | { b: boolean }
  | { i: string }
  | { list: { i: string[] } }
  | { shape: { dim?: Dim[]; unknownRank?: boolean } }
  | { tensor: { dtype: string; tensorShape: { dim?: Dim[] } } };

interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}

interface Weight {
  spec: io.WeightsManifestEntry;
  bytes: Uint8Array;
}

const F32 = { type: "DT_FLOAT" };
const I32 = { type: "DT_INT32" };
const base64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
const dims = (shape: readonly number[]): { dim?: Dim[] } =>
  shape.length === 0 ? {} : { dim: shape.map((n) => ({ size: String(n) })) };

/** Seeded normal samples (Box–Muller over mulberry32). */
function normals(count: number, std: number, random: () => number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i += 2) {
    const u = Math.max(random(), 1e-12);
    const v = random();
    const radius = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = radius * Math.cos(2 * Math.PI * v);
    if (i + 1 < count) out[i + 1] = radius * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** Quantize to uint8 the way tensorflowjs_converter does: value ≈ q · scale + min. */
export function quantizeUint8(values: Float32Array): { q: Uint8Array; min: number; scale: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const scale = (max - min) / 255 || 1;
  const q = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.round(((values[i] ?? 0) - min) / scale);
  return { q, min, scale };
}

/** The stand-in graph model: model.json contents and the weights shard, deterministic. */
export function buildStandInModel(): { modelJson: io.ModelJSON; weightData: Uint8Array } {
  const { size, pool, hidden, embedDim, inputName, outputName } = STAND_IN;
  const patches = (size / pool) ** 2 * 3;
  const random = mulberry32(STAND_IN.seed);
  const nodes: GraphNode[] = [];
  const weights: Weight[] = [];

  const constNode = (
    name: string,
    dtype: "float32" | "int32",
    shape: number[],
    bytes: Uint8Array,
    quantization?: io.WeightsManifestEntry["quantization"],
  ): string => {
    const tfType = dtype === "float32" ? "DT_FLOAT" : "DT_INT32";
    nodes.push({
      name,
      op: "Const",
      attr: {
        value: { tensor: { dtype: tfType, tensorShape: dims(shape) } },
        dtype: { type: tfType },
      },
    });
    weights.push({
      spec: { name, shape, dtype, ...(quantization ? { quantization } : {}) },
      bytes,
    });
    return name;
  };
  const f32 = (values: Float32Array): Uint8Array => new Uint8Array(values.buffer.slice(0));
  const i32 = (values: number[]): Uint8Array => new Uint8Array(Int32Array.from(values).buffer);
  const op = (
    name: string,
    opName: string,
    input: string[],
    attr: Record<string, AttrValue>,
  ): string => {
    nodes.push({ name, op: opName, input, attr });
    return name;
  };

  const x = inputName;
  nodes.push({
    name: x,
    op: "Placeholder",
    attr: { dtype: F32, shape: { shape: dims([-1, 3, size, size]) } },
  });
  // tfjs pools only NHWC. Reading each NCHW colour plane as a one-channel NHWC image needs
  // no data movement, unlike a Transpose (which the tfjs CPU backend makes slow).
  const planesShape = constNode("stand_in/planes/shape", "int32", [4], i32([-1, size, size, 1]));
  const planes = op("stand_in/planes", "Reshape", [x, planesShape], { T: F32, Tshape: I32 });
  const pooled = op("stand_in/patch_pool", "AvgPool", [planes], {
    T: F32,
    ksize: { list: { i: ["1", String(pool), String(pool), "1"] } },
    strides: { list: { i: ["1", String(pool), String(pool), "1"] } },
    padding: { s: base64("VALID") },
    data_format: { s: base64("NHWC") },
  });
  const flatShape = constNode("stand_in/flatten/shape", "int32", [2], i32([-1, patches]));
  const flat = op("stand_in/flatten", "Reshape", [pooled, flatShape], { T: F32, Tshape: I32 });

  const k1 = constNode(
    "stand_in/proj1/kernel",
    "float32",
    [patches, hidden],
    f32(normals(patches * hidden, 1 / Math.sqrt(patches), random)),
  );
  const b1 = constNode(
    "stand_in/proj1/bias",
    "float32",
    [hidden],
    f32(normals(hidden, 0.1, random)),
  );
  const matmul = { T: F32, transpose_a: { b: false }, transpose_b: { b: false } };
  const h1 = op("stand_in/proj1", "MatMul", [flat, k1], matmul);
  const h1b = op("stand_in/proj1/add", "BiasAdd", [h1, b1], {
    T: F32,
    data_format: { s: base64("NHWC") },
  });
  // Tanh after a gain of 3 spreads the near-identical skin tones over the curve's steep part.
  const gain = constNode("stand_in/gain", "float32", [], f32(Float32Array.of(3)));
  const h1g = op("stand_in/gain/mul", "Mul", [h1b, gain], { T: F32 });
  const act = op("stand_in/act", "Tanh", [h1g], { T: F32 });

  const { q, min, scale } = quantizeUint8(normals(hidden * embedDim, 0.25, random));
  const k2 = constNode("stand_in/proj2/kernel", "float32", [hidden, embedDim], q, {
    dtype: "uint8",
    min,
    scale,
  });
  const embed = op("stand_in/proj2", "MatMul", [act, k2], matmul);

  const squared = op("stand_in/l2/square", "Square", [embed], { T: F32 });
  const axis = constNode("stand_in/l2/axis", "int32", [1], i32([1]));
  const sum = op("stand_in/l2/sum", "Sum", [squared, axis], {
    T: F32,
    Tidx: I32,
    keep_dims: { b: true },
  });
  const eps = constNode("stand_in/l2/eps", "float32", [], f32(Float32Array.of(1e-12)));
  const safe = op("stand_in/l2/max", "Maximum", [sum, eps], { T: F32 });
  const inv = op("stand_in/l2/rsqrt", "Rsqrt", [safe], { T: F32 });
  op(outputName, "Mul", [embed, inv], { T: F32 });

  const tensorInfo = (name: string, shape: number[]) => ({
    name: `${name}:0`,
    dtype: "DT_FLOAT",
    tensorShape: dims(shape),
  });
  const modelJson: io.ModelJSON = {
    format: "graph-model",
    generatedBy: "dermadetect mobile/scripts/generate-triage-model.ts",
    convertedBy: null,
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    signature: {
      inputs: { [inputName]: tensorInfo(inputName, [-1, 3, size, size]) },
      outputs: { [outputName]: tensorInfo(outputName, [-1, embedDim]) },
    },
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: weights.map((w) => w.spec) }],
  };

  const total = weights.reduce((n, w) => n + w.bytes.length, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const w of weights) {
    weightData.set(w.bytes, offset);
    offset += w.bytes.length;
  }
  return { modelJson, weightData };
}
