import { Ajv } from "ajv";

/**
 * The web build's runtime configuration, served as /config.json next to the page (so one
 * build runs against any stack) and checked once with ajv. Everything here is public: a
 * browser bundle and its config are readable by anyone, so no secret may ever go in.
 */
export interface WebConfig {
  projectId: string;
  apiKey: string;
  apiBaseUrl: string;
  authEmulatorUrl?: string;
  firestoreEmulator?: { host: string; port: number };
  /** Rewrites upload URLs by prefix (the local image store is reached through the page's origin). */
  uploadRewrite?: { from: string; to: string };
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
    uploadRewrite: {
      type: "object",
      additionalProperties: false,
      required: ["from", "to"],
      properties: { from: short, to: short },
    },
    language: { type: "string", enum: ["en", "sw"] },
  },
} as const;

const isWebConfig = new Ajv({ strict: true, allErrors: false }).compile<WebConfig>(schema);

/** Fetches and validates /config.json; throws with a plain message when it is unusable. */
export async function loadWebConfig(url = "./config.json"): Promise<WebConfig> {
  const res = await fetch(url);
  const json: unknown = await res.json();
  if (!isWebConfig(json)) throw new Error("config.json does not match the web config schema");
  return json;
}
