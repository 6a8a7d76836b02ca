import * as tf from "@tensorflow/tfjs";
import { loadTriageModel } from "@/features/triage/load-model";
import type { TriageModel } from "@/features/triage/load-model";
import { readModelDir } from "../../scripts/read-model-dir";

/**
 * The generated stand-in model (mobile/assets/models/triage-stand-in), loaded as the app would,
 * on tfjs's CPU backend. The caller disposes of its graph.
 */
export async function loadStandInModel(): Promise<TriageModel> {
  tf.env().set("IS_TEST", true); // silences tfjs's "install tfjs-node" banner
  await tf.setBackend("cpu");
  const loaded = await loadTriageModel(readModelDir());
  if (loaded.kind !== "ok") throw new Error(loaded.message);
  return loaded.model;
}
