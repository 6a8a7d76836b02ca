/*
 * The runtime configuration of the two web apps (the clinician console and the CHW web app):
 * which Firebase project and emulators to use and where the API is. The console fetches it as
 * /config.json (one build serves any stack); the CHW app bundles it at build time (it must
 * start offline). Everything here is public: a browser bundle and its config are readable by
 * anyone, so no secret may ever go in.
 */

/** Rewrites URLs handed out by the API by prefix (the local image store is reached through the page's origin). */
export interface UrlRewrite {
  from: string;
  to: string;
}

/** What both web apps are configured with. */
export interface WebAppConfig {
  projectId: string;
  apiKey: string;
  /** Base of the `api` function, normally the same-origin proxy `/api`. */
  apiBaseUrl: string;
  authEmulatorUrl?: string;
  firestoreEmulator?: { host: string; port: number };
  language?: "en" | "sw";
}

/** The console's config: photo URLs (download) are rewritten. */
export interface ConsoleConfig extends WebAppConfig {
  photoRewrite?: UrlRewrite;
}

/** The CHW web app's config: upload URLs are rewritten. */
export interface ChwWebConfig extends WebAppConfig {
  uploadRewrite?: UrlRewrite;
}

const short = { type: "string", minLength: 1, maxLength: 300 } as const;

/** The closed schema of a web app's config whose URL rewrite is called `rewrite`. */
function webAppConfigSchema<Id extends string>(id: Id, rewrite: "photoRewrite" | "uploadRewrite") {
  return {
    $id: id,
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
      [rewrite]: {
        type: "object",
        additionalProperties: false,
        required: ["from", "to"],
        properties: { from: short, to: short },
      },
      language: { type: "string", enum: ["en", "sw"] },
    },
  } as const;
}

/** JSON Schema of `ConsoleConfig`. */
export const consoleConfigSchema = webAppConfigSchema("console-config", "photoRewrite");
/** JSON Schema of `ChwWebConfig`. */
export const chwWebConfigSchema = webAppConfigSchema("chw-web-config", "uploadRewrite");

/** Applies a URL rewrite (none: the URL as it is). */
export function rewriteUrl(url: string, rewrite: UrlRewrite | undefined): string {
  return rewrite && url.startsWith(rewrite.from)
    ? rewrite.to + url.slice(rewrite.from.length)
    : url;
}
