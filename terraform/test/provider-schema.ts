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

interface JsiiProperty {
  name: string;
  optional?: boolean;
  type?: JsiiTypeRef;
}
interface JsiiTypeRef {
  fqn?: string;
  union?: { types: JsiiTypeRef[] };
  collection?: { elementtype: JsiiTypeRef; kind: string };
}

function jsiiText(): string {
  const pkg = "@cdktf/provider-google-beta";
  const require = createRequire(import.meta.url);
  jsii ??= readFileSync(join(dirname(require.resolve(`${pkg}/package.json`)), ".jsii"), "utf8");
  return jsii;
}

function jsiiStruct(fqn: string): JsiiProperty[] | undefined {
  const text = jsiiText();
  const key = `"${fqn}": {`;
  const at = text.indexOf(key);
  if (at < 0) return undefined;
  return (JSON.parse(objectAt(text, at + key.length - 1)) as { properties?: JsiiProperty[] })
    .properties;
}

/** The provider struct a nested block's property points at (a block or a list of blocks). */
function nestedFqn(ref: JsiiTypeRef | undefined): string | undefined {
  if (!ref) return undefined;
  if (ref.fqn) return ref.fqn.startsWith("@cdktf/provider-google-beta.") ? ref.fqn : undefined;
  if (ref.collection) return nestedFqn(ref.collection.elementtype);
  for (const t of ref.union?.types ?? []) {
    const found = nestedFqn(t);
    if (found) return found;
  }
  return undefined;
}

const NESTED_META = new Set(["dynamic"]);

/**
 * Checks a resource body against the provider schema, nested blocks included: every argument
 * and block is one the provider declares, every required one is set. Returns the violations.
 */
export function schemaViolations(resourceType: string, body: Record<string, unknown>): string[] {
  const ns = camel(resourceType);
  const name = ns.charAt(0).toUpperCase() + ns.slice(1);
  const root = `@cdktf/provider-google-beta.${ns}.${name}Config`;
  const out: string[] = [];
  const walk = (fqn: string, value: Record<string, unknown>, where: string, top: boolean) => {
    const props = jsiiStruct(fqn);
    if (!props) {
      out.push(`${where}: the provider has no ${resourceType}`);
      return;
    }
    const byName = new Map(props.map((p) => [snake(p.name), p]));
    for (const [arg, v] of Object.entries(value)) {
      if ((top && META_ARGUMENTS.has(arg)) || NESTED_META.has(arg)) continue;
      const p = byName.get(arg);
      if (!p) {
        out.push(`${where}: unknown argument ${arg}`);
        continue;
      }
      const inner = nestedFqn(p.type);
      // hcl2json gives a nested block as a list of bodies; an attribute is a plain value.
      if (inner && Array.isArray(v))
        v.forEach((b, i) => {
          if (b && typeof b === "object" && !Array.isArray(b))
            walk(inner, b as Record<string, unknown>, `${where}.${arg}[${i}]`, false);
        });
    }
    for (const [arg, p] of byName)
      if (p.optional !== true && !(arg in value)) out.push(`${where}: missing required ${arg}`);
  };
  walk(root, body, resourceType, true);
  return out;
}
