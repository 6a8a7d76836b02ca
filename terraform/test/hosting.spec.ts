import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { REPO_DIR, blocks, loadTerraform } from "./hcl";
import type { Module } from "./hcl";
import { META_ARGUMENTS, betaResourceSchema } from "./provider-schema";

interface HostingTarget {
  target: string;
  public: string;
  headers?: { source: string; headers: { key: string; value: string }[] }[];
  rewrites?: { source: string; function?: { functionId: string }; destination?: string }[];
}

const firebaseJson = JSON.parse(readFileSync(join(REPO_DIR, "firebase.json"), "utf8")) as {
  hosting?: HostingTarget[];
};

describe("Firebase Hosting: both web apps, their sites and security headers", function () {
  this.timeout(20_000);
  let stack: Module;

  before(async () => {
    const mods = await loadTerraform();
    stack = mods.get("modules/dermadetect") as Module;
  });

  it("declares the google-beta Hosting resources with arguments the provider schema knows", () => {
    const types = ["google_firebase_hosting_site", "google_firebase_web_app"];
    for (const type of types) {
      const schema = betaResourceSchema(type);
      expect(schema, type).to.not.equal(undefined);
      const found = blocks(stack, "resource", type);
      expect(found, type).to.have.length.greaterThan(0);
      for (const b of found) {
        expect(b.body.provider, `${type}.${b.name} provider`).to.equal("${google-beta}");
        for (const arg of Object.keys(b.body)) {
          if (META_ARGUMENTS.has(arg)) continue;
          expect(schema!.arguments.has(arg), `${type}.${b.name}: unknown argument ${arg}`).to.equal(
            true,
          );
        }
        for (const [arg, required] of schema!.arguments) {
          if (required) expect(b.body, `${type}.${b.name} needs ${arg}`).to.have.property(arg);
        }
      }
    }
  });

  it("rejects an argument the provider does not have (the check can fail)", () => {
    const schema = betaResourceSchema("google_firebase_hosting_site");
    expect(schema!.arguments.has("site_id")).to.equal(true);
    expect(schema!.arguments.has("public_dir")).to.equal(false);
    expect(betaResourceSchema("google_firebase_hosting_nonsense")).to.equal(undefined);
  });

  it("has one terraform site per firebase.json hosting target", () => {
    const targets = (firebaseJson.hosting ?? []).map((h) => h.target).sort();
    expect(targets).to.deep.equal(["chw", "console"]);
    const sites = stack.locals.hosting_sites as Record<string, unknown>;
    expect(Object.keys(sites).sort()).to.deep.equal(targets);
  });

  it("serves console/dist and mobile/dist with the api behind the same origin", () => {
    const byTarget = new Map((firebaseJson.hosting ?? []).map((h) => [h.target, h]));
    expect(byTarget.get("console")?.public).to.equal("console/dist");
    expect(byTarget.get("chw")?.public).to.equal("mobile/dist");
    for (const h of byTarget.values()) {
      const api = h.rewrites?.find((r) => r.source === "/api/**");
      expect(api?.function?.functionId, h.target).to.equal("api");
    }
  });

  it("sends CSP without framing, no referrer (signed URLs never leak), nosniff on every path", () => {
    for (const h of firebaseJson.hosting ?? []) {
      const all = h.headers?.find((x) => x.source === "**");
      const get = (k: string) => all?.headers.find((x) => x.key.toLowerCase() === k)?.value;
      const csp = get("content-security-policy") ?? "";
      expect(csp, h.target).to.match(/frame-ancestors 'none'/);
      expect(csp, h.target).to.match(/default-src 'self'/);
      expect(csp, h.target).to.match(/object-src 'none'/);
      expect(csp, h.target).not.to.match(/script-src[^;]*'unsafe-inline'/);
      expect(get("x-frame-options"), h.target).to.equal("DENY");
      expect(get("referrer-policy"), h.target).to.equal("no-referrer");
      expect(get("x-content-type-options"), h.target).to.equal("nosniff");
      expect(get("strict-transport-security"), h.target).to.match(/max-age=\d{7,}/);
    }
  });
});
