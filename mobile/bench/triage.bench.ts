/**
 * On-device triage benchmark (issue 7): time per photo with the stand-in MedSigLIP model, split
 * into decode (JPEG bytes → RGB, pure JS), preprocess (resize + scale + tensor), inference (graph
 * execute + read the embedding) and scoring (zero-shot scores + risk mapping), on the tfjs CPU
 * and WASM backends, side by side in
 * one process; and the process memory (RSS, JS heap, tfjs tensor bytes) while triaging.
 * The stand-in is ~30 KB and does ~1 MFLOP after preprocessing, so the figures measure the
 * pipeline and the backends' fixed costs, not MedSigLIP's ~1 TFLOP forward pass.
 */
import * as tf from "@tensorflow/tfjs";
import * as jpeg from "jpeg-js";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import path from "node:path";
import type { Bench, BenchResult, LatencySummary } from "../../bench/types";
import { percentile } from "../../bench/types";
import { readModelDir } from "../scripts/read-model-dir";
import type { SyntheticKind } from "../scripts/synthetic-photos";
import { syntheticPhoto, SYNTHETIC_KINDS } from "../scripts/synthetic-photos";
import type { EncodedPhoto } from "../src/features/triage/decode-photo";
import { decodePhoto } from "../src/features/triage/decode-photo";
import type { TriageModel } from "../src/features/triage/load-model";
import { embedImage, loadTriageModel } from "../src/features/triage/load-model";
import { preprocessImage } from "../src/features/triage/preprocess";
import { triageCase } from "../src/features/triage/triage";
import { modelRisk, scoreEmbedding } from "../src/features/triage/zero-shot";

const PHOTOS = 30;
const WARMUP = 3;
/** Photos as the app's photo pipeline hands them over: at most 1024 px on the long side. */
const WIDTH = 1024;
const HEIGHT = 768;
const MB = 1024 * 1024;

interface Stages {
  decode: number[];
  preprocess: number[];
  inference: number[];
  scoring: number[];
  total: number[];
}

/** A synthetic photo as the photo pipeline stores it: JPEG, quality 85. */
function capturedPhoto(kind: SyntheticKind, seed: number): EncodedPhoto {
  const rgb = syntheticPhoto(kind, WIDTH, HEIGHT, { seed, channels: 4 });
  const data = jpeg.encode({ width: WIDTH, height: HEIGHT, data: rgb.data }, 85).data;
  return { bytes: new Uint8Array(data), contentType: "image/jpeg" };
}

/** The WASM binaries ship inside the npm package: point the backend at them, no download. */
function pointWasmAtPackage(): void {
  const dist = path.join(
    path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")),
    "dist",
  );
  setWasmPaths(`${dist}${path.sep}`);
}

async function loadModel(): Promise<TriageModel> {
  const loaded = await loadTriageModel(readModelDir());
  if (loaded.kind !== "ok") throw new Error(`stand-in model did not load: ${loaded.message}`);
  return loaded.model;
}

/** Triage PHOTOS photos stage by stage; sample memory after each. */
async function measure(
  model: TriageModel,
  memory: { rss: number; heap: number; tfBytes: number },
  photos: readonly EncodedPhoto[],
): Promise<Stages> {
  const stages: Stages = { decode: [], preprocess: [], inference: [], scoring: [], total: [] };
  for (let i = 0; i < WARMUP + PHOTOS; i++) {
    const photo = photos[i % photos.length];
    if (!photo) continue;
    const tDecode = performance.now();
    const decoded = decodePhoto(photo);
    if (decoded.kind !== "ok") throw new Error(decoded.message);
    const t0 = performance.now();
    const pixels = preprocessImage(decoded.image, model.meta.input);
    const t1 = performance.now();
    const embedding = await embedImage(model, pixels);
    const t2 = performance.now();
    const scores = scoreEmbedding(embedding, model.meta);
    modelRisk(scores, model.meta.thresholds);
    const t3 = performance.now();
    const tfBytes = tf.memory().numBytes;
    pixels.dispose();
    const usage = process.memoryUsage();
    memory.rss = Math.max(memory.rss, usage.rss);
    memory.heap = Math.max(memory.heap, usage.heapUsed);
    memory.tfBytes = Math.max(memory.tfBytes, tfBytes);
    if (i < WARMUP) continue;
    stages.decode.push(t0 - tDecode);
    stages.preprocess.push(t1 - t0);
    stages.inference.push(t2 - t1);
    stages.scoring.push(t3 - t2);
    // Decoding is plain JS, the same on both backends: kept out of the per-backend total.
    stages.total.push(t3 - t0);
  }
  return stages;
}

const round = (v: number, places = 2): number => Math.round(v * 10 ** places) / 10 ** places;

const triageBench: Bench = {
  name: "triage",
  needs: "none",
  async run(): Promise<BenchResult[]> {
    tf.enableProdMode(); // as a release build would; also silences the "install tfjs-node" banner
    pointWasmAtPackage();
    const figures: Record<string, number> = {};
    const latency: LatencySummary[] = [];
    const memory = { rss: 0, heap: 0, tfBytes: 0 };
    // Encode the test photos before the memory baseline: the encoder is the bench's, not the app's.
    const photos = SYNTHETIC_KINDS.map((kind, i) => capturedPhoto(kind, 100 + i));
    const melanoma = capturedPhoto("melanoma", 7);
    const baseline = process.memoryUsage();
    figures.rss_before_mb = round(baseline.rss / MB, 1);
    figures.heap_before_mb = round(baseline.heapUsed / MB, 1);
    const p50: Record<string, number> = {};

    for (const backend of ["cpu", "wasm"] as const) {
      if (!(await tf.setBackend(backend)))
        throw new Error(`tfjs backend ${backend} did not initialise`);
      await tf.ready();
      const loadStart = performance.now();
      const model = await loadModel();
      figures[`${backend}_model_load_ms`] = round(performance.now() - loadStart);
      const tensorsBefore = tf.memory().numTensors;
      const stages = await measure(model, memory, photos);
      // Whole triageCase (rules + model) once more, to show the wrapper adds nothing measurable.
      const e2e: number[] = [];
      const answers = { body_site: "arm", duration_days: 10, symptoms: ["pain"], danger_signs: [] };
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        await triageCase({ answers, photos: [melanoma] }, model);
        e2e.push(performance.now() - t);
      }
      figures[`${backend}_tensors_leaked`] = tf.memory().numTensors - tensorsBefore;
      model.graph.dispose();
      for (const [stage, samples] of Object.entries({ ...stages, triage_case: e2e })) {
        figures[`${backend}_${stage}_p50_ms`] = round(percentile(samples, 50));
        figures[`${backend}_${stage}_p95_ms`] = round(percentile(samples, 95));
        p50[`${backend}_${stage}`] = percentile(samples, 50);
        latency.push({
          label: `${backend} ${stage.replace("_", " ")}`,
          samples: samples.length,
          p50: round(percentile(samples, 50)),
          p95: round(percentile(samples, 95)),
          p99: round(percentile(samples, 99)),
        });
      }
    }
    figures.wasm_over_cpu_inference_p50 = round(
      (p50.wasm_inference ?? 0) / (p50.cpu_inference ?? 1),
      3,
    );
    figures.wasm_over_cpu_total_p50 = round((p50.wasm_total ?? 0) / (p50.cpu_total ?? 1), 3);
    figures.rss_peak_mb = round(memory.rss / MB, 1);
    figures.heap_used_peak_mb = round(memory.heap / MB, 1);
    figures.rss_growth_while_triaging_mb = round((memory.rss - baseline.rss) / MB, 1);
    figures.heap_growth_while_triaging_mb = round((memory.heap - baseline.heapUsed) / MB, 1);
    figures.tf_tensor_bytes_peak_mb = round(memory.tfBytes / MB, 2);

    return [
      {
        id: "triage.per-photo-cpu-vs-wasm",
        issue: 7,
        title: "On-device triage per photo (stand-in MedSigLIP, 1024×768 JPEG), tfjs CPU vs WASM",
        figures,
        latency,
        notes:
          `${PHOTOS} photos per backend after ${WARMUP} warm-up, one process, Node ${process.version}, ` +
          `@tensorflow/tfjs ${tf.version.tfjs}. Stand-in model (~30 KB, ~1 MFLOP): figures cover ` +
          "preprocessing, backend overheads and scoring, not MedSigLIP's ~1 TFLOP image tower " +
          "(see mobile/README.md, Triage model). total = preprocess + inference + scoring; decode " +
          "(jpeg-js, backend-independent) is separate; triage_case = triageCase() from JPEG bytes, " +
          "rules included. Memory is the whole Node process (tfjs and jpeg-js included).",
      },
    ];
  },
};

// mobile/ is a CommonJS package (React Native tooling): `export =` makes the module itself the
// Bench, so bench/run.ts's ESM `import()` finds it as the default export.
export = triageBench;
