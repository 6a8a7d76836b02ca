/**
 * Generates the stand-in triage model into mobile/assets/models/triage-stand-in/:
 * model.json + group1-shard1of1.bin (a tfjs graph model with MedSigLIP's image-tower I/O, see
 * stand-in-model.ts) and triage-meta.json (zero-shot labels with their text embeddings, logit
 * scale/bias, thresholds, `fixture: true`). Deterministic: rerunning gives identical bytes, which
 * a test checks against the committed files.
 *
 *   npm run -w mobile generate:model            # writes the committed fixture
 *   npm run -w mobile generate:model -- <dir>   # writes elsewhere
 */
import * as tf from "@tensorflow/tfjs";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { TriageModelMeta, ZeroShotLabel } from "../src/features/triage/model-meta";
import { TRIAGE_META_FORMAT, TRIAGE_META_VERSION } from "../src/features/triage/model-meta";
import { embedImage } from "../src/features/triage/load-model";
import { preprocessImage } from "../src/features/triage/preprocess";
import { STAND_IN_DIR } from "./read-model-dir";
import { buildStandInModel, STAND_IN, WEIGHTS_FILE } from "./stand-in-model";
import type { SyntheticKind } from "./synthetic-photos";
import { SYNTHETIC_KINDS, syntheticPhoto } from "./synthetic-photos";

/** The fixture's labels: one per synthetic photo kind. */
const LABELS: Record<SyntheticKind, Pick<ZeroShotLabel, "prompt" | "risk">> = {
  melanoma: { prompt: "a photo of melanoma", risk: "RED" },
  skin_infection: { prompt: "a photo of an infected wound with spreading cellulitis", risk: "RED" },
  eczema: { prompt: "a photo of eczema", risk: "YELLOW" },
  benign_naevus: { prompt: "a photo of a benign mole", risk: "GREEN" },
  normal_skin: { prompt: "a photo of normal skin", risk: "GREEN" },
};

/** Logit bias of the fixture: an unrelated label (cosine ≈ 0) scores sigmoid(-4) ≈ 0.018. */
const LOGIT_BIAS = -4;
/** A label's own prototype photo scores at least sigmoid(8 + LOGIT_BIAS) ≈ 0.982. */
const OWN_LOGIT_MARGIN = 8;

/** Solve A x = b for a small dense system (Gaussian elimination, partial pivoting). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i] ?? 0]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r]![col]!) > Math.abs(m[pivot]![col]!)) pivot = r;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = m[r]![col]! / m[col]![col]!;
      for (let c = col; c <= n; c++) m[r]![c]! -= f * m[col]![c]!;
    }
  }
  return m.map((row, i) => row[n]! / row[i]!);
}

const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;

/**
 * Text embeddings for the fixture. A real model gets them from MedSigLIP's text tower; here each
 * label's "text" vector is chosen in the span of the prototype image embeddings so that it is
 * orthogonal to every other prototype: photo kind k then scores high on label k only.
 */
function textEmbeddings(images: Float32Array[]): { embeds: number[][]; minOwnCosine: number } {
  const gram = images.map((a) => images.map((b) => a.reduce((s, v, j) => s + v * (b[j] ?? 0), 0)));
  const embeds: number[][] = [];
  let minOwnCosine = 1;
  images.forEach((_, k) => {
    const coeffs = solve(
      gram,
      images.map((__, j) => (j === k ? 1 : 0)),
    );
    const t = Array.from({ length: images[0]?.length ?? 0 }, (__, d) =>
      coeffs.reduce((s, c, j) => s + c * (images[j]?.[d] ?? 0), 0),
    );
    const norm = Math.hypot(...t);
    embeds.push(t.map((v) => round6(v / norm)));
    minOwnCosine = Math.min(minOwnCosine, 1 / norm);
  });
  return { embeds, minOwnCosine };
}

/** Build the three fixture files in memory. */
export async function generateTriageFixture(): Promise<Record<string, Uint8Array>> {
  const { modelJson, weightData } = buildStandInModel();
  const graph = await tf.loadGraphModel({
    load: () =>
      Promise.resolve(
        tf.io.getModelArtifactsForJSONSync(
          modelJson,
          tf.io.getWeightSpecs(modelJson.weightsManifest),
          weightData.slice().buffer,
        ),
      ),
  });
  const base: Omit<TriageModelMeta, "logit_scale" | "labels"> = {
    format: TRIAGE_META_FORMAT,
    format_version: TRIAGE_META_VERSION,
    model_id: "medsiglip-448-stand-in",
    model_version: "fixture-1",
    fixture: true,
    input: { name: STAND_IN.inputName, layout: "NCHW", size: STAND_IN.size },
    output: { name: STAND_IN.outputName, dim: STAND_IN.embedDim },
    logit_bias: LOGIT_BIAS,
    thresholds: { red: 0.5, yellow: 0.3, uncertain_below: 0.2 },
  };
  const provisional: TriageModelMeta = { ...base, logit_scale: 0, labels: [] };
  const images: Float32Array[] = [];
  for (const kind of SYNTHETIC_KINDS) {
    const pixels = preprocessImage(syntheticPhoto(kind, 224, 224, { seed: 1 }), base.input);
    images.push(await embedImage({ meta: provisional, graph }, pixels));
    pixels.dispose();
  }
  graph.dispose();
  const { embeds, minOwnCosine } = textEmbeddings(images);
  const meta: TriageModelMeta = {
    ...base,
    logit_scale: round6(Math.log(OWN_LOGIT_MARGIN / minOwnCosine)),
    labels: SYNTHETIC_KINDS.map((kind, k) => ({
      id: kind,
      ...LABELS[kind],
      text_embed: embeds[k] ?? [],
    })),
  };
  const text = (value: unknown): Uint8Array =>
    new TextEncoder().encode(`${JSON.stringify(value)}\n`);
  return {
    "model.json": text(modelJson),
    [WEIGHTS_FILE]: weightData,
    "triage-meta.json": text(meta),
  };
}

async function main(): Promise<void> {
  tf.enableProdMode();
  await tf.setBackend("cpu");
  const dir = path.resolve(process.argv[2] ?? STAND_IN_DIR);
  mkdirSync(dir, { recursive: true });
  const files = await generateTriageFixture();
  for (const [name, bytes] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), bytes);
    console.log(`wrote ${path.join(dir, name)} (${bytes.length} bytes)`);
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
