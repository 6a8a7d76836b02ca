import type { io } from "@tensorflow/tfjs";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ModelSource } from "../src/features/triage/load-model";

/**
 * Node only (tests, benchmark, scripts): read a model directory laid out as the app bundles it
 * (model.json, its weight shards, triage-meta.json) into the ModelSource the loader takes.
 */

/** The committed stand-in fixture, relative to this file. */
export const STAND_IN_DIR = path.join(__dirname, "..", "assets", "models", "triage-stand-in");

const arrayBuffer = (file: string): ArrayBuffer => {
  const bytes = readFileSync(file);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
};

/** Read `dir` into an "artifacts" model source. */
export function readModelDir(
  dir: string = STAND_IN_DIR,
): Extract<ModelSource, { kind: "artifacts" }> {
  const modelJson = JSON.parse(readFileSync(path.join(dir, "model.json"), "utf8")) as io.ModelJSON;
  const weights = modelJson.weightsManifest.flatMap((group) =>
    group.paths.map((shard) => arrayBuffer(path.join(dir, shard))),
  );
  const meta: unknown = JSON.parse(readFileSync(path.join(dir, "triage-meta.json"), "utf8"));
  return { kind: "artifacts", modelJson, weights, meta };
}
