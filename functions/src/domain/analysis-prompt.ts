import type { Findings } from "./analysis-findings";

/**
 * Version of the dermatology prompt. Bump it whenever any text below changes: it is stored in
 * every `ai_analysis`, so a doctor or an audit can tell which instructions produced a result.
 */
export const PROMPT_VERSION = "derm-triage-2026-11.v1";

/** Shown with every AI result (model card: outputs must not directly inform diagnosis). */
export const CLINICAL_DISCLAIMER =
  "AI decision support only (MedGemma). Not a diagnosis: a qualified clinician must review the " +
  "case, the photos and the patient before any treatment decision.";

/** One part of an OpenAI-style chat message. */
export type ChatContentPart =
  { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };

/** One chat message in the chatCompletions format both providers accept. */
export interface ChatMessage {
  role: "system" | "user";
  content: ChatContentPart[];
}

/** The structured triage facts sent to the model; free-text notes and demographics stay out. */
export interface PromptCase {
  risk_level: string;
  body_site?: string;
  duration_days?: number;
  symptoms: string[];
  danger_signs: string[];
  lesion?: Record<string, unknown>;
  on_device?: Record<string, unknown>;
}

// Gemma's chat template folds a system turn into the first user turn and reads only its first
// text part (reference §4.1), so the system message is exactly one short text part.
const SYSTEM =
  "You are an expert dermatologist supporting community health workers in low-resource " +
  "settings. Be cautious: when in doubt, escalate.";

const ANSWER_TEMPLATE = `Respond with only one JSON object, no prose and no code fences, exactly in this shape:
{"differential":[{"condition":"<name>","likelihood":"high|medium|low","rationale":"<one sentence>"}],
 "urgency":"emergency|urgent|routine|self_care",
 "recommended_action":"<one or two sentences for the health worker>",
 "red_flags":["<sign>"],
 "confidence":<number 0 to 1>,
 "limitations":["<what limits this assessment>"],
 "image_quality":"adequate|inadequate"}
List 1 to 5 conditions, most likely first.`;

function triageLines(c: PromptCase): string {
  const lines = [`risk_level_on_device: ${c.risk_level}`];
  if (c.body_site) lines.push(`body_site: ${c.body_site}`);
  if (c.duration_days !== undefined) lines.push(`duration_days: ${c.duration_days}`);
  lines.push(`symptoms: ${c.symptoms.join(", ") || "none reported"}`);
  lines.push(`danger_signs: ${c.danger_signs.join(", ") || "none reported"}`);
  if (c.lesion) lines.push(`lesion: ${JSON.stringify(c.lesion)}`);
  if (c.on_device) lines.push(`on_device_triage: ${JSON.stringify(c.on_device)}`);
  return lines.join("\n");
}

/**
 * The request for one photo. MedGemma was evaluated on single images only (model card), so each
 * photo gets its own call; the image comes before the text, as on the model card.
 */
export function imageMessages(c: PromptCase, imageDataUrl: string): ChatMessage[] {
  return [
    { role: "system", content: [{ type: "text", text: SYSTEM }] },
    {
      role: "user",
      content: [
        { type: "image_url", image_url: { url: imageDataUrl } },
        {
          type: "text",
          text:
            "Assess this photo of a skin lesion. Triage facts recorded by the health worker:\n" +
            `${triageLines(c)}\n\n${ANSWER_TEMPLATE}`,
        },
      ],
    },
  ];
}

/**
 * The text-only synthesis over the per-photo findings (or over the triage facts alone when the
 * case has no verified photo): the one answer stored as the case's findings.
 */
export function synthesisMessages(c: PromptCase, perImage: readonly Findings[]): ChatMessage[] {
  const photos =
    perImage.length === 0
      ? "No photo could be assessed; rely on the triage facts and say so in limitations."
      : perImage.map((f, i) => `photo ${i + 1}: ${JSON.stringify(f)}`).join("\n");
  return [
    { role: "system", content: [{ type: "text", text: SYSTEM }] },
    {
      role: "user",
      content: [
        {
          type: "text",
          text:
            "Combine the assessments below into one overall assessment of the case.\n" +
            `Triage facts:\n${triageLines(c)}\n\nPer-photo assessments:\n${photos}\n\n${ANSWER_TEMPLATE}`,
        },
      ],
    },
  ];
}

/** A follow-up turn when an answer was not valid JSON in the required shape (one repair only). */
export function repairMessages(original: ChatMessage[]): ChatMessage[] {
  const last = original[original.length - 1]!;
  return [
    ...original.slice(0, -1),
    {
      role: "user",
      content: [
        ...last.content,
        {
          type: "text",
          text: "Your previous answer was not valid JSON in the required shape. Return only the JSON object.",
        },
      ],
    },
  ];
}
