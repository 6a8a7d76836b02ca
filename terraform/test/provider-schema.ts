import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/**
 * A resource's settable arguments as the provider declares them, read from the `.jsii` type
 * system that `@cdktf/provider-google-beta` (google-beta 6.50.0) ships: the provider binary
 * cannot be downloaded here, so this is what stands in for `terraform validate`.
 */
export interface ResourceSchema {
  /** snake_case argument name => required. */
  arguments: Map<string, boolean>;
}

/** Arguments every resource takes (terraform meta-arguments). */
export const META_ARGUMENTS = new Set([
  "count",
  "for_each",
  "provider",
  "depends_on",
  "lifecycle",
  "provisioner",
  "connection",
]);

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The JSON object that starts at `start` (a `{`), found by scanning with string awareness. */
function objectAt(text: string, start: number): string {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === "\\") i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === "{") depth++;
    else if (ch === "}" && --depth === 0) return text.slice(start, i + 1);
  }
  throw new Error("unterminated object in .jsii");
}

let jsii: string | undefined;

/** The schema of `resourceType` (e.g. google_firebase_hosting_site), or undefined if unknown. */
export function betaResourceSchema(resourceType: string): ResourceSchema | undefined {
  const pkg = "@cdktf/provider-google-beta";
  const require = createRequire(import.meta.url);
  // The .jsii is ~110 MB of JSON: searched as text, only the one type is parsed.
  jsii ??= readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), ".jsii"), "utf8");
  const ns = camel(resourceType);
  const name = ns.charAt(0).toUpperCase() + ns.slice(1);
  const key = `"${pkg}.${ns}.${name}Config": {`;
  const at = jsii.indexOf(key);
  if (at < 0) return undefined;
  const type = JSON.parse(objectAt(jsii, at + key.length - 1)) as {
    properties?: { name: string; optional?: boolean }[];
  };
  const args = new Map<string, boolean>();
  for (const p of type.properties ?? []) args.set(snake(p.name), p.optional !== true);
  return { arguments: args };
}
