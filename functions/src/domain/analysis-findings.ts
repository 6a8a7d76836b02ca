import { Ajv } from "ajv";
import type { JSONSchemaType } from "ajv";

/** How likely one differential diagnosis is, as the model states it. */
export type Likelihood = "high" | "medium" | "low";

/** How soon the patient must be seen; `emergency` means same day. */
export type Urgency = "emergency" | "urgent" | "routine" | "self_care";

/** One candidate condition of the differential. */
export interface DifferentialItem {
  condition: string;
  likelihood: Likelihood;
  rationale?: string;
}

/** The structured answer MedGemma must return for one photo and for the synthesis. */
export interface Findings {
  differential: DifferentialItem[];
  urgency: Urgency;
  recommended_action: string;
  red_flags: string[];
  confidence: number;
  limitations: string[];
  image_quality?: "adequate" | "inadequate";
}

const shortText = { type: "string", minLength: 1, maxLength: 500 } as const;

/** JSON Schema of `Findings` (docs/design.md §2: closed objects, bounds on everything). */
export const findingsSchema: JSONSchemaType<Findings> = {
  $id: "ai-findings",
  type: "object",
  additionalProperties: false,
  required: [
    "differential",
    "urgency",
    "recommended_action",
    "red_flags",
    "confidence",
    "limitations",
  ],
  properties: {
    differential: {
      type: "array",
      minItems: 1,
      maxItems: 8,
      items: {
        type: "object",
        additionalProperties: false,
        required: ["condition", "likelihood"],
        properties: {
          condition: { type: "string", minLength: 1, maxLength: 200 },
          likelihood: { type: "string", enum: ["high", "medium", "low"] },
          rationale: { type: "string", maxLength: 500, nullable: true },
        },
      },
    },
    urgency: { type: "string", enum: ["emergency", "urgent", "routine", "self_care"] },
    recommended_action: shortText,
    red_flags: {
      type: "array",
      maxItems: 12,
      items: { type: "string", minLength: 1, maxLength: 300 },
    },
    confidence: { type: "number", minimum: 0, maximum: 1 },
    limitations: {
      type: "array",
      maxItems: 12,
      items: { type: "string", minLength: 1, maxLength: 300 },
    },
    image_quality: { type: "string", enum: ["adequate", "inadequate"], nullable: true },
  },
};

const ajv = new Ajv({ strict: true, allErrors: false });
const isFindings = ajv.compile(findingsSchema);

/** Outcome of reading a model answer: validated findings, or why it was refused. */
export type ParsedFindings =
  { ok: true; findings: Findings } | { ok: false; reason: "no_json" | "invalid_json" | "schema" };

/**
 * Finds the first balanced `{…}` in the text, skipping code fences and any prose or thinking
 * the model put around it (MedGemma 4B drifts from "JSON only" instructions; reference §4.1).
 * String literals are tracked so braces inside them do not end the object early.
 */
export function extractJsonObject(text: string): string | undefined {
  const afterThought = text.includes("<unused95>") ? text.split("<unused95>").pop()! : text;
  const start = afterThought.indexOf("{");
  if (start < 0) return undefined;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let i = start; i < afterThought.length; i++) {
    const c = afterThought[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return afterThought.slice(start, i + 1);
  }
  return undefined;
}

/** Parses and validates one model answer; never throws. */
export function parseFindings(text: string): ParsedFindings {
  const json = extractJsonObject(text);
  if (json === undefined) return { ok: false, reason: "no_json" };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, reason: "invalid_json" };
  }
  if (!isFindings(value)) return { ok: false, reason: "schema" };
  return { ok: true, findings: value };
}
