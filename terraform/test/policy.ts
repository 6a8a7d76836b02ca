import { posix } from "node:path";
import type { Block, Body, Json, Module } from "./hcl";
import { address, blocks, nested, nestedAll, strings, text } from "./hcl";

// Static policy checks over parsed HCL (reliability-security.md section 8, item 25). Each check
// returns the violations it finds, so the spec can run it on the real configuration and on
// small bad examples alike.

/** The one public binding the design allows: the api, whose callers carry Firebase ID tokens. */
export const ALLOWED_PUBLIC = ["google_cloud_run_service_iam_member.api_public_invoker"];

const PUBLIC_MEMBERS = /\ballUsers\b|\ballAuthenticatedUsers\b/;
const PRIMITIVE_ROLES = /^roles\/(owner|editor|viewer)$/;

function everything(mod: Module): Array<{ where: string; value: string }> {
  const out: Array<{ where: string; value: string }> = [];
  for (const b of mod.blocks)
    for (const s of strings(b.body)) out.push({ where: `${address(b)}.${s.path}`, value: s.value });
  for (const s of strings(mod.locals)) out.push({ where: `local.${s.path}`, value: s.value });
  return out;
}

/** Bindings for allUsers / allAuthenticatedUsers other than the allowed ones. */
export function publicMembers(mod: Module, allowed: string[] = []): string[] {
  const out: string[] = [];
  for (const b of mod.blocks) {
    if (allowed.includes(address(b))) continue;
    for (const s of strings(b.body))
      if (PUBLIC_MEMBERS.test(s.value)) out.push(`${mod.dir}: ${address(b)}.${s.path}`);
  }
  for (const s of strings(mod.locals))
    if (PUBLIC_MEMBERS.test(s.value)) out.push(`${mod.dir}: local.${s.path}`);
  return out;
}

/** Primitive roles (owner, editor, viewer) anywhere, in bindings or in role maps' keys. */
export function primitiveRoles(mod: Module): string[] {
  const out: string[] = [];
  for (const { where, value } of everything(mod)) {
    if (PRIMITIVE_ROLES.test(value)) out.push(`${mod.dir}: ${where} = ${value}`);
  }
  for (const [name, value] of Object.entries(mod.locals)) {
    if (value && typeof value === "object" && !Array.isArray(value))
      for (const key of Object.keys(value))
        for (const part of key.split("|"))
          if (PRIMITIVE_ROLES.test(part)) out.push(`${mod.dir}: local.${name}["${key}"]`);
  }
  return out;
}

/**
 * The topic an expression such as "${google_pubsub_topic.x.id}" refers to: `x`, or `x["key"]`
 * for an instance of a for_each topic.
 */
function topicRef(expr: Json | undefined): string | undefined {
  return typeof expr === "string"
    ? /google_pubsub_topic\.([A-Za-z0-9_]+(?:\["[^"]+"\])?)/.exec(expr)?.[1]
    : undefined;
}

function seconds(value: Json | undefined): number | undefined {
  const m = typeof value === "string" ? /^(\d+(?:\.\d+)?)s$/.exec(value) : null;
  return m ? Number(m[1]) : undefined;
}

/** Topics used as a dead-letter topic by some subscription. */
export function deadLetterTopics(mod: Module): Set<string> {
  const out = new Set<string>();
  for (const s of blocks(mod, "resource", "google_pubsub_subscription")) {
    const t = topicRef(nested(s.body, "dead_letter_policy")?.dead_letter_topic);
    if (t) out.add(t);
  }
  return out;
}

/**
 * Every subscription that delivers PHI-bearing requests to code (all but those reading a
 * dead-letter topic) has a dead-letter policy with 5 delivery attempts and a retry policy
 * within Pub/Sub's 0-600 s; every dead-letter topic has a subscription.
 */
export function subscriptionPolicy(mod: Module, attempts = 5): string[] {
  const out: string[] = [];
  const dlts = deadLetterTopics(mod);
  const subs = blocks(mod, "resource", "google_pubsub_subscription");
  for (const s of subs) {
    const topic = topicRef(s.body.topic);
    if (topic && dlts.has(topic)) continue;
    const where = `${mod.dir}: ${address(s)}`;
    const dlq = nested(s.body, "dead_letter_policy");
    if (!dlq) {
      out.push(`${where} has no dead_letter_policy`);
      continue;
    }
    if (dlq.max_delivery_attempts !== attempts)
      out.push(`${where} max_delivery_attempts is ${text(dlq.max_delivery_attempts)}`);
    const retry = nested(s.body, "retry_policy");
    const min = seconds(retry?.minimum_backoff);
    const max = seconds(retry?.maximum_backoff);
    if (min === undefined || max === undefined || min < 0 || max > 600 || min > max)
      out.push(`${where} needs a retry_policy with backoffs within 0s..600s`);
  }
  for (const t of dlts) {
    if (!subs.some((s) => topicRef(s.body.topic) === t))
      out.push(`${mod.dir}: dead-letter topic google_pubsub_topic.${t} has no subscription`);
  }
  return out;
}

function grants(mod: Module, type: string, role: string, member: string): Block[] {
  return blocks(mod, "resource", type).filter(
    (b) => b.body.role === role && b.body.member === member,
  );
}

/**
 * The Pub/Sub service agent can dead-letter: publisher on each dead-letter topic, subscriber on
 * each source subscription, and token creator on each push subscription's OIDC identity.
 */
export function pubsubAgentGrants(mod: Module, agent: string): string[] {
  const out: string[] = [];
  const publishers = grants(mod, "google_pubsub_topic_iam_member", "roles/pubsub.publisher", agent);
  for (const t of deadLetterTopics(mod)) {
    if (!publishers.some((b) => topicRef(b.body.topic) === t))
      out.push(`${mod.dir}: Pub/Sub service agent cannot publish to google_pubsub_topic.${t}`);
  }
  const subscribers = grants(
    mod,
    "google_pubsub_subscription_iam_member",
    "roles/pubsub.subscriber",
    agent,
  );
  const tokenCreators = grants(
    mod,
    "google_service_account_iam_member",
    "roles/iam.serviceAccountTokenCreator",
    agent,
  );
  for (const s of blocks(mod, "resource", "google_pubsub_subscription")) {
    if (nested(s.body, "dead_letter_policy")) {
      const ref = `google_pubsub_subscription.${s.name}.`;
      if (!subscribers.some((b) => text(b.body.subscription).includes(ref)))
        out.push(`${mod.dir}: Pub/Sub service agent is not subscriber on ${address(s)}`);
    }
    const oidc = nested(nested(s.body, "push_config"), "oidc_token");
    if (oidc) {
      const sa = /google_service_account\.([A-Za-z0-9_]+)/.exec(
        text(oidc.service_account_email),
      )?.[1];
      if (
        !sa ||
        !tokenCreators.some((b) =>
          text(b.body.service_account_id).includes(`google_service_account.${sa}.`),
        )
      )
        out.push(`${mod.dir}: Pub/Sub service agent cannot mint OIDC tokens for ${address(s)}`);
    }
  }
  return out;
}

/** Buckets with uniform access and enforced public access prevention. */
export function bucketPolicy(mod: Module): string[] {
  const out: string[] = [];
  for (const b of blocks(mod, "resource", "google_storage_bucket")) {
    if (b.body.uniform_bucket_level_access !== true)
      out.push(`${mod.dir}: ${address(b)} lacks uniform_bucket_level_access = true`);
    if (b.body.public_access_prevention !== "enforced")
      out.push(`${mod.dir}: ${address(b)} lacks public_access_prevention = "enforced"`);
  }
  return out;
}

/** Services whose Data Access audit logs (DATA_READ and DATA_WRITE) the module turns on. */
export function auditedServices(mod: Module): Set<string> {
  const out = new Set<string>();
  for (const b of blocks(mod, "resource", "google_project_iam_audit_config")) {
    const types = new Set(nestedAll(b.body, "audit_log_config").map((c) => c.log_type));
    if (!types.has("DATA_READ") || !types.has("DATA_WRITE")) continue;
    const service = b.body.service;
    if (typeof service !== "string") continue;
    if (!service.startsWith("${")) {
      out.add(service);
      continue;
    }
    // for_each = toset(local.x) with service = each.value: the services are local.x's literal list.
    const list = /local\.([A-Za-z0-9_]+)/.exec(text(b.body.for_each))?.[1];
    const values = list ? mod.locals[list] : undefined;
    if (service === "${each.value}" && Array.isArray(values))
      for (const v of values) if (typeof v === "string") out.add(v);
  }
  return out;
}

/** Variables without a type or a description; outputs without a description. */
export function undocumented(mod: Module): string[] {
  const out: string[] = [];
  for (const v of blocks(mod, "variable")) {
    if (typeof v.body.description !== "string" || v.body.description.trim() === "")
      out.push(`${mod.dir}: variable ${v.name} has no description`);
    if (v.body.type === undefined) out.push(`${mod.dir}: variable ${v.name} has no type`);
  }
  for (const o of blocks(mod, "output")) {
    if (typeof o.body.description !== "string" || o.body.description.trim() === "")
      out.push(`${mod.dir}: output ${o.name} has no description`);
  }
  return out;
}

function bounded(constraint: Json | undefined): boolean {
  return typeof constraint === "string" && />=?\s*\d/.test(constraint) && /<\s*\d/.test(constraint);
}

/** Terraform and every provider pinned between a lower and an upper bound. */
export function unboundedVersions(mod: Module): string[] {
  const out: string[] = [];
  if (mod.terraform.length === 0) return [`${mod.dir}: no terraform {} block (versions.tf)`];
  for (const t of mod.terraform) {
    if (!bounded(t.required_version))
      out.push(`${mod.dir}: required_version is not bounded: ${text(t.required_version)}`);
    for (const providers of nestedAll(t, "required_providers"))
      for (const [name, spec] of Object.entries(providers)) {
        const version = (spec as Body | null)?.version;
        if (!bounded(version))
          out.push(`${mod.dir}: provider ${name} version is not bounded: ${text(version)}`);
      }
  }
  return out;
}

/**
 * Every IAM grant says why: each `*_iam_member`/`*_iam_binding` resource is preceded by a
 * one-line `#` comment, and role maps (`"function|role" = "reason"`) carry a one-line reason.
 */
export function grantsWithoutReason(mod: Module): string[] {
  const out: string[] = [];
  for (const [file, text] of Object.entries(mod.sources)) {
    const lines = text.split("\n");
    lines.forEach((line, i) => {
      const m = /^resource "(google_[a-z0-9_]+_iam_(?:member|binding))" "([A-Za-z0-9_]+)"/.exec(
        line,
      );
      if (!m) return;
      const previous = lines[i - 1]?.trim() ?? "";
      if (!/^#\s*\S/.test(previous)) out.push(`${file}: ${m[1]}.${m[2]} has no reason comment`);
    });
  }
  for (const [name, value] of Object.entries(mod.locals)) {
    if (!/_roles$/.test(name) || !value || typeof value !== "object" || Array.isArray(value))
      continue;
    for (const [key, reason] of Object.entries(value)) {
      if (typeof reason !== "string" || reason.trim() === "" || reason.includes("\n"))
        out.push(`${mod.dir}: local.${name}["${key}"] needs a one-line reason`);
    }
  }
  return out;
}

/**
 * References to variables, locals, modules, resources and data sources that the module does not
 * declare: the typo class of errors `terraform validate` would catch, which cannot run here.
 */
export function undeclaredReferences(mod: Module): string[] {
  const declared = {
    var: new Set(blocks(mod, "variable").map((b) => b.name)),
    local: new Set(Object.keys(mod.locals)),
    module: new Set(blocks(mod, "module").map((b) => b.name)),
    resource: new Set(blocks(mod, "resource").map((b) => `${b.type}.${b.name}`)),
    data: new Set(blocks(mod, "data").map((b) => `${b.type}.${b.name}`)),
  };
  const out = new Set<string>();
  const scan = (where: string, value: string) => {
    if (!value.includes("${")) return;
    for (const m of value.matchAll(/\bvar\.([A-Za-z0-9_]+)/g))
      if (!declared.var.has(m[1]!)) out.add(`${where}: var.${m[1]}`);
    for (const m of value.matchAll(/\blocal\.([A-Za-z0-9_]+)/g))
      if (!declared.local.has(m[1]!)) out.add(`${where}: local.${m[1]}`);
    for (const m of value.matchAll(/\bmodule\.([A-Za-z0-9_]+)/g))
      if (!declared.module.has(m[1]!)) out.add(`${where}: module.${m[1]}`);
    for (const m of value.matchAll(/\bdata\.([a-z0-9_]+)\.([A-Za-z0-9_]+)/g))
      if (!declared.data.has(`${m[1]}.${m[2]}`)) out.add(`${where}: data.${m[1]}.${m[2]}`);
    for (const m of value.matchAll(/(?<![.\w])((?:google|archive)_[a-z0-9_]+)\.([A-Za-z0-9_]+)/g))
      if (!declared.resource.has(`${m[1]}.${m[2]}`)) out.add(`${where}: ${m[1]}.${m[2]}`);
  };
  for (const b of mod.blocks)
    for (const s of strings(b.body)) scan(`${mod.dir}: ${address(b)}`, s.value);
  for (const s of strings(mod.locals)) scan(`${mod.dir}: local.${s.path.split(".")[0]}`, s.value);
  return [...out];
}

const META_ARGUMENTS = new Set([
  "source",
  "for_each",
  "count",
  "depends_on",
  "providers",
  "version",
]);

/**
 * Module calls that do not fit the called module: unknown arguments, missing required
 * variables, and references to outputs it does not define.
 */
export function moduleCallMismatches(modules: Map<string, Module>): string[] {
  const out: string[] = [];
  for (const caller of modules.values()) {
    for (const call of blocks(caller, "module")) {
      const source = call.body.source;
      if (typeof source !== "string" || !source.startsWith(".")) continue;
      const dir = posix.normalize(posix.join(caller.dir, source));
      const callee = modules.get(dir);
      const where = `${caller.dir}: module.${call.name}`;
      if (!callee) {
        out.push(`${where}: no module at ${dir}`);
        continue;
      }
      const variables = blocks(callee, "variable");
      const names = new Set(variables.map((v) => v.name));
      for (const arg of Object.keys(call.body))
        if (!META_ARGUMENTS.has(arg) && !names.has(arg))
          out.push(`${where}: ${dir} has no variable ${arg}`);
      for (const v of variables)
        if (v.body.default === undefined && !(v.name in call.body))
          out.push(`${where}: required variable ${v.name} is not set`);
      const outputs = new Set(blocks(callee, "output").map((o) => o.name));
      const ref = new RegExp(`\\bmodule\\.${call.name}(?:\\[[^\\]]+\\])?\\.([A-Za-z0-9_]+)`, "g");
      for (const b of caller.blocks)
        for (const s of strings(b.body))
          for (const m of s.value.matchAll(ref))
            if (!outputs.has(m[1]!)) out.push(`${where}: ${dir} has no output ${m[1]}`);
      for (const s of strings(caller.locals))
        for (const m of s.value.matchAll(ref))
          if (!outputs.has(m[1]!)) out.push(`${where}: ${dir} has no output ${m[1]}`);
    }
  }
  return out;
}

/** Verbs that say a grant's holder writes to Firestore (the reasons in `function_project_roles`). */
const WRITES = /\b(writes?|marks?|updates?|applies|queues|normalises|claims?|moves?)\b/;

/**
 * Firestore grants no wider than the function needs: `roles/datastore.user` (read and write)
 * only where the reason states a write, `roles/datastore.viewer` where it reads only. Firestore
 * IAM cannot be narrowed below a database (no per-collection roles or conditions), so this is
 * the narrowest grant the platform offers.
 */
export function firestoreGrantsWiderThanNeeded(mod: Module): string[] {
  const out: string[] = [];
  const roles = mod.locals.function_project_roles;
  if (!roles || typeof roles !== "object" || Array.isArray(roles)) return out;
  for (const [key, reason] of Object.entries(roles)) {
    const role = key.split("|")[1];
    const writes = typeof reason === "string" && WRITES.test(reason);
    if (role === "roles/datastore.user" && !writes)
      out.push(`${mod.dir}: ${key} reads only ("${text(reason)}"): grant roles/datastore.viewer`);
    if (role === "roles/datastore.owner" || role === "roles/datastore.importExportAdmin")
      out.push(`${mod.dir}: ${key} is an admin role`);
  }
  return out;
}

const ADDRESS = /^((?:google|archive)[a-z0-9_]*)\.([A-Za-z0-9_]+)(?:\["([^"]+)"\])?$/;

/**
 * `moved` blocks that would not keep a deployed resource: each must move an address the module
 * no longer declares to a resource it does declare, and a `["key"]` to a key of the literal
 * map the resource's for_each is or names (an unknown key would plan a destroy and a create).
 */
export function movedMismatches(mod: Module): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const { from, to, file } of mod.moved) {
    const where = `${file}: moved ${from} -> ${to}`;
    if (seen.has(from)) out.push(`${where}: ${from} is moved twice`);
    seen.add(from);
    const f = ADDRESS.exec(from);
    const t = ADDRESS.exec(to);
    if (!f || !t) {
      out.push(`${where}: not a resource address`);
      continue;
    }
    const declared = (type: string, name: string) =>
      blocks(mod, "resource", type).find((b) => b.name === name);
    if (f[3] === undefined && declared(f[1]!, f[2]!))
      out.push(`${where}: ${from} is still declared`);
    const target = declared(t[1]!, t[2]!);
    if (!target) {
      out.push(`${where}: ${t[1]}.${t[2]} is not declared`);
      continue;
    }
    if (t[3] === undefined) {
      if (target.body.for_each !== undefined) out.push(`${where}: the target needs a key`);
      continue;
    }
    // for_each is a map written in the block, or a literal local map it names.
    const forEach = target.body.for_each;
    const local = /^\$\{local\.([A-Za-z0-9_]+)\}$/.exec(text(forEach))?.[1];
    const keys = local ? mod.locals[local] : forEach;
    const source = local ? `local.${local}` : "the target's for_each";
    if (!keys || typeof keys !== "object" || Array.isArray(keys))
      out.push(`${where}: the target's for_each is not a literal map`);
    else if (!(t[3] in keys)) out.push(`${where}: ${source} has no key ${t[3]}`);
  }
  return out;
}
