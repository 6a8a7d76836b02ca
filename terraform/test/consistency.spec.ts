import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { declaredParams } from "firebase-functions/params";
import * as exported from "../../functions/src/index";
import { MEDGEMMA_API_KEY_ENV } from "../../functions/src/adapters/medgemma-client";
import type { Body, Module } from "./hcl";
import { REPO_DIR, block, blocks, literalLocal, loadTerraform, nested, strings, text } from "./hcl";
import { schemaViolations } from "./provider-schema";

// The code and the deployment agree: every export of functions/src/index.ts is deployed by
// terraform with the same entry point, trigger, topic or document and settings, nothing is
// deployed that the code does not export, the params the code declares are the environment
// terraform sets, and firebase.json / .firebaserc / terraform name the same things.

/** Trigger metadata firebase-functions v2 attaches to each exported function. */
interface Endpoint {
  platform?: string;
  availableMemoryMb?: number | null;
  timeoutSeconds?: number | null;
  concurrency?: number | null;
  minInstances?: number | null;
  maxInstances?: number | null;
  httpsTrigger?: Record<string, unknown>;
  scheduleTrigger?: { schedule: unknown };
  eventTrigger?: {
    eventType: string;
    eventFilters?: Record<string, unknown>;
    eventFilterPathPatterns?: Record<string, unknown>;
    retry?: unknown;
  };
  secretEnvironmentVariables?: Array<{ key: string }>;
}

/** One entry of local.functions in modules/dermadetect/functions.tf. */
interface TfFunction {
  trigger: {
    kind: string;
    event_type: string | null;
    document: string | null;
    topic: string | null;
    schedule: string | null;
    retry: boolean | null;
  };
  memory: string;
  timeout: number;
  concurrency: number;
  min: number;
  max: number;
}

/**
 * Secrets a function reads from its environment itself rather than through defineSecret: the
 * MedGemma client's bearer token, which only a deployment with provider openai has.
 */
const ENV_SECRETS: Record<string, string[]> = { analyzeCase: [MEDGEMMA_API_KEY_ENV] };

/** Variables terraform sets that are not params: the project identity firebase-admin reads. */
const PLATFORM_ENV = ["GCLOUD_PROJECT", "FIREBASE_CONFIG"];

function endpoints(): Map<string, Endpoint> {
  const out = new Map<string, Endpoint>();
  for (const [name, value] of Object.entries(exported as Record<string, unknown>)) {
    const ep = (value as { __endpoint?: Endpoint } | null)?.__endpoint;
    if (ep) out.set(name, ep);
  }
  return out;
}

function memoryMb(memory: string): number {
  const m = /^(\d+)(Mi|Gi)$/.exec(memory);
  if (!m) throw new Error(`unexpected memory ${memory}`);
  return Number(m[1]) * (m[2] === "Gi" ? 1024 : 1);
}

/** Resolves "${local.x}" against the module's literal locals; other strings stay as they are. */
function resolve(mod: Module, value: unknown): unknown {
  const m = typeof value === "string" ? /^\$\{local\.([A-Za-z0-9_]+)\}$/.exec(value) : null;
  return m ? mod.locals[m[1]!] : value;
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_DIR, file), "utf8")) as Record<string, unknown>;
}

/** What is wrong between one export's trigger and its terraform entry (empty when they agree). */
function triggerMismatches(name: string, ep: Endpoint, tf: TfFunction, stack: Module): string[] {
  const out: string[] = [];
  const t = tf.trigger;
  const expectEq = (what: string, have: unknown, want: unknown) => {
    if (have !== want)
      out.push(
        `${name}: ${what} is ${JSON.stringify(have)} in terraform, ${JSON.stringify(want)} in code`,
      );
  };
  if (ep.httpsTrigger) {
    expectEq("trigger kind", t.kind, "https");
  } else if (ep.scheduleTrigger) {
    expectEq("trigger kind", t.kind, "schedule");
    expectEq("schedule", t.schedule, String(ep.scheduleTrigger.schedule));
  } else if (ep.eventTrigger) {
    const et = ep.eventTrigger;
    const filters = et.eventFilters ?? {};
    const retry = et.retry === true;
    if (et.eventType.startsWith("google.cloud.firestore.document.v1.")) {
      expectEq("trigger kind", t.kind, "firestore");
      expectEq("event type", t.event_type, et.eventType);
      expectEq(
        "document",
        t.document,
        String(et.eventFilterPathPatterns?.document ?? filters.document),
      );
      expectEq("database", "(default)", filters.database);
      expectEq("retry", t.retry, retry);
    } else if (et.eventType === "google.cloud.pubsub.topic.v1.messagePublished") {
      expectEq("topic", t.topic, String(filters.topic));
      if (t.kind === "pubsub") {
        expectEq("event type", t.event_type, et.eventType);
        expectEq("retry", t.retry, retry);
      } else if (t.kind === "pubsub_push") {
        out.push(...pushMismatches(name, String(filters.topic), stack));
      } else {
        out.push(`${name}: a Pub/Sub function is deployed as ${t.kind}`);
      }
    } else if (et.eventType.startsWith("google.cloud.storage.object.v1.")) {
      expectEq("trigger kind", t.kind, "storage");
      expectEq("event type", t.event_type, et.eventType);
      expectEq("retry", t.retry, retry);
      // The code names the bucket through the IMAGES_BUCKET param; terraform sets that param
      // to the images bucket and filters the trigger on the same bucket.
      expectEq("bucket param", String(filters.bucket).includes("IMAGES_BUCKET"), true);
      const env = stack.locals.function_env as Record<string, unknown>;
      expectEq("IMAGES_BUCKET", env.IMAGES_BUCKET, "${google_storage_bucket.images.name}");
      expectEq(
        "storage trigger bucket",
        text(stack.locals.event_triggers).includes(
          'attribute = "bucket", value = google_storage_bucket.images.name',
        ),
        true,
      );
    } else {
      out.push(`${name}: no terraform mapping for event type ${et.eventType}`);
    }
  } else {
    out.push(`${name}: export has no trigger metadata`);
  }
  const settings: Array<[string, number | null | undefined, number]> = [
    ["memory (MB)", ep.availableMemoryMb, memoryMb(tf.memory)],
    ["timeout (s)", ep.timeoutSeconds, tf.timeout],
    ["concurrency", ep.concurrency, tf.concurrency],
    ["min instances", ep.minInstances, tf.min],
    ["max instances", ep.maxInstances, tf.max],
  ];
  for (const [what, code, have] of settings) {
    if (typeof code === "number" && code !== have)
      out.push(`${name}: ${what} is ${have} in terraform, ${code} in code`);
  }
  return out;
}

/** The owned push subscription delivers `topic` to function `name` with OIDC and a DLQ. */
function pushMismatches(name: string, topic: string, stack: Module): string[] {
  const uri = `\${module.functions["${name}"].uri}`;
  const subs = blocks(stack, "resource", "google_pubsub_subscription").filter((s) =>
    text(nested(s.body, "push_config")?.push_endpoint).startsWith(uri),
  );
  if (subs.length !== 1) return [`${name}: ${subs.length} push subscriptions deliver to it`];
  const sub = subs[0]!.body;
  // The endpoint path names the topic for the Functions Framework: /projects/{p}/topics/{topic}.
  const path = /\/topics\/(\$\{local\.[A-Za-z0-9_]+\}|[A-Za-z0-9._-]+)$/.exec(
    text(nested(sub, "push_config")?.push_endpoint),
  )?.[1];
  const pathTopic = resolve(stack, path);
  // google_pubsub_topic.x, or x["key"] of a for_each topic (its name is the map's value).
  const ref = /google_pubsub_topic\.([A-Za-z0-9_]+)(?:\["([^"]+)"\])?/.exec(text(sub.topic));
  const topicBody = ref ? block(stack, "resource", "google_pubsub_topic", ref[1]).body : undefined;
  const topicName =
    ref?.[2] === undefined
      ? resolve(stack, topicBody?.name)
      : topicBody?.name === "${each.value}"
        ? resolve(stack, (topicBody.for_each as Record<string, unknown> | undefined)?.[ref[2]])
        : undefined;
  const out: string[] = [];
  if (topicName !== topic)
    out.push(`${name}: push subscription reads ${text(topicName)}, code listens on ${topic}`);
  if (pathTopic !== topic)
    out.push(`${name}: push endpoint path names ${text(pathTopic)}, code listens on ${topic}`);
  const oidc = nested(nested(sub, "push_config"), "oidc_token");
  if (!oidc || oidc.audience !== uri)
    out.push(`${name}: push subscription has no OIDC token for it`);
  if (!nested(sub, "dead_letter_policy")) out.push(`${name}: push subscription has no DLQ`);
  return out;
}

describe("terraform matches the code and the Firebase config", function () {
  this.timeout(120_000);
  let stack: Module;
  let modules: Map<string, Module>;
  let tfFunctions: Record<string, TfFunction>;
  const eps = endpoints();

  before(async () => {
    modules = await loadTerraform();
    stack = modules.get("modules/dermadetect")!;
    tfFunctions = stack.locals.functions as unknown as Record<string, TfFunction>;
  });

  it("finds the exported functions' trigger metadata", () => {
    expect(eps.size, "exports with __endpoint").to.be.greaterThan(0);
    expect(eps.get("api")?.httpsTrigger, "api is an HTTPS function").to.not.equal(undefined);
    for (const [name, ep] of eps) expect(ep.platform, name).to.equal("gcfv2");
  });

  it("deploys exactly the functions the code exports", () => {
    const defined = Object.keys(tfFunctions);
    const missing = [...eps.keys()].filter((name) => !defined.includes(name));
    expect(missing, "exported by functions/src/index.ts, not deployed by terraform").to.deep.equal(
      [],
    );
    const extra = defined.filter((name) => !eps.has(name));
    expect(extra, "deployed by terraform, not exported by functions/src/index.ts").to.deep.equal(
      [],
    );
  });

  it("deploys each function under its export name, as its entry point, with its own account", () => {
    const call = block(stack, "module", "functions").body;
    expect(call.for_each).to.equal("${local.functions}");
    expect(call.name).to.equal("${each.key}");
    expect(call.entry_point).to.equal("${each.key}");
  });

  it("gives each function the code's trigger type, event, document or topic and settings", () => {
    const problems: string[] = [];
    for (const [name, ep] of eps) {
      const tf = tfFunctions[name];
      if (tf) problems.push(...triggerMismatches(name, ep, tf, stack));
    }
    expect(problems).to.deep.equal([]);
  });

  it("reports a trigger that differs from the code", () => {
    const ep: Endpoint = {
      eventTrigger: {
        eventType: "google.cloud.firestore.document.v1.created",
        eventFilters: { database: "(default)" },
        eventFilterPathPatterns: { document: "analysisJobs/{jobKey}" },
        retry: true,
      },
      timeoutSeconds: 30,
    };
    const tf: TfFunction = {
      trigger: {
        kind: "firestore",
        event_type: "google.cloud.firestore.document.v1.written",
        document: "analysisJobs/{id}",
        topic: null,
        schedule: null,
        retry: false,
      },
      memory: "256Mi",
      timeout: 60,
      concurrency: 1,
      min: 0,
      max: 1,
    };
    expect(triggerMismatches("relay", ep, tf, stack)).to.have.length(4);
  });

  it("points every reference to a deployed function at an exported one", () => {
    const refs = new Set<string>();
    for (const mod of modules.values())
      for (const b of mod.blocks)
        for (const s of strings(b.body))
          for (const m of s.value.matchAll(
            /(?:module\.functions|google_service_account\.functions)\["([A-Za-z0-9]+)"\]/g,
          ))
            refs.add(m[1]!);
    expect(refs.size).to.be.greaterThan(0);
    const known = (name: string) => eps.has(name);
    for (const name of refs)
      expect(known(name), `${name} is referenced but not exported`).to.equal(true);
    const roles = stack.locals.function_project_roles as Record<string, string>;
    for (const key of Object.keys(roles)) expect(known(key.split("|")[0]!), key).to.equal(true);
  });

  it("calls every scheduled function from Cloud Scheduler on the code's schedule, as the scheduler", () => {
    // One job per onSchedule export, and no job for anything else.
    const scheduled = [...eps].filter(([, ep]) => ep.scheduleTrigger).map(([name]) => name);
    expect(scheduled, "onSchedule exports").to.have.length.greaterThan(0);
    const jobs = literalLocal(stack, "scheduler_jobs") as Record<string, string>;
    expect(Object.keys(jobs).sort()).to.deep.equal(scheduled.sort());
    for (const [name, description] of Object.entries(jobs))
      expect(description, name).to.be.a("string").and.not.equal("");
    const job = block(stack, "resource", "google_cloud_scheduler_job", "main").body;
    expect(job.for_each).to.equal("${local.scheduler_jobs}");
    expect(job.name).to.equal("${each.key}");
    expect(job.schedule).to.equal("${local.functions[each.key].trigger.schedule}");
    expect(job.attempt_deadline).to.equal("${local.functions[each.key].timeout}s");
    const target = nested(job, "http_target");
    expect(target?.uri).to.equal("${module.functions[each.key].uri}");
    const oidc = nested(target, "oidc_token");
    expect(oidc?.audience).to.equal(target?.uri);
    expect(oidc?.service_account_email).to.equal("${google_service_account.scheduler.email}");
    // The scheduler's identity, and only it, may invoke each of them.
    const invoker = block(
      stack,
      "resource",
      "google_cloud_run_service_iam_member",
      "scheduler_invokers",
    ).body;
    expect(invoker.for_each).to.equal("${local.scheduler_jobs}");
    expect(invoker.service).to.equal("${module.functions[each.key].service}");
    expect(invoker.role).to.equal("roles/run.invoker");
    expect(invoker.member).to.equal("serviceAccount:${google_service_account.scheduler.email}");
  });

  it("sets exactly the params the code declares (and every param without a default)", () => {
    const env = stack.locals.function_env as Record<string, unknown>;
    const specs = declaredParams.map((p) => ({
      name: p.name,
      secret: !("options" in p),
      hasDefault: "options" in p && p.options.default !== undefined,
    }));
    const names = specs.map((p) => p.name);
    expect(names, "params from functions/src/config.ts").to.include.members([
      "REGION",
      "MAX_BODY_BYTES",
    ]);
    for (const key of Object.keys(env)) {
      if (PLATFORM_ENV.includes(key)) continue;
      expect(names, `terraform sets ${key}, which the code does not declare`).to.include(key);
    }
    for (const p of specs.filter((s) => !s.secret && !s.hasDefault))
      expect(Object.keys(env), `terraform must set ${p.name} (no default)`).to.include(p.name);
  });

  it("gives the functions the project identity the code reads (GCLOUD_PROJECT, FIREBASE_CONFIG)", () => {
    // functions/src/config.ts projectId() falls back to demo-dermadetect without GCLOUD_PROJECT:
    // the token verifier would then reject every real token.
    const env = stack.locals.function_env as Record<string, unknown>;
    expect(env.GCLOUD_PROJECT).to.equal("${var.project_id}");
    expect(text(env.FIREBASE_CONFIG)).to.include("projectId     = var.project_id");
    const call = block(stack, "module", "functions").body;
    expect(call.environment_variables).to.equal("${local.function_env}");
  });

  it("binds exactly the secrets each function declares or reads", () => {
    const secrets = stack.locals.function_secrets as Record<string, Record<string, string>>;
    for (const [name, ep] of eps) {
      const declared = (ep.secretEnvironmentVariables ?? []).map((s) => s.key);
      const want = [...declared, ...(ENV_SECRETS[name] ?? [])].sort();
      expect(Object.keys(secrets[name] ?? {}).sort(), name).to.deep.equal(want);
    }
  });

  it("binds MEDGEMMA_API_KEY to analyzeCase alone, only with provider openai, granted on that secret", () => {
    const secrets = stack.locals.function_secrets as Record<string, Record<string, string>>;
    const holders = Object.keys(secrets).filter((n) => MEDGEMMA_API_KEY_ENV in secrets[n]!);
    expect(holders).to.deep.equal(["analyzeCase"]);
    // The code's params are plain env vars; the token must come from Secret Manager only.
    expect(stack.locals.function_env).to.not.have.property(MEDGEMMA_API_KEY_ENV);
    const bound = text(stack.locals.bound_secrets);
    expect(bound).to.include(
      `key != "${MEDGEMMA_API_KEY_ENV}" || var.medgemma.provider == "openai"`,
    );
    expect(bound).to.include("for name, env in local.function_secrets");
    const call = block(stack, "module", "functions").body;
    expect(call.secret_environment_variables).to.equal("${local.bound_secrets[each.key]}");
    // secrets.tf creates and grants exactly what is bound: one accessor binding per function
    // and secret, to the function's own account, and no project-wide Secret Manager role.
    expect(text(stack.locals.secret_bindings)).to.include("for name, env in local.bound_secrets");
    expect(text(stack.locals.secret_ids)).to.include("local.bound_secrets");
    const grant = block(stack, "resource", "google_secret_manager_secret_iam_member", "functions");
    expect(grant.body.for_each).to.equal("${local.secret_bindings}");
    expect(grant.body.role).to.equal("roles/secretmanager.secretAccessor");
    expect(grant.body.secret_id).to.equal(
      "${google_secret_manager_secret.main[each.value.secret].secret_id}",
    );
    expect(grant.body.member).to.equal(
      "serviceAccount:${google_service_account.functions[each.value.function].email}",
    );
    const roles = Object.keys(stack.locals.function_project_roles as object);
    expect(roles.filter((r) => r.includes("secretmanager"))).to.deep.equal([]);
  });

  it("sets the bound secrets in service_config with arguments the provider declares", () => {
    const fn = block(
      modules.get("modules/function")!,
      "resource",
      "google_cloudfunctions2_function",
      "main",
    );
    expect(schemaViolations("google_cloudfunctions2_function", fn.body)).to.deep.equal([]);
    // hcl2json gives `dynamic` as one object keyed by block name.
    const dyn = nested(fn.body, "service_config")?.dynamic as Body | undefined;
    const sev = nested(dyn, "secret_environment_variables");
    expect(sev?.for_each).to.equal("${var.secret_environment_variables}");
    const content = nested(sev, "content");
    expect(content?.key).to.equal("${secret_environment_variables.key}");
    expect(content?.secret).to.equal("${secret_environment_variables.value}");
  });

  it("agrees with firebase.json on runtime, source directory, rules and indexes", () => {
    const firebase = readJson("firebase.json") as {
      functions: Array<{ source: string; runtime: string }>;
      firestore: { rules: string; indexes: string };
    };
    const [fn] = firebase.functions;
    const runtime = block(modules.get("modules/function")!, "variable", "runtime").body;
    expect(runtime.default).to.equal(fn!.runtime);
    const call = block(modules.get("environments")!, "module", "dermadetect").body;
    expect(call.functions_source_dir).to.equal(`\${path.root}/../../${fn!.source}`);
    expect(call.firestore_rules_path).to.equal(`\${path.root}/../../${firebase.firestore.rules}`);
    expect(call.firestore_indexes_path).to.equal(
      `\${path.root}/../../${firebase.firestore.indexes}`,
    );
  });

  it("creates every composite index firestore.indexes.json lists, in the shape terraform reads", () => {
    const idx = readJson("firestore.indexes.json") as {
      indexes: Array<{ collectionGroup: string; fields: Array<Record<string, string>> }>;
    };
    expect(stack.locals.firestore_indexes).to.equal(
      "${jsondecode(file(var.firestore_indexes_path))}",
    );
    for (const i of idx.indexes) {
      expect(i.collectionGroup).to.be.a("string");
      for (const f of i.fields) {
        expect(f.fieldPath).to.be.a("string");
        expect(f.order ?? f.arrayConfig, `${i.collectionGroup}.${f.fieldPath}`).to.be.a("string");
      }
    }
    // The pull cursor query of every synced collection: where chw_id == uid order by server_seq.
    for (const collection of ["patients", "cases", "diagnoses"]) {
      const found = idx.indexes.some(
        (i) =>
          i.collectionGroup === collection &&
          JSON.stringify(i.fields.map((f) => [f.fieldPath, f.order])) ===
            JSON.stringify([
              ["chw_id", "ASCENDING"],
              ["server_seq", "ASCENDING"],
            ]),
      );
      expect(found, `(chw_id ASC, server_seq ASC) index on ${collection}`).to.equal(true);
    }
  });

  it("deploys every field override of firestore.indexes.json (TTL policies and index exemptions)", () => {
    const idx = readJson("firestore.indexes.json") as {
      fieldOverrides?: Array<{
        collectionGroup: string;
        fieldPath: string;
        ttl?: boolean;
        indexes?: unknown[];
      }>;
    };
    const ttl = block(stack, "resource", "google_firestore_field", "ttl").body;
    expect(ttl.for_each).to.equal("${local.ttl_fields}");
    const exempt = block(stack, "resource", "google_firestore_field", "index_exempt").body;
    expect(exempt.for_each).to.equal("${local.index_exempt_fields}");
    expect(exempt.index_config).to.deep.equal([{}]);
    expect(stack.locals.index_exempt_fields).to.contain(
      'length(lookup(o, "indexes", [null])) == 0',
    );
    // Terraform deploys `"ttl": true` overrides as TTL fields and the others as exemptions, both
    // without indexes; an override with indexes would be silently skipped, so none may exist
    // until terraform handles it, and no field may be both (two resources for one field).
    const seen = new Set<string>();
    for (const o of idx.fieldOverrides ?? []) {
      const where = `${o.collectionGroup}.${o.fieldPath}`;
      expect(o.indexes, `${where}: terraform deploys overrides without indexes`).to.deep.equal([]);
      expect(seen.has(where), `${where} is overridden once`).to.equal(false);
      seen.add(where);
    }
  });

  it("names the same projects in .firebaserc and the environments' examples", () => {
    const rc = readJson(".firebaserc") as { projects: Record<string, string> };
    // The local stack is demo-<name>; deployed environments are <name>-<environment>.
    expect(rc.projects.default).to.match(/^demo-/);
    const base = rc.projects.default!.slice("demo-".length);
    for (const env of ["staging", "prod"]) {
      const example = readFileSync(
        join(REPO_DIR, "terraform", "environments", env, "terraform.tfvars.example"),
        "utf8",
      );
      const project = /^project_id\s*=\s*"([^"]+)"/m.exec(example)?.[1];
      expect(project, env).to.equal(`${base}-${env}`);
      expect(rc.projects[env], `.firebaserc alias ${env}`).to.equal(project);
    }
  });
});
