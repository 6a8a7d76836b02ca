import { expect } from "chai";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { chromium } from "playwright-core";
import type { Browser } from "playwright-core";
import { ROOT, hostingForRelease } from "./release-config";
import { CHROMIUM_LAUNCH } from "./walk-support";

// The CSP `npm run release:config` writes, enforced by a real Chromium: a page served with a
// site's policy may call the front door's origin and nothing else that is not listed. The front
// door itself is a stand-in (Playwright answers its requests): only the browser's CSP decision
// is under test, and Chromium makes it before any request leaves the page.

const FRONT_DOOR = "https://api.dermadetect-staging.test";
type FirebaseJson = Parameters<typeof hostingForRelease>[0];

function chwPolicy(json: FirebaseJson): string {
  const site = json.hosting.find((h) => h.target === "chw")!;
  const csp = site
    .headers!.flatMap((h) => h.headers)
    .find((x) => x.key === "Content-Security-Policy");
  return csp!.value;
}

describe("release config in Chromium: the deployed CSP lets the web app call its front door", function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: Server;
  let policy = "";

  before(async () => {
    server = createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.setHeader("content-security-policy", policy);
      res.end("<!doctype html><title>csp</title>");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    browser = await chromium.launch(CHROMIUM_LAUNCH);
  });

  after(async () => {
    await browser?.close();
    await new Promise((r) => server.close(r));
  });

  /** What the page's fetch of `url` ends in: "ok", or "blocked by CSP", or another failure. */
  async function fetchFromPage(url: string): Promise<string> {
    const page = await browser.newPage();
    try {
      await page.route(`${FRONT_DOOR}/**`, (r) =>
        r.fulfill({
          status: 200,
          headers: {
            "access-control-allow-origin": new URL(page.url()).origin,
            "content-type": "application/json",
          },
          body: '{"status":"ok"}',
        }),
      );
      await page.route("https://elsewhere.test/**", (r) => r.fulfill({ status: 200, body: "{}" }));
      const { port } = server.address() as AddressInfo;
      await page.goto(`http://127.0.0.1:${port}/`);
      return await page.evaluate(`new Promise((resolve) => {
        let violated = false;
        document.addEventListener("securitypolicyviolation", () => { violated = true; });
        fetch(${JSON.stringify(url)}).then(
          (r) => resolve(r.ok ? "ok" : "status " + r.status),
          () => setTimeout(() => resolve(violated ? "blocked by CSP" : "failed"), 100),
        );
      })`);
    } finally {
      await page.close();
    }
  }

  it("blocks the front door under firebase.json's own CSP, allows it under the release's, and still blocks other origins", async () => {
    const json = JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8")) as FirebaseJson;
    const configs = {
      chw: { projectId: "dd-staging", apiKey: "k", apiBaseUrl: FRONT_DOOR },
      console: { projectId: "dd-staging", apiKey: "k", apiBaseUrl: FRONT_DOOR },
    };
    policy = chwPolicy(json);
    expect(await fetchFromPage(`${FRONT_DOOR}/v1/health`)).to.equal("blocked by CSP");
    policy = chwPolicy(hostingForRelease(json, configs));
    expect(await fetchFromPage(`${FRONT_DOOR}/v1/health`)).to.equal("ok");
    expect(await fetchFromPage("https://elsewhere.test/x")).to.equal("blocked by CSP");
  });
});
