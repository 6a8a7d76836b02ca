import * as tf from "@tensorflow/tfjs";
import type { TriageModelMeta } from "./model-meta";
import { checkTriageMeta } from "./model-meta";

/**
 * Loads a triage model (a tfjs graph model with MedSigLIP's image-tower I/O) and its metadata.
 * The source is injected, so no file system or network code lives here: on the phone the app
 * passes bundled assets (an IOHandler such as tfjs-react-native's `bundleResourceIO`, or the
 * model.json object and the weight shards as ArrayBuffers); Node tests and the benchmark read
 * the generated files and pass them the same way. Nothing is ever downloaded.
 */

/** Where the model comes from. `meta` is the parsed `triage-meta.json`, validated here. */
export type ModelSource =
  | { kind: "io-handler"; handler: tf.io.IOHandler; meta: unknown }
  | {
      kind: "artifacts";
      modelJson: tf.io.ModelJSON;
      /** The shards in `weightsManifest` order (or already concatenated). */
      weights: ArrayBuffer | ArrayBuffer[];
      meta: unknown;
    };

/** A loaded model, ready to embed photos. */
export interface TriageModel {
  readonly meta: TriageModelMeta;
  readonly graph: tf.GraphModel;
}

/** Outcome of loading: the model, or why it cannot be used (the app then triages by rules). */
export type ModelLoadResult =
  { kind: "ok"; model: TriageModel } | { kind: "bad-data"; message: string };

function shapeOf(info: tf.ModelTensorInfo | undefined): number[] | undefined {
  return info?.shape;
}

/** Does a declared tensor shape fit the expected one? -1 and unknown dims match anything. */
function shapeFits(have: number[] | undefined, want: number[]): boolean {
  if (have === undefined) return true;
  return (
    have.length === want.length && have.every((d, i) => d === -1 || want[i] === -1 || d === want[i])
  );
}

/** Check the graph declares the tensors the metadata names, with fitting shapes. */
function checkGraph(graph: tf.GraphModel, meta: TriageModelMeta): string | null {
  const input = graph.inputs.find(
    (t) => t.name === meta.input.name || t.name === `${meta.input.name}:0`,
  );
  if (!input) return `the model has no input named ${meta.input.name}`;
  const { size, layout } = meta.input;
  const want = layout === "NCHW" ? [-1, 3, size, size] : [-1, size, size, 3];
  if (!shapeFits(shapeOf(input), want)) {
    return `input ${meta.input.name} has shape [${String(input.shape)}], metadata says ${layout} ${size}×${size}`;
  }
  const output = graph.outputs.find(
    (t) => t.name === meta.output.name || t.name === `${meta.output.name}:0`,
  );
  if (!output) return `the model has no output named ${meta.output.name}`;
  if (!shapeFits(shapeOf(output), [-1, meta.output.dim])) {
    return `output ${meta.output.name} has shape [${String(output.shape)}], metadata says width ${meta.output.dim}`;
  }
  return null;
}

/**
 * Float32 weight budget. tfjs dequantizes float16/uint8 weights to float32 on load, so the
 * float32 size, not the download size, is what the phone must hold (MedSigLIP's image tower:
 * ~1.6 GB). 256 MB leaves room for the app and activations on a 2 GB Android phone.
 */
export const DEFAULT_MAX_WEIGHT_BYTES = 256 * 1024 * 1024;

/** Bytes the weights take once tfjs has decoded them (4 per value, whatever the storage). */
export function decodedWeightBytes(specs: readonly tf.io.WeightsManifestEntry[]): number {
  return specs.reduce((sum, w) => sum + 4 * w.shape.reduce((n, d) => n * d, 1), 0);
}

async function readArtifacts(source: ModelSource): Promise<tf.io.ModelArtifacts> {
  if (source.kind === "io-handler") {
    if (!source.handler.load) throw new Error("the IOHandler cannot load");
    return source.handler.load();
  }
  const { modelJson, weights } = source;
  return tf.io.getModelArtifactsForJSONSync(
    modelJson,
    tf.io.getWeightSpecs(modelJson.weightsManifest),
    tf.io.concatenateArrayBuffers(weights),
  );
}

/** Loader options. */
export interface LoadOptions {
  /** Refuse models whose decoded weights exceed this many bytes (default 256 MB). */
  maxWeightBytes?: number;
}

/**
 * Validate the metadata, check the weights fit the memory budget, load the graph and check it
 * agrees with the metadata. Never throws for bad input: the app then triages by rules alone.
 */
export async function loadTriageModel(
  source: ModelSource,
  options: LoadOptions = {},
): Promise<ModelLoadResult> {
  const checked = checkTriageMeta(source.meta);
  if (checked.kind !== "ok") return checked;
  const { meta } = checked;
  const budget = options.maxWeightBytes ?? DEFAULT_MAX_WEIGHT_BYTES;
  const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  let artifacts: tf.io.ModelArtifacts;
  try {
    artifacts = await readArtifacts(source);
  } catch (e) {
    return { kind: "bad-data", message: `model files could not be read: ${message(e)}` };
  }
  const bytes = decodedWeightBytes(artifacts.weightSpecs ?? []);
  if (bytes > budget) {
    const mb = (n: number) => `${Math.round(n / (1024 * 1024))} MB`;
    return {
      kind: "bad-data",
      message: `model weights need ${mb(bytes)} as float32, above this device's ${mb(budget)} budget`,
    };
  }
  let graph: tf.GraphModel;
  try {
    graph = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    return { kind: "bad-data", message: `model graph failed to load: ${message(e)}` };
  }
  const problem = checkGraph(graph, meta);
  if (problem) {
    graph.dispose();
    return { kind: "bad-data", message: problem };
  }
  return { kind: "ok", model: { meta, graph } };
}

/**
 * Why an embedding cannot be scored, or null. A NaN or all-zero embedding would score every
 * label near sigmoid(logit_bias) and read as a reassuring GREEN, so it counts as a model failure.
 */
export function checkEmbedding(values: ArrayLike<number>, dim: number): string | null {
  if (values.length !== dim) return `${values.length} values, expected ${dim}`;
  let squares = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? Number.NaN;
    if (!Number.isFinite(v)) return `value ${i} is ${v}`;
    squares += v * v;
  }
  return squares > 0 ? null : "all values are zero";
}

/**
 * The image embedding of one preprocessed photo ([1, …] from preprocessImage), as a plain
 * array. The input stays the caller's; every intermediate tensor is disposed.
 */
export async function embedImage(model: TriageModel, pixels: tf.Tensor4D): Promise<Float32Array> {
  const { input, output } = model.meta;
  const feed = { [input.name]: pixels };
  let result: tf.Tensor | tf.Tensor[];
  try {
    result = model.graph.execute(feed, output.name);
  } catch {
    // Converted graphs with control flow or dynamic shapes only run through executeAsync.
    result = await model.graph.executeAsync(feed, output.name);
  }
  const tensor = Array.isArray(result) ? result[0] : result;
  if (!tensor) throw new Error(`model returned no ${output.name}`);
  try {
    const values = Float32Array.from(await tensor.data());
    const problem = checkEmbedding(values, output.dim);
    if (problem) throw new Error(`model output ${output.name}: ${problem}`);
    return values;
  } finally {
    tf.dispose(result);
  }
}
