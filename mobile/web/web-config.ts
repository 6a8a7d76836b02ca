// By path, not by package name: vite.config.mts imports this file, and Vite loads its config
// with bare imports left to Node, which cannot load the contract's TypeScript sources.
import { isChwWebConfig } from "../../contract/src/validate";
import type { ChwWebConfig } from "../../contract/src/web-config";

/*
 * The web build's configuration (its shape and schema are the contract's, shared with the
 * console). It is bundled at build time (vite.config.mts checks it and defines it as
 * `__DD_WEB_CONFIG__`), so the app's first screen needs no fetch and starts offline; a build
 * for another stack passes `DD_WEB_CONFIG=<file.json>`.
 */

export type WebConfig = ChwWebConfig;

/** Checks a config; throws with a plain message naming the file when it is unusable. */
export function checkWebConfig(json: unknown, source: string): WebConfig {
  if (!isChwWebConfig(json)) throw new Error(`${source} does not match the web config schema`);
  return json;
}
