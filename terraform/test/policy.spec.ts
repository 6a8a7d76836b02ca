import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Module } from "./hcl";
import {
  REPO_DIR,
  TERRAFORM_DIR,
  block,
  blocks,
  loadTerraform,
  nested,
  nestedAll,
  parseModule,
  text,
} from "./hcl";
import {
  ALLOWED_PUBLIC,
  auditedServices,
  bucketPolicy,
  grantsWithoutReason,
  moduleCallMismatches,
  movedMismatches,
  primitiveRoles,
  publicMembers,
  pubsubAgentGrants,
  subscriptionPolicy,
  unboundedVersions,
  undeclaredReferences,
  undocumented,
} from "./policy";

const STACK = "modules/dermadetect";
const FUNCTION = "modules/function";
/** The one root every environment deploys from (the workspace picks the environment). */
const ROOT = "environments";
const AGENT = "${local.pubsub_service_agent}";
/**
 * Resource addresses that deployed stacks hold in their state from before a block was folded
 * into a for_each: each needs a `moved` block, or the next apply destroys and recreates it.
 */
const RETIRED_ADDRESSES = [
  "google_cloud_scheduler_job.sweep_analysis_jobs",
  "google_cloud_scheduler_job.sweep_overdue_cases",
  "google_cloud_scheduler_job.sweep_sync_batches",
  "google_cloud_run_service_iam_member.scheduler_invoker",
  "google_cloud_run_service_iam_member.scheduler_invoker_overdue",
  "google_cloud_run_service_iam_member.scheduler_invoker_sync",
  "google_pubsub_topic.analysis",
  "google_pubsub_topic.analysis_dlq",
];

/** Grants that break two rules at once: a primitive role in each, and no reason for either. */
const UNEXPLAINED_PRIMITIVE_GRANTS = `
locals {
  function_project_roles = { "api|roles/editor" = "" }
}

resource "google_project_iam_member" "silent" {
  project = "p"
  role    = "roles/owner"
  member  = "user:a@example.com"
}`;

/** A throwaway module parsed from inline HCL: proves each check can fail. */
function hcl(text: string): Promise<Module> {
  return parseModule("fixture", [{ file: "fixture/main.tf", text }]);
}

describe("terraform static policy", function () {
  // Parsing runs HCL's Go parser compiled to WebAssembly; the first load can take seconds.
  this.timeout(120_000);
  let modules: Map<string, Module>;
  let stack: Module;

  before(async () => {
    modules = await loadTerraform();
    stack = modules.get(STACK)!;
    expect(stack, "modules/dermadetect parsed").to.not.equal(undefined);
  });

  /** A check finds nothing in any module of the configuration, and exactly `found` in `fixture`. */
  async function expectCheck(check: (mod: Module) => string[], fixture: string, found: string[]) {
    for (const mod of modules.values()) expect(check(mod), mod.dir).to.deep.equal([]);
    expect(check(await hcl(fixture)).sort()).to.deep.equal([...found].sort());
  }

  it("has the module + one environment root layout, the root calling the stack module", () => {
    expect([...modules.keys()].sort()).to.have.members([ROOT, STACK, FUNCTION]);
    const call = block(modules.get(ROOT)!, "module", "dermadetect").body;
    expect(call.source).to.equal("../modules/dermadetect");
    expect(call.environment).to.equal("${terraform.workspace}");
    expect(call.deletion_protection).to.equal("${local.environment.deletion_protection}");
  });

  it("takes each environment's settings from its workspace: prod protected, staging not", () => {
    const root = modules.get(ROOT)!;
    // A workspace without an entry (default, a typo) fails the lookup, so the plan stops.
    expect(root.locals.environment).to.equal("${local.environments[terraform.workspace]}");
    expect(root.locals.environments).to.deep.equal({
      staging: { deletion_protection: false },
      prod: { deletion_protection: true },
    });
  });

  it("refers only to declared variables, locals, modules, resources and data sources", async () => {
    for (const mod of modules.values()) expect(undeclaredReferences(mod)).to.deep.equal([]);
    const bad = await hcl(`
variable "region" {
  type        = string
  description = "r"
}
resource "google_pubsub_topic" "t" {
  name   = "\${var.regoin}-\${local.missing}"
  labels = { a = google_storage_bucket.nope.name, b = module.fn.uri, c = data.google_project.p.number }
}`);
    expect(undeclaredReferences(bad).sort()).to.deep.equal([
      "fixture: google_pubsub_topic.t: data.google_project.p",
      "fixture: google_pubsub_topic.t: google_storage_bucket.nope",
      "fixture: google_pubsub_topic.t: local.missing",
      "fixture: google_pubsub_topic.t: module.fn",
      "fixture: google_pubsub_topic.t: var.regoin",
    ]);
  });

  it("calls modules with exactly their variables and reads only outputs they define", async () => {
    expect(moduleCallMismatches(modules)).to.deep.equal([]);
    const callee = await parseModule("modules/x", [
      {
        file: "modules/x/main.tf",
        text: `
variable "name" {
  type        = string
  description = "n"
}
output "uri" {
  value       = var.name
  description = "u"
}`,
      },
    ]);
    const caller = await parseModule("env", [
      {
        file: "env/main.tf",
        text: `
module "x" {
  source = "../modules/x"
  nmae   = "typo"
}
output "o" {
  value       = module.x.url
  description = "o"
}`,
      },
    ]);
    const found = moduleCallMismatches(
      new Map([
        ["modules/x", callee],
        ["env", caller],
      ]),
    );
    expect(found.sort()).to.deep.equal([
      "env: module.x: modules/x has no output url",
      "env: module.x: modules/x has no variable nmae",
      "env: module.x: required variable name is not set",
    ]);
  });

  it("moves every retired resource address to a declared resource instead of replacing it", async () => {
    expect(movedMismatches(stack)).to.deep.equal([]);
    for (const mod of modules.values()) expect(movedMismatches(mod)).to.deep.equal([]);
    expect(stack.moved.map((m) => m.from)).to.include.members(RETIRED_ADDRESSES);
    const bad = await hcl(`
locals {
  jobs = { a = "x" }
}
resource "google_cloud_scheduler_job" "main" {
  for_each = local.jobs
  name     = each.key
}
resource "google_pubsub_topic" "kept" { name = "k" }
moved {
  from = google_cloud_scheduler_job.old_a
  to   = google_cloud_scheduler_job.main["b"]
}
moved {
  from = google_pubsub_topic.kept
  to   = google_pubsub_topic.gone
}`);
    expect(movedMismatches(bad)).to.have.members([
      'fixture/main.tf: moved google_cloud_scheduler_job.old_a -> google_cloud_scheduler_job.main["b"]: local.jobs has no key b',
      "fixture/main.tf: moved google_pubsub_topic.kept -> google_pubsub_topic.gone: google_pubsub_topic.kept is still declared",
      "fixture/main.tf: moved google_pubsub_topic.kept -> google_pubsub_topic.gone: google_pubsub_topic.gone is not declared",
    ]);
  });

  it("grants nothing to allUsers or allAuthenticatedUsers except the api invoker", () => {
    for (const mod of modules.values())
      expect(publicMembers(mod, ALLOWED_PUBLIC)).to.deep.equal([]);
    const api = block(
      stack,
      "resource",
      "google_cloud_run_service_iam_member",
      "api_public_invoker",
    );
    expect(api.body.role).to.equal("roles/run.invoker");
    expect(api.body.service).to.equal('${module.functions["api"].service}');
    expect(api.body.count).to.equal("${var.api_public_access ? 1 : 0}");
  });

  it("detects a public bucket binding", async () => {
    const bad = await hcl(`
resource "google_storage_bucket_iam_member" "leak" {
  bucket = "b"
  role   = "roles/storage.objectViewer"
  member = "allUsers"
}`);
    expect(publicMembers(bad, ALLOWED_PUBLIC)).to.have.length(1);
  });

  it("uses no primitive role (owner, editor, viewer)", async () => {
    await expectCheck(primitiveRoles, UNEXPLAINED_PRIMITIVE_GRANTS, [
      "fixture: google_project_iam_member.silent.role = roles/owner",
      'fixture: local.function_project_roles["api|roles/editor"]',
    ]);
  });

  it("gives every subscription that feeds code a 5-attempt dead-letter and retry policy", async () => {
    expect(subscriptionPolicy(stack)).to.deep.equal([]);
    expect(blocks(stack, "resource", "google_pubsub_subscription")).to.have.length.greaterThan(0);
    const bad = await hcl(`
resource "google_pubsub_topic" "requests" { name = "r" }
resource "google_pubsub_topic" "dlq" { name = "r-dlq" }
resource "google_pubsub_subscription" "push" {
  name  = "r-push"
  topic = google_pubsub_topic.requests.id
}
resource "google_pubsub_subscription" "other" {
  name  = "r-other"
  topic = google_pubsub_topic.requests.id
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dlq.id
    max_delivery_attempts = 20
  }
}`);
    const found = subscriptionPolicy(bad);
    expect(found.join("\n")).to.match(/push has no dead_letter_policy/);
    expect(found.join("\n")).to.match(/max_delivery_attempts is 20/);
    expect(found.join("\n")).to.match(/needs a retry_policy/);
    expect(found.join("\n")).to.match(
      /dead-letter topic google_pubsub_topic.dlq has no subscription/,
    );
  });

  it("lets the Pub/Sub service agent dead-letter and sign push tokens", async () => {
    expect(pubsubAgentGrants(stack, AGENT)).to.deep.equal([]);
    expect(stack.locals.pubsub_service_agent).to.equal(
      "serviceAccount:service-${data.google_project.main.number}@gcp-sa-pubsub.iam.gserviceaccount.com",
    );
    const bad = await hcl(`
resource "google_pubsub_topic" "dlq" { name = "d" }
resource "google_pubsub_subscription" "s" {
  topic = "t"
  push_config {
    push_endpoint = "https://x"
    oidc_token { service_account_email = google_service_account.push.email }
  }
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dlq.id
    max_delivery_attempts = 5
  }
}`);
    expect(pubsubAgentGrants(bad, AGENT)).to.have.length(3);
  });

  it("keeps the push ack deadline at or above analyzeCase's timeout (it is the request timeout)", () => {
    const push = block(stack, "resource", "google_pubsub_subscription", "analysis_push");
    const fns = stack.locals.functions as Record<string, { timeout: number }>;
    expect(push.body.ack_deadline_seconds).to.be.a("number");
    expect(push.body.ack_deadline_seconds).to.be.at.least(fns.analyzeCase!.timeout);
    const oidc = nested(nested(push.body, "push_config"), "oidc_token");
    expect(oidc?.audience).to.equal('${module.functions["analyzeCase"].uri}');
  });

  it("makes every bucket uniform with public access prevention enforced", async () => {
    for (const mod of modules.values()) expect(bucketPolicy(mod)).to.deep.equal([]);
    expect(blocks(stack, "resource", "google_storage_bucket")).to.have.length(2);
    const bad = await hcl(`resource "google_storage_bucket" "b" { name = "b" }`);
    expect(bucketPolicy(bad)).to.have.length(2);
  });

  it("keeps the images bucket versioned, with CORS for signed PUTs and lifecycle rules", () => {
    const images = block(stack, "resource", "google_storage_bucket", "images").body;
    expect(nested(images, "versioning")?.enabled).to.equal(true);
    expect(nested(images, "cors")?.method).to.deep.equal(["PUT"]);
    const actions = nestedAll(images, "lifecycle_rule").map((r) => nested(r, "action")?.type);
    expect(actions).to.include.members(["Delete", "AbortIncompleteMultipartUpload"]);
  });

  it("turns on Data Access audit logs for Firestore, Storage, Pub/Sub and Vertex AI", async () => {
    expect([...auditedServices(stack)].sort()).to.deep.equal([
      "aiplatform.googleapis.com",
      "datastore.googleapis.com",
      "pubsub.googleapis.com",
      "storage.googleapis.com",
    ]);
    const readOnly = await hcl(`
resource "google_project_iam_audit_config" "a" {
  service = "storage.googleapis.com"
  audit_log_config { log_type = "DATA_READ" }
}`);
    expect([...auditedServices(readOnly)]).to.deep.equal([]);
  });

  it("types and describes every variable and describes every output", async () => {
    for (const mod of modules.values()) expect(undocumented(mod)).to.deep.equal([]);
    const bad = await hcl(`
variable "x" {}
output "y" { value = 1 }`);
    expect(undocumented(bad)).to.have.length(3);
  });

  it("documents every input and output in terraform/README.md, and nothing that is gone", () => {
    const readme = readFileSync(join(TERRAFORM_DIR, "README.md"), "utf8");
    const docs = readme.slice(
      readme.indexOf("<!-- BEGIN_TF_DOCS -->"),
      readme.indexOf("<!-- END_TF_DOCS -->"),
    );
    const documented = [...docs.matchAll(/^\| ([a-z0-9_]+) \|/gm)].map((m) => m[1]!);
    const declared = new Set(
      [...modules.values()]
        .flatMap((m) => [...blocks(m, "variable"), ...blocks(m, "output")])
        .map((b) => b.name),
    );
    expect(
      documented.filter((name) => !declared.has(name)),
      "stale README rows",
    ).to.deep.equal([]);
    for (const dir of [STACK, FUNCTION, ROOT]) {
      for (const b of [
        ...blocks(modules.get(dir)!, "variable"),
        ...blocks(modules.get(dir)!, "output"),
      ])
        expect(readme, `${dir} ${b.kind} ${b.name}`).to.include(
          `| ${b.name} | ${text(b.body.description)} |`,
        );
    }
  });

  it("bounds terraform and provider versions in every module", async () => {
    for (const mod of modules.values()) expect(unboundedVersions(mod)).to.deep.equal([]);
    const bad = await hcl(`
terraform {
  required_version = ">= 1.5"
  required_providers {
    google = { source = "hashicorp/google", version = "~> 6.0" }
  }
}`);
    expect(unboundedVersions(bad)).to.have.length(2);
  });

  it("configures the GCS backend at init (no bucket committed)", () => {
    const backends = modules
      .get(ROOT)!
      .terraform.map((t) => t.backend)
      .filter((b) => b !== undefined);
    // Exactly `backend "gcs" {}`: bucket and prefix come from -backend-config at init.
    expect(backends).to.deep.equal([{ gcs: [{}] }]);
  });

  it("states a one-line reason for every IAM grant", async () => {
    await expectCheck(grantsWithoutReason, UNEXPLAINED_PRIMITIVE_GRANTS, [
      "fixture/main.tf: google_project_iam_member.silent has no reason comment",
      'fixture: local.function_project_roles["api|roles/editor"] needs a one-line reason',
    ]);
  });

  it("gives each function its own service account and only the roles listed for it", () => {
    const sas = block(stack, "resource", "google_service_account", "functions");
    expect(sas.body.for_each).to.equal("${local.functions}");
    const call = block(stack, "module", "functions");
    expect(call.body.service_account_email).to.equal(
      "${google_service_account.functions[each.key].email}",
    );
    const roles = stack.locals.function_project_roles as Record<string, string>;
    const fns = Object.keys(stack.locals.functions as object);
    for (const key of Object.keys(roles)) {
      const [fn, role] = key.split("|");
      expect(fns, key).to.include(fn);
      expect(role, key).to.match(/^roles\/[a-z]+\.[A-Za-z]+$/);
    }
  });

  it("enables the APIs with for_each and never disables them on destroy", () => {
    const apis = block(stack, "resource", "google_project_service", "main").body;
    expect(apis.for_each).to.equal("${toset(local.services)}");
    expect(apis.disable_on_destroy).to.equal(false);
    expect(stack.locals.services).to.include.members([
      "cloudfunctions.googleapis.com",
      "run.googleapis.com",
      "eventarc.googleapis.com",
      "firestore.googleapis.com",
      "firebaserules.googleapis.com",
      "pubsub.googleapis.com",
      "secretmanager.googleapis.com",
      "aiplatform.googleapis.com",
      "cloudscheduler.googleapis.com",
    ]);
  });

  it("creates Firestore in native mode with TTL on syncBatches.expire_at and releases the rules", () => {
    const db = block(stack, "resource", "google_firestore_database", "main").body;
    expect(db.type).to.equal("FIRESTORE_NATIVE");
    expect(db.name).to.equal("(default)");
    // TTL policies are the `"ttl": true` field overrides of firestore.indexes.json.
    const ttl = block(stack, "resource", "google_firestore_field", "ttl").body;
    expect(ttl.for_each).to.equal("${local.ttl_fields}");
    expect([ttl.collection, ttl.field]).to.deep.equal([
      "${each.value.collectionGroup}",
      "${each.value.fieldPath}",
    ]);
    expect(ttl.ttl_config).to.deep.equal([{}]);
    const indexes = JSON.parse(readFileSync(join(REPO_DIR, "firestore.indexes.json"), "utf8")) as {
      fieldOverrides: Array<{ collectionGroup: string; fieldPath: string; ttl?: boolean }>;
    };
    const ttls = indexes.fieldOverrides.filter((o) => o.ttl === true);
    expect(ttls.map((o) => `${o.collectionGroup}.${o.fieldPath}`)).to.include(
      "syncBatches.expire_at",
    );
    const ruleset = block(stack, "resource", "google_firebaserules_ruleset", "firestore").body;
    const files = nested(nested(ruleset, "source"), "files");
    expect(files?.content).to.equal("${file(var.firestore_rules_path)}");
    const release = block(stack, "resource", "google_firebaserules_release", "firestore").body;
    expect(release.name).to.equal("cloud.firestore");
  });

  it("sets memory, timeout, concurrency and instance bounds on every function", () => {
    const fns = stack.locals.functions as Record<string, Record<string, unknown>>;
    for (const [name, f] of Object.entries(fns)) {
      expect(f.memory, name).to.match(/^\d+(Mi|Gi)$/);
      expect(f.timeout, name).to.be.within(1, 540);
      expect(f.concurrency, name).to.be.within(1, 1000);
      expect(f.max, name).to.be.within(1, 100);
      expect(f.min, name).to.be.within(0, f.max as number);
      // Only the api takes traffic from the internet (through the load balancer once
      // api_front_door_only is on); Eventarc, Pub/Sub push and Cloud Scheduler are internal callers.
      expect(f.ingress, name).to.equal(
        name === "api"
          ? '${var.api_front_door_only ? "ALLOW_INTERNAL_AND_GCLB" : "ALLOW_ALL"}'
          : "ALLOW_INTERNAL_ONLY",
      );
    }
  });

  it("runs every function on nodejs22 and refuses demo- projects", () => {
    const runtime = block(modules.get(FUNCTION)!, "variable", "runtime").body;
    expect(runtime.default).to.equal("nodejs22");
    const project = block(stack, "variable", "project_id").body;
    expect(JSON.stringify(project.validation)).to.include(
      'startswith(var.project_id, \\"demo-\\")',
    );
  });
});
