import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isChwWebConfig, isConsoleConfig } from "../../contract/src/validate";
import type { ChwWebConfig, ConsoleConfig } from "../../contract/src/web-config";

/*
 * What a release needs from terraform's `web_configs` output beyond the two web configs
 * themselves (docs/runbook.md, "Deploy the web apps"):
 *  - the Hosting config to deploy with (`firebase.deploy.json`): firebase.json with each site's
 *    Content-Security-Policy `connect-src` allowing the origin of that site's `apiBaseUrl`. With
 *    the api behind its front door the apps call the load balancer's own host, which
 *    firebase.json cannot name (it is per environment), and the browser blocks every call to an
 *    origin `connect-src` does not list.
 *  - the native app's API URL (`mobile/src/app/native-release.json`): the front door's, the only
 *    one that answers once the api's ingress is limited to it.
 * Usage: `npm run release:config -- <web_configs.json>` (the file `terraform output -json
 * web_configs` prints).
 */

export const ROOT = join(import.meta.dirname, "..", "..");
export const DEPLOY_CONFIG = "firebase.deploy.json";
export const NATIVE_RELEASE = join("mobile", "src", "app", "native-release.json");

/** A release input the operator must fix; the message says what and how. */
export class ReleaseConfigError extends Error {
  override name = "ReleaseConfigError";
}

export interface WebConfigs {
  chw: ChwWebConfig;
  console: ConsoleConfig;
}

interface Header {
  key: string;
  value: string;
}
interface HostingSite {
  target: string;
  headers?: Array<{ source: string; headers: Header[] }>;
  [k: string]: unknown;
}
interface FirebaseJson {
  hosting: HostingSite[];
  [k: string]: unknown;
}

/** Checks the parsed `web_configs` output: both apps, each in the contract's closed shape. */
export function parseWebConfigs(value: unknown): WebConfigs {
  const v = value as Partial<Record<string, unknown>> | null;
  if (typeof v !== "object" || v === null)
    throw new ReleaseConfigError("web_configs must be a JSON object with chw and console.");
  if (!isChwWebConfig(v.chw))
    throw new ReleaseConfigError(
      "web_configs.chw is not a CHW web app config (see contract/src/web-config.ts).",
    );
  if (!isConsoleConfig(v.console))
    throw new ReleaseConfigError(
      "web_configs.console is not a console config (see contract/src/web-config.ts).",
    );
  return { chw: v.chw, console: v.console };
}

/**
 * The origin a browser must be allowed to connect to for `apiBaseUrl`, or undefined for a
 * same-origin path (Hosting's `/api/**` rewrite, covered by `'self'`). Only https origins: a
 * release never sends tokens over plain http.
 */
export function apiOrigin(apiBaseUrl: string): string | undefined {
  if (apiBaseUrl.startsWith("/") && !apiBaseUrl.startsWith("//")) return undefined;
  let url: URL;
  try {
    url = new URL(apiBaseUrl);
  } catch {
    throw new ReleaseConfigError(
      `apiBaseUrl ${JSON.stringify(apiBaseUrl)} is not a URL or a /path.`,
    );
  }
  if (url.protocol !== "https:")
    throw new ReleaseConfigError(`apiBaseUrl ${apiBaseUrl} must be https.`);
  if (url.username || url.password || url.search || url.hash)
    throw new ReleaseConfigError(`apiBaseUrl ${apiBaseUrl} must be a plain https URL.`);
  return url.origin;
}

/** `csp` with `origin` added to its connect-src (once); a policy without connect-src gets one. */
export function allowConnect(csp: string, origin: string): string {
  const directives = csp
    .split(";")
    .map((d) => d.trim())
    .filter((d) => d !== "");
  const at = directives.findIndex((d) => /^connect-src(\s|$)/i.test(d));
  if (at < 0) return [...directives, `connect-src 'self' ${origin}`].join("; ");
  const sources = directives[at]!.split(/\s+/);
  if (!sources.includes(origin)) directives[at] = [...sources, origin].join(" ");
  return directives.join("; ");
}

/**
 * firebase.json for the release: every Content-Security-Policy of each Hosting target allows
 * the origin of that target's `apiBaseUrl`. Everything else is kept as it is. A target without
 * a web config is an error: its CSP would block the api.
 */
export function hostingForRelease(firebase: FirebaseJson, configs: WebConfigs): FirebaseJson {
  const byTarget: Record<string, { apiBaseUrl: string } | undefined> = { ...configs };
  const hosting = firebase.hosting.map((site) => {
    const config = byTarget[site.target];
    if (!config)
      throw new ReleaseConfigError(
        `web_configs has no config for the Hosting target ${site.target}.`,
      );
    const origin = apiOrigin(config.apiBaseUrl);
    if (origin === undefined) return site;
    return {
      ...site,
      headers: (site.headers ?? []).map((h) => ({
        ...h,
        headers: h.headers.map((x) =>
          x.key.toLowerCase() === "content-security-policy"
            ? { ...x, value: allowConnect(x.value, origin) }
            : x,
        ),
      })),
    };
  });
  return { ...firebase, hosting };
}

/** The native app's release settings: the CHW app's API URL, which must be absolute https. */
export function nativeRelease(configs: WebConfigs): { apiBaseUrl: string } {
  const { apiBaseUrl } = configs.chw;
  if (apiOrigin(apiBaseUrl) === undefined)
    throw new ReleaseConfigError(
      `web_configs.chw.apiBaseUrl is ${apiBaseUrl}: the native app needs the front door's https URL (api_front_door_only = true).`,
    );
  return { apiBaseUrl: apiBaseUrl.replace(/\/+$/, "") };
}

/** Reads `web_configs` from `file` and writes firebase.deploy.json and the native release file. */
export function writeReleaseConfig(file: string, root = ROOT): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch {
    throw new ReleaseConfigError(
      `${file} is not readable JSON: write it with terraform output -json web_configs > ${file}.`,
    );
  }
  const configs = parseWebConfigs(parsed);
  const firebase = JSON.parse(readFileSync(join(root, "firebase.json"), "utf8")) as FirebaseJson;
  const written = [DEPLOY_CONFIG, NATIVE_RELEASE];
  const deploy = hostingForRelease(firebase, configs);
  const native = nativeRelease(configs);
  writeFileSync(join(root, DEPLOY_CONFIG), `${JSON.stringify(deploy, null, 2)}\n`);
  writeFileSync(join(root, NATIVE_RELEASE), `${JSON.stringify(native, null, 2)}\n`);
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const file = process.argv[2];
  try {
    if (!file) throw new ReleaseConfigError("usage: npm run release:config -- <web_configs.json>");
    for (const f of writeReleaseConfig(file)) console.log(`wrote ${f}`);
  } catch (e) {
    if (!(e instanceof ReleaseConfigError)) throw e;
    console.error(`release:config: ${e.message}`);
    process.exitCode = 1;
  }
}
