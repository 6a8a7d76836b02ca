import { Ajv } from "ajv";

/**
 * The web build's configuration. It is bundled at build time (vite.config.mts checks it with
 * ajv and defines it as `__DD_WEB_CONFIG__`), so the app's first screen needs no fetch and
 * starts offline; a build for another stack passes `DD_WEB_CONFIG=<file.json>`. Everything here
 * is public: a browser bundle is readable by anyone, so no secret may ever go in.
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

/** Checks a config; throws with a plain message naming the file when it is unusable. */
export function checkWebConfig(json: unknown, source: string): WebConfig {
  if (!isWebConfig(json)) throw new Error(`${source} does not match the web config schema`);
  return json;
}
