import { expect } from "chai";
import type { Block, Body, Module } from "./hcl";
import { block, blocks, loadTerraform, nested, nestedAll, text } from "./hcl";
import { schemaViolations } from "./provider-schema";
import { chwWebConfigSchema, consoleConfigSchema } from "../../contract/src/web-config";

// Issue 17, finding 2: the api's front door (modules/dermadetect/frontdoor.tf). The provider
// cannot be downloaded here, so each resource is checked against google-beta 6.50.0's own
// schema (nested blocks included), and the policy is checked for what it must enforce.

const STACK = "modules/dermadetect";

/** What Cloud Armor accepts as a rule action (the provider documents deny(403|404|502)). */
const ACTIONS = /^(allow|deny\((403|404|502)\)|throttle|rate_based_ban|redirect)$/;

function rules(policy: Block): Body[] {
  return nestedAll(policy.body, "rule").sort((a, b) => Number(a.priority) - Number(b.priority));
}

function expression(rule: Body): string {
  return text(nested(nested(rule, "match"), "expr")?.expression ?? "");
}

describe("terraform: the api front door (load balancer + Cloud Armor)", function () {
  this.timeout(120_000);
  let stack: Module;
  let modules: Map<string, Module>;
  let policy: Block;

  before(async () => {
    modules = await loadTerraform();
    stack = modules.get(STACK)!;
    policy = block(stack, "resource", "google_compute_security_policy", "api");
  });

  it("declares every front-door resource with arguments and blocks the provider schema knows", () => {
    const types = [
      "google_compute_global_address",
      "google_compute_managed_ssl_certificate",
      "google_compute_region_network_endpoint_group",
      "google_compute_security_policy",
      "google_compute_backend_service",
      "google_compute_url_map",
      "google_compute_target_https_proxy",
      "google_compute_global_forwarding_rule",
    ];
    for (const type of types) {
      const found = blocks(stack, "resource", type);
      expect(found, type).to.have.length(1);
      for (const b of found) expect(schemaViolations(type, b.body), type).to.deep.equal([]);
    }
  });

  it("rejects unknown arguments, unknown nested arguments and missing required ones (the check can fail)", () => {
    const found = schemaViolations("google_compute_security_policy", {
      name: "p",
      body_limit: 10,
      rule: [{ action: "allow", match: [{ expr: [{ expresion: "true" }] }] }],
    });
    expect(found).to.have.members([
      "google_compute_security_policy: unknown argument body_limit",
      "google_compute_security_policy.rule[0]: missing required priority",
      "google_compute_security_policy.rule[0].match[0].expr[0]: missing required expression",
      "google_compute_security_policy.rule[0].match[0].expr[0]: unknown argument expresion",
    ]);
    expect(schemaViolations("google_compute_nonsense", {})).to.have.length(1);
  });

  it("refuses a body over the api's cap from its Content-Length, before any other rule", () => {
    const ordered = rules(policy);
    const first = ordered[0]!;
    expect(first.action).to.equal("deny(403)");
    expect(expression(first)).to.equal(
      "'content-length' in request.headers && int(request.headers['content-length']) > ${local.api_edge_max_body_bytes}",
    );
    // The edge cap is the api's own (MAX_BODY_BYTES, the largest any route accepts).
    expect(stack.locals.api_edge_max_body_bytes).to.equal("${var.max_body_bytes}");
    for (const r of ordered) expect(text(r.action), text(r.priority)).to.match(ACTIONS);
    expect(ordered.at(-1)?.priority).to.equal(2147483647);
    expect(ordered.at(-1)?.action).to.equal("allow");
  });

  it("bans a client IP over the per-minute limit and throttles the sync routes tighter", () => {
    const ordered = rules(policy);
    const ban = ordered.find((r) => r.action === "rate_based_ban");
    const sync = ordered.find((r) => r.action === "throttle");
    expect(ban, "rate_based_ban rule").to.not.equal(undefined);
    expect(sync, "throttle rule").to.not.equal(undefined);
    // The sync throttle is evaluated before the general ban, on the sync paths only.
    expect(Number(sync!.priority)).to.be.below(Number(ban!.priority));
    expect(expression(sync!)).to.equal("request.path.startsWith('/v1/sync')");
    expect(nested(nested(ban, "match"), "config")?.src_ip_ranges).to.deep.equal(["*"]);
    const banOpts = nested(ban, "rate_limit_options")!;
    const syncOpts = nested(sync, "rate_limit_options")!;
    for (const o of [banOpts, syncOpts]) {
      expect(o.enforce_on_key).to.equal("IP");
      expect(o.exceed_action).to.equal("deny(429)");
      expect(nested(o, "rate_limit_threshold")?.interval_sec).to.equal(60);
    }
    expect(banOpts.ban_duration_sec).to.equal("${var.api_rate_limits.ban_seconds}");
    expect(nested(banOpts, "rate_limit_threshold")?.count).to.equal(
      "${var.api_rate_limits.requests_per_minute}",
    );
    expect(nested(syncOpts, "rate_limit_threshold")?.count).to.equal(
      "${var.api_rate_limits.sync_requests_per_minute}",
    );
    // Limits are set: defaults exist, the sync one is the tighter, and a validation keeps it so.
    const v = block(stack, "variable", "api_rate_limits").body;
    const type = text(v.type);
    const limit = (name: string) =>
      Number(new RegExp(`${name}\\s*=\\s*optional\\(number,\\s*(\\d+)\\)`).exec(type)?.[1]);
    expect(limit("requests_per_minute")).to.be.greaterThan(0);
    expect(limit("ban_seconds")).to.be.greaterThan(0);
    expect(limit("sync_requests_per_minute")).to.be.greaterThan(0);
    expect(limit("sync_requests_per_minute")).to.be.below(limit("requests_per_minute"));
    expect(JSON.stringify(v.validation)).to.include("sync_requests_per_minute <=");
  });

  it("routes the load balancer to the api through a serverless NEG behind the policy, on 443 with a managed certificate", () => {
    const neg = block(stack, "resource", "google_compute_region_network_endpoint_group", "api");
    expect(neg.body.network_endpoint_type).to.equal("SERVERLESS");
    expect(nested(neg.body, "cloud_run")?.service).to.equal('${module.functions["api"].service}');
    const backend = block(stack, "resource", "google_compute_backend_service", "api").body;
    expect(backend.security_policy).to.equal("${google_compute_security_policy.api.id}");
    expect(nested(backend, "backend")?.group).to.equal(
      "${google_compute_region_network_endpoint_group.api.id}",
    );
    expect(backend.load_balancing_scheme).to.equal("EXTERNAL_MANAGED");
    const proxy = block(stack, "resource", "google_compute_target_https_proxy", "api").body;
    expect(proxy.ssl_certificates).to.deep.equal([
      "${google_compute_managed_ssl_certificate.api.id}",
    ]);
    const cert = block(stack, "resource", "google_compute_managed_ssl_certificate", "api").body;
    expect(nested(cert, "managed")?.domains).to.deep.equal(["${local.api_host}"]);
    const rule = block(stack, "resource", "google_compute_global_forwarding_rule", "api").body;
    expect([rule.port_range, rule.target, rule.load_balancing_scheme]).to.deep.equal([
      "443",
      "${google_compute_target_https_proxy.api.id}",
      "EXTERNAL_MANAGED",
    ]);
    expect(stack.locals.services).to.include("compute.googleapis.com");
  });

  it("limits the api's ingress to internal and load-balancer traffic by default, and gives clients the front door's URL", () => {
    const fns = stack.locals.functions as Record<string, { ingress: string }>;
    expect(fns.api!.ingress).to.equal(
      '${var.api_front_door_only ? "ALLOW_INTERNAL_AND_GCLB" : "ALLOW_ALL"}',
    );
    // On unless the operator opens it for a migration, in the module and in the root that
    // deploys it: Hosting's rewrite and the run.app URL would bypass Cloud Armor.
    expect(block(stack, "variable", "api_front_door_only").body.default).to.equal(true);
    const root = modules.get("environments")!;
    expect(block(root, "variable", "api_front_door_only").body.default).to.equal(true);
    const call = block(root, "module", "dermadetect").body;
    expect(call.api_front_door_only).to.equal("${var.api_front_door_only}");
    expect(call.api_domain).to.equal("${var.api_domain}");
    const apiUrl = block(stack, "output", "api_url").body;
    expect(apiUrl.value).to.equal("https://${local.api_host}");
    // A safe default: without a domain the certificate is issued for <ip>.nip.io.
    expect(block(stack, "variable", "api_domain").body.default).to.equal("");
  });

  it("gives both web apps the front door's URL as apiBaseUrl, in the contract's shape", () => {
    const configs = text(stack.locals.web_configs);
    expect(configs).to.include("for k in keys(local.hosting_sites) : k =>");
    // The same host as api_url, whether or not the direct URLs are closed yet: a bundle built
    // while they are open keeps working once they close.
    expect(configs).to.include('apiBaseUrl = "https://${local.api_host}"');
    expect(configs).to.include(
      "apiKey     = data.google_firebase_web_app_config.hosting[k].api_key",
    );
    expect(configs).to.include("projectId  = var.project_id");
    // Every key terraform writes is one the apps' closed schemas accept, and every required one is set.
    const keys = [...configs.matchAll(/^\s*([A-Za-z]+)\s*=/gm)].map((m) => m[1]);
    for (const schema of [consoleConfigSchema, chwWebConfigSchema]) {
      expect(keys, schema.$id).to.include.members([...schema.required]);
      for (const k of keys) expect(Object.keys(schema.properties), k).to.include(k);
    }
    const data = block(stack, "data", "google_firebase_web_app_config", "hosting").body;
    expect(data.provider).to.equal("${google-beta}");
    expect(data.for_each).to.equal("${local.hosting_sites}");
    expect(data.web_app_id).to.equal("${google_firebase_web_app.hosting[each.key].app_id}");
    const out = block(stack, "output", "web_configs").body;
    expect(out.value).to.equal("${local.web_configs}");
    const env = block(modules.get("environments")!, "output", "web_configs").body;
    expect(env.value).to.equal("${module.dermadetect.web_configs}");
  });

  it("lets the api answer CORS for exactly the two Hosting sites' origins", () => {
    const env = stack.locals.function_env as Record<string, unknown>;
    expect(env.API_CORS_ORIGINS).to.equal('${join(",", local.hosting_origins)}');
    expect(text(stack.locals.hosting_origins)).to.equal(
      "${[for k in sort(keys(local.hosting_sites)) : google_firebase_hosting_site.hosting[k].default_url]}",
    );
    expect(Object.keys(stack.locals.hosting_sites as object).sort()).to.deep.equal([
      "chw",
      "console",
    ]);
  });
});
