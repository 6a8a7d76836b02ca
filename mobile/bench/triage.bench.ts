/**
 * On-device triage benchmark (issue 7): time per photo with the stand-in MedSigLIP model, split
 * into preprocess (resize + scale + tensor), inference (graph execute + read the embedding) and
 * scoring (zero-shot scores + risk mapping), on the tfjs CPU and WASM backends, side by side in
 * one process; and the process memory (RSS, JS heap, tfjs tensor bytes) while triaging.
 * The stand-in is ~30 KB and does ~1 MFLOP after preprocessing, so the figures measure the
 * pipeline and the backends' fixed costs, not MedSigLIP's ~1 TFLOP forward pass.
 */
import * as tf from "@tensorflow/tfjs";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import path from "node:path";
import type { Bench, BenchResult, LatencySummary } from "../../bench/types";
import { percentile } from "../../bench/types";
import { readModelDir } from "../scripts/read-model-dir";
import { syntheticPhoto, SYNTHETIC_KINDS } from "../scripts/synthetic-photos";
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
  preprocess: number[];
  inference: number[];
  scoring: number[];
  total: number[];
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
): Promise<Stages> {
  const stages: Stages = { preprocess: [], inference: [], scoring: [], total: [] };
  const photos = SYNTHETIC_KINDS.map((kind, i) =>
    syntheticPhoto(kind, WIDTH, HEIGHT, { seed: 100 + i }),
  );
  for (let i = 0; i < WARMUP + PHOTOS; i++) {
    const photo = photos[i % photos.length];
    if (!photo) continue;
    const t0 = performance.now();
    const pixels = preprocessImage(photo, model.meta.input);
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
    stages.preprocess.push(t1 - t0);
    stages.inference.push(t2 - t1);
    stages.scoring.push(t3 - t2);
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
      const stages = await measure(model, memory);
      // Whole triageCase (rules + model) once more, to show the wrapper adds nothing measurable.
      const e2e: number[] = [];
      const answers = { body_site: "arm", duration_days: 10, symptoms: ["pain"], danger_signs: [] };
      const photo = syntheticPhoto("melanoma", WIDTH, HEIGHT, { seed: 7 });
      for (let i = 0; i < 10; i++) {
        const t = performance.now();
        await triageCase({ answers, photos: [photo] }, model);
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
    figures.tf_tensor_bytes_peak_mb = round(memory.tfBytes / MB, 2);

    return [
      {
        id: "triage.per-photo-cpu-vs-wasm",
        issue: 7,
        title: "On-device triage per photo (stand-in MedSigLIP, 1024×768 photo), tfjs CPU vs WASM",
        figures,
        latency,
        notes:
          `${PHOTOS} photos per backend after ${WARMUP} warm-up, one process, Node ${process.version}, ` +
          `@tensorflow/tfjs ${tf.version.tfjs}. Stand-in model (~30 KB, ~1 MFLOP): figures cover ` +
          "preprocessing, backend overheads and scoring, not MedSigLIP's ~1 TFLOP image tower " +
          "(see mobile/README.md, Triage model). Memory is the whole Node process, tfjs included.",
      },
    ];
  },
};

// mobile/ is a CommonJS package (React Native tooling): `export =` makes the module itself the
// Bench, so bench/run.ts's ESM `import()` finds it as the default export.
export = triageBench;
