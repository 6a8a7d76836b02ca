import { Ajv } from "ajv";

/**
 * The console's runtime configuration, served as /config.json beside the page (one build runs
 * against any stack) and checked once with ajv. Everything here is public: a browser bundle and
 * its config are readable by anyone, so no secret may ever go in.
 */
export interface ConsoleConfig {
  projectId: string;
  apiKey: string;
  /** Base of the `api` function, normally the same-origin proxy `/api`. */
  apiBaseUrl: string;
  authEmulatorUrl?: string;
  firestoreEmulator?: { host: string; port: number };
  /** Rewrites photo URLs by prefix (the local image store is reached through the page's origin). */
  photoRewrite?: { from: string; to: string };
  language?: "en" | "sw";
}

const short = { type: "string", minLength: 1, maxLength: 300 } as const;

const schema = {
  type: "object",
  additionalProperties: false,
  required: ["projectId", "apiKey", "apiBaseUrl"],
  properties: {
    projectId: short,
    apiKey: short,
    apiBaseUrl: short,
    authEmulatorUrl: short,
    firestoreEmulator: {
      type: "object",
      additionalProperties: false,
      required: ["host", "port"],
      properties: { host: short, port: { type: "integer", minimum: 1, maximum: 65535 } },
    },
    photoRewrite: {
      type: "object",
      additionalProperties: false,
      required: ["from", "to"],
      properties: { from: short, to: short },
    },
    language: { type: "string", enum: ["en", "sw"] },
  },
} as const;

/** True when the value is a usable console configuration. */
export const isConsoleConfig = new Ajv({ strict: true, allErrors: false }).compile<ConsoleConfig>(
  schema,
);

/** Fetches and validates /config.json; throws with a plain message when it is unusable. */
export async function loadConsoleConfig(url = "./config.json"): Promise<ConsoleConfig> {
  const res = await fetch(url);
  const json: unknown = await res.json();
  if (!isConsoleConfig(json)) throw new Error("config.json does not match the console config schema");
  return json;
}

/** Applies `photoRewrite` to a photo URL handed out by the API. */
export function rewritePhotoUrl(url: string, rewrite: ConsoleConfig["photoRewrite"]): string {
  return rewrite && url.startsWith(rewrite.from) ? rewrite.to + url.slice(rewrite.from.length) : url;
}
