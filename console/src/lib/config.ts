import { isConsoleConfig } from "@dermadetect/contract";
import type { ConsoleConfig } from "@dermadetect/contract";

/*
 * The console's runtime configuration (its shape and schema are the contract's, shared with the
 * CHW web app), served as /config.json beside the page so that one build runs against any stack.
 */

export type { ConsoleConfig };
export { rewriteUrl as rewritePhotoUrl } from "@dermadetect/contract";

/** Fetches and validates /config.json; throws with a plain message when it is unusable. */
export async function loadConsoleConfig(url = "./config.json"): Promise<ConsoleConfig> {
  const res = await fetch(url);
  const json: unknown = await res.json();
  if (!isConsoleConfig(json)) throw new Error("config.json does not match the console config schema");
  return json;
}
