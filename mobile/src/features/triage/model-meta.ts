import { Ajv } from "ajv";
import type { RiskLevel } from "./risk";

/**
 * The sidecar metadata shipped next to a triage model's model.json (`triage-meta.json`). It pins
 * the MedSigLIP I/O contract the code relies on (input name, layout, size; output name and width),
 * the zero-shot head (label prompts, their text embeddings computed offline, logit scale and bias)
 * and the calibrated thresholds. Format documented in mobile/README.md ("Triage model").
 */

/** Format tag every metadata file carries. */
export const TRIAGE_META_FORMAT = "dermadetect-triage-model";
/** The metadata format version this code reads. */
export const TRIAGE_META_VERSION = 1;
/** The label every result of a fixture model carries (docs/design.md §8). */
export const DEMO_MODEL_LABEL = "demo model — not for clinical use";

/** One zero-shot label: the text prompt, its embedding and the risk it stands for. */
export interface ZeroShotLabel {
  id: string;
  prompt: string;
  risk: RiskLevel;
  /** The text tower's embedding of `prompt`, same width as the image embedding. */
  text_embed: number[];
}

/** Score thresholds that map label probabilities to a model risk (see zero-shot.ts). */
export interface RiskThresholds {
  /** A RED label at or above this probability makes the model's risk RED. */
  red: number;
  /** A RED or YELLOW label at or above this probability makes it at least YELLOW. */
  yellow: number;
  /** Optional: when no label reaches this probability the model is unsure, so YELLOW. */
  uncertain_below?: number;
}

/** The parsed and validated `triage-meta.json`. */
export interface TriageModelMeta {
  format: typeof TRIAGE_META_FORMAT;
  format_version: typeof TRIAGE_META_VERSION;
  model_id: string;
  model_version: string;
  /** True for test fixtures: every result is labelled DEMO_MODEL_LABEL. */
  fixture: boolean;
  input: {
    name: string;
    /** MedSigLIP's serving contract is NCHW; converted models may take NHWC. */
    layout: "NCHW" | "NHWC";
    size: number;
  };
  output: { name: string; dim: number };
  /** MedSigLIP's raw `logit_scale` (log form): scores use exp(logit_scale). */
  logit_scale: number;
  logit_bias: number;
  thresholds: RiskThresholds;
  labels: ZeroShotLabel[];
}

const name = { type: "string", minLength: 1, maxLength: 128 } as const;
const probability = { type: "number", minimum: 0, maximum: 1 } as const;
const risk = { type: "string", enum: ["RED", "YELLOW", "GREEN"] } as const;

/** JSON Schema of `triage-meta.json`. */
export const triageMetaSchema = {
  $id: "triage-meta",
  type: "object",
  additionalProperties: false,
  required: [
    "format",
    "format_version",
    "model_id",
    "model_version",
    "fixture",
    "input",
    "output",
    "logit_scale",
    "logit_bias",
    "thresholds",
    "labels",
  ],
  properties: {
    format: { type: "string", const: TRIAGE_META_FORMAT },
    format_version: { type: "integer", const: TRIAGE_META_VERSION },
    model_id: name,
    model_version: name,
    fixture: { type: "boolean" },
    input: {
      type: "object",
      additionalProperties: false,
      required: ["name", "layout", "size"],
      properties: {
        name,
        layout: { type: "string", enum: ["NCHW", "NHWC"] },
        size: { type: "integer", minimum: 1, maximum: 4096 },
      },
    },
    output: {
      type: "object",
      additionalProperties: false,
      required: ["name", "dim"],
      properties: { name, dim: { type: "integer", minimum: 1, maximum: 8192 } },
    },
    logit_scale: { type: "number", minimum: -20, maximum: 20 },
    logit_bias: { type: "number", minimum: -100, maximum: 100 },
    thresholds: {
      type: "object",
      additionalProperties: false,
      required: ["red", "yellow"],
      properties: { red: probability, yellow: probability, uncertain_below: probability },
    },
    labels: {
      type: "array",
      minItems: 1,
      maxItems: 32,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["id", "prompt", "risk", "text_embed"],
        properties: {
          id: { type: "string", minLength: 1, maxLength: 64 },
          prompt: { type: "string", minLength: 1, maxLength: 256 },
          risk,
          text_embed: {
            type: "array",
            minItems: 1,
            maxItems: 8192,
            items: { type: "number", minimum: -1000, maximum: 1000 },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv({ strict: true, allErrors: false });
const validate = ajv.compile<TriageModelMeta>(triageMetaSchema);

/** Why metadata was refused. */
export type MetaCheck =
  { kind: "ok"; meta: TriageModelMeta } | { kind: "bad-data"; message: string };

/** Validate parsed metadata JSON, including what a schema cannot say (widths, threshold order). */
export function checkTriageMeta(json: unknown): MetaCheck {
  if (!validate(json)) {
    const first = validate.errors?.[0];
    return {
      kind: "bad-data",
      message: `triage metadata does not match its schema at ${first?.instancePath || "/"}: ${first?.message ?? "invalid"}`,
    };
  }
  const meta = json;
  const wrongWidth = meta.labels.find((l) => l.text_embed.length !== meta.output.dim);
  if (wrongWidth) {
    return {
      kind: "bad-data",
      message: `label ${wrongWidth.id} has a ${wrongWidth.text_embed.length}-wide text embedding, the model outputs ${meta.output.dim}`,
    };
  }
  const ids = new Set(meta.labels.map((l) => l.id));
  if (ids.size !== meta.labels.length) return { kind: "bad-data", message: "label ids repeat" };
  if (meta.thresholds.yellow > meta.thresholds.red) {
    return { kind: "bad-data", message: "the yellow threshold is above the red one" };
  }
  return { kind: "ok", meta };
}
