import { parse } from "@cdktf/hcl2json";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** Root of the terraform tree (terraform/). */
export const TERRAFORM_DIR = join(dirname(fileURLToPath(import.meta.url)), "..");
/** Root of the repository. */
export const REPO_DIR = join(TERRAFORM_DIR, "..");

/** A JSON value as hcl2json renders HCL: expressions stay strings like "${var.x}". */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
/** One block body (hcl2json gives every block as an array of bodies). */
export type Body = { [key: string]: Json };

/** One `resource`, `data`, `module`, `variable` or `output` block with where it was found. */
export interface Block {
  kind: "resource" | "data" | "module" | "variable" | "output";
  /** Resource or data type; the block label for module/variable/output. */
  type: string;
  /** Resource or data name; equal to `type` for module/variable/output. */
  name: string;
  body: Body;
  /** Path relative to terraform/. */
  file: string;
  /** Directory of the file relative to terraform/ (the module the block belongs to). */
  dir: string;
}

/** Everything parsed from one directory of .tf files (one module). */
export interface Module {
  dir: string;
  blocks: Block[];
  /** All `locals` blocks merged. */
  locals: Body;
  /** `terraform {}` blocks. */
  terraform: Body[];
  /** `moved {}` blocks: the address a resource had, and the one it has now. */
  moved: Array<{ from: string; to: string; file: string }>;
  /** Raw text of each file, for checks on comments (hcl2json drops them). */
  sources: Record<string, string>;
}

function tfFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith(".") || entry === "node_modules") continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...tfFiles(path));
    else if (entry.endsWith(".tf")) out.push(path);
  }
  return out.sort();
}

function asBodies(value: unknown): Body[] {
  return Array.isArray(value) ? (value as Body[]) : [];
}

function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** Parses HCL text into the blocks of one module directory (exported for tests of the checks). */
export async function parseModule(
  dir: string,
  files: Array<{ file: string; text: string }>,
): Promise<Module> {
  const mod: Module = { dir, blocks: [], locals: {}, terraform: [], moved: [], sources: {} };
  for (const { file, text } of files) {
    mod.sources[file] = text;
    const json = asRecord(await parse(file, text));
    for (const kind of ["resource", "data"] as const) {
      for (const [type, byName] of Object.entries(asRecord(json[kind]))) {
        for (const [name, bodies] of Object.entries(asRecord(byName))) {
          for (const body of asBodies(bodies))
            mod.blocks.push({ kind, type, name, body, file, dir });
        }
      }
    }
    for (const kind of ["module", "variable", "output"] as const) {
      for (const [name, bodies] of Object.entries(asRecord(json[kind]))) {
        for (const body of asBodies(bodies))
          mod.blocks.push({ kind, type: name, name, body, file, dir });
      }
    }
    for (const locals of asBodies(json.locals)) Object.assign(mod.locals, locals);
    mod.terraform.push(...asBodies(json.terraform));
    // hcl2json writes the addresses as expressions: "${google_x.y["key"]}".
    const bare = (v: unknown) => String(v).replace(/^\$\{(.*)\}$/, "$1");
    for (const m of asBodies(json.moved))
      mod.moved.push({ from: bare(m.from), to: bare(m.to), file });
  }
  return mod;
}

let cache: Promise<Map<string, Module>> | undefined;

/** Every module directory under terraform/, keyed by its path relative to terraform/. */
export function loadTerraform(): Promise<Map<string, Module>> {
  return (cache ??= (async () => {
    const byDir = new Map<string, Array<{ file: string; text: string }>>();
    for (const path of tfFiles(TERRAFORM_DIR)) {
      const file = relative(TERRAFORM_DIR, path);
      const dir = dirname(file);
      const list = byDir.get(dir) ?? [];
      list.push({ file, text: readFileSync(path, "utf8") });
      byDir.set(dir, list);
    }
    const modules = new Map<string, Module>();
    for (const [dir, files] of byDir) modules.set(dir, await parseModule(dir, files));
    return modules;
  })());
}

/** The one block of a kind/type/name in a module; throws a readable error when absent. */
export function block(mod: Module, kind: Block["kind"], type: string, name = type): Block {
  const found = mod.blocks.find((b) => b.kind === kind && b.type === type && b.name === name);
  if (!found) throw new Error(`${mod.dir}: no ${kind} ${type}${name === type ? "" : "." + name}`);
  return found;
}

/** Blocks of a kind (and optionally a resource type) in a module. */
export function blocks(mod: Module, kind: Block["kind"], type?: string): Block[] {
  return mod.blocks.filter((b) => b.kind === kind && (type === undefined || b.type === type));
}

/** First body of a nested block (`push_config`, `dead_letter_policy`, …), or undefined. */
export function nested(body: Body | undefined, key: string): Body | undefined {
  const value = body?.[key];
  return Array.isArray(value) ? (value[0] as Body | undefined) : undefined;
}

/** All bodies of a repeated nested block (`audit_log_config`, `lifecycle_rule`, …). */
export function nestedAll(body: Body | undefined, key: string): Body[] {
  const value = body?.[key];
  return Array.isArray(value) ? (value as Body[]) : [];
}

/** A local's literal value (an object or list written out in HCL, not a `for` expression). */
export function literalLocal(mod: Module, name: string): Json {
  const value = mod.locals[name];
  if (value === undefined) throw new Error(`${mod.dir}: no local.${name}`);
  if (typeof value === "string" && value.startsWith("${"))
    throw new Error(`${mod.dir}: local.${name} is an expression, not a literal: ${value}`);
  return value;
}

/** Every string inside a JSON value, with the attribute path that leads to it. */
export function strings(value: Json, path = ""): Array<{ path: string; value: string }> {
  if (typeof value === "string") return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${path}[${i}]`));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => strings(v, path ? `${path}.${k}` : k));
  return [];
}

/** `resource.type.name` address of a block, as terraform prints it. */
export function address(b: Block): string {
  return b.kind === "resource"
    ? `${b.type}.${b.name}`
    : b.kind === "data"
      ? `data.${b.type}.${b.name}`
      : `${b.kind}.${b.name}`;
}

/** A value as text for comparisons and messages: strings as they are, anything else as JSON. */
export function text(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value) ?? "undefined");
}
