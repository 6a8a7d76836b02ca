import * as tf from "@tensorflow/tfjs";
import { assessWithTriage } from "@/features/cases/assess-with-triage";
import type { AssessCase } from "@/features/cases/assessment";
import { loadTriageModel } from "@/features/triage/api";
import type { TriageModel } from "@/features/triage/api";
import modelJsonUrl from "../assets/models/triage-stand-in/model.json?url";
import weightsUrl from "../assets/models/triage-stand-in/group1-shard1of1.bin?url";
import metaUrl from "../assets/models/triage-stand-in/triage-meta.json?url";

/*
 * Loaded on the first assessment (its own chunk, with tfjs). The model files are in the service
 * worker's precache, so this works offline after the first visit.
 */

async function loadStandInModel(): Promise<TriageModel | null> {
  await tf.setBackend("cpu");
  const [modelJson, weights, meta] = await Promise.all([
    fetch(modelJsonUrl).then((r) => r.json() as Promise<tf.io.ModelJSON>),
    fetch(weightsUrl).then((r) => r.arrayBuffer()),
    fetch(metaUrl).then((r) => r.json() as Promise<unknown>),
  ]);
  const loaded = await loadTriageModel({ kind: "artifacts", modelJson, weights, meta });
  return loaded.kind === "ok" ? loaded.model : null;
}

/** The assessment over the stand-in model (rules alone if it cannot load). */
export function standInAssess(): AssessCase {
  return assessWithTriage(loadStandInModel().catch(() => null));
}
