import { expect } from "chai";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEPLOY_CONFIG,
  NATIVE_RELEASE,
  ReleaseConfigError,
  ROOT,
  allowConnect,
  apiOrigin,
  hostingForRelease,
  nativeRelease,
  parseWebConfigs,
  writeReleaseConfig,
} from "./release-config";
import type { WebConfigs } from "./release-config";

// Issue 17: with the api behind its front door, the web apps call the load balancer's host, so
// the Hosting config deployed must let the browser connect to it, and the native app must be
// built with that URL.

const FRONT_DOOR = "https://34.120.1.2.nip.io";
const firebaseJson = () =>
  JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8")) as Parameters<
    typeof hostingForRelease
  >[0];

function configs(apiBaseUrl: string): WebConfigs {
  return {
    chw: { projectId: "dd-staging", apiKey: "AIza-public", apiBaseUrl },
    console: { projectId: "dd-staging", apiKey: "AIza-public", apiBaseUrl },
  };
}

function cspsOf(json: ReturnType<typeof firebaseJson>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const site of json.hosting)
    out.set(
      site.target,
      (site.headers ?? []).flatMap((h) =>
        h.headers.filter((x) => x.key === "Content-Security-Policy").map((x) => x.value),
      ),
    );
  return out;
}

const connectSrc = (csp: string) =>
  csp
    .split(";")
    .map((d) => d.trim())
    .find((d) => d.startsWith("connect-src"))!
    .split(/\s+/)
    .slice(1);

describe("release config: Hosting CSP and the native app's URL from web_configs", () => {
  it("lets every CSP of both sites connect to the front door's origin, and changes nothing else", () => {
    const before = firebaseJson();
    const after = hostingForRelease(before, configs(`${FRONT_DOOR}/`));
    const [b, a] = [cspsOf(before), cspsOf(after)];
    expect([...a.keys()].sort()).to.deep.equal(["chw", "console"]);
    for (const [target, policies] of a) {
      expect(policies, target).to.have.length.greaterThan(0);
      policies.forEach((csp, i) => {
        const old = b.get(target)![i]!;
        expect(connectSrc(csp), target).to.deep.equal([...connectSrc(old), FRONT_DOOR]);
        // Only connect-src changed: the other directives are exactly as in firebase.json.
        const others = (p: string) =>
          p
            .split(";")
            .map((d) => d.trim())
            .filter((d) => !d.startsWith("connect-src"));
        expect(others(csp), target).to.deep.equal(others(old));
      });
    }
    // Headers other than the CSP, rewrites, the public folders and the rest are kept.
    const strip = (j: ReturnType<typeof firebaseJson>) =>
      JSON.stringify(j).replace(new RegExp(` ${FRONT_DOOR.replace(/\./g, "\\.")}`, "g"), "");
    expect(strip(after)).to.equal(JSON.stringify(before));
  });

  it("keeps firebase.json as it is while the apps call Hosting's same-origin /api rewrite", () => {
    const before = firebaseJson();
    expect(hostingForRelease(before, configs("/api"))).to.deep.equal(before);
  });

  it("adds an origin to connect-src once, and adds connect-src to a policy without one", () => {
    const csp = "default-src 'self'; connect-src 'self' https://a.example";
    expect(allowConnect(csp, "https://b.example")).to.equal(
      "default-src 'self'; connect-src 'self' https://a.example https://b.example",
    );
    expect(allowConnect(csp, "https://a.example")).to.equal(csp);
    expect(allowConnect("default-src 'self';", "https://b.example")).to.equal(
      "default-src 'self'; connect-src 'self' https://b.example",
    );
  });

  it("refuses an api URL that is not plain https, and names it", () => {
    expect(apiOrigin("/api")).to.equal(undefined);
    expect(apiOrigin("https://api.example/v0")).to.equal("https://api.example");
    for (const bad of [
      "http://api.example",
      "//api.example",
      "https://user:pw@api.example",
      "https://api.example/?x=1",
      "api.example",
    ])
      expect(() => apiOrigin(bad), bad).to.throw(ReleaseConfigError);
  });

  it("gives the native app the front door's URL, and refuses a same-origin path it cannot call", () => {
    expect(nativeRelease(configs(`${FRONT_DOOR}/`))).to.deep.equal({ apiBaseUrl: FRONT_DOOR });
    expect(() => nativeRelease(configs("/api"))).to.throw(ReleaseConfigError, /front door/);
  });

  it("refuses web_configs missing an app or with a key the apps' closed config does not know", () => {
    expect(() => parseWebConfigs({ chw: configs("/api").chw })).to.throw(/console/);
    const extra = { ...configs("/api"), chw: { ...configs("/api").chw, secret: "x" } };
    expect(() => parseWebConfigs(extra)).to.throw(/chw/);
    expect(() => parseWebConfigs(null)).to.throw(ReleaseConfigError);
  });

  it("writes firebase.deploy.json and the native release file from terraform's output", () => {
    const root = mkdtempSync(join(tmpdir(), "release-config-"));
    try {
      writeFileSync(join(root, "firebase.json"), readFileSync(join(ROOT, "firebase.json")));
      mkdirSync(join(root, "mobile", "src", "app"), { recursive: true });
      const input = join(root, "web_configs.json");
      writeFileSync(input, JSON.stringify(configs(FRONT_DOOR)));
      expect(writeReleaseConfig(input, root)).to.deep.equal([DEPLOY_CONFIG, NATIVE_RELEASE]);
      const deploy = JSON.parse(readFileSync(join(root, DEPLOY_CONFIG), "utf8")) as ReturnType<
        typeof firebaseJson
      >;
      for (const policies of cspsOf(deploy).values())
        for (const csp of policies) expect(connectSrc(csp)).to.include(FRONT_DOOR);
      expect(JSON.parse(readFileSync(join(root, NATIVE_RELEASE), "utf8"))).to.deep.equal({
        apiBaseUrl: FRONT_DOOR,
      });
      writeFileSync(input, "not json");
      expect(() => writeReleaseConfig(input, root)).to.throw(/terraform output -json web_configs/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("ships a native build nobody configured with a URL that reaches no server", () => {
    // The reserved .invalid domain never resolves: an unconfigured build cannot bypass the
    // front door by calling the api's run.app or cloudfunctions.net address.
    const committed = JSON.parse(readFileSync(join(ROOT, NATIVE_RELEASE), "utf8")) as {
      apiBaseUrl: string;
    };
    expect(new URL(committed.apiBaseUrl).hostname).to.match(/\.invalid$/);
  });
});
