import { expect } from "chai";
import { isChwWebConfig, isConsoleConfig } from "./validate";
import { rewriteUrl } from "./web-config";

const base = {
  projectId: "demo-dermadetect",
  apiKey: "demo-key",
  apiBaseUrl: "/api",
  authEmulatorUrl: "http://127.0.0.1:9099",
  firestoreEmulator: { host: "127.0.0.1", port: 8080 },
  language: "sw",
};
const rewrite = { from: "http://127.0.0.1:8092", to: "/image-store" };

describe("web app configs", () => {
  it("accepts each app's config with its own URL rewrite, and only that one", () => {
    expect(isConsoleConfig({ ...base, photoRewrite: rewrite })).to.equal(true);
    expect(isChwWebConfig({ ...base, uploadRewrite: rewrite })).to.equal(true);
    expect(isConsoleConfig({ ...base, uploadRewrite: rewrite })).to.equal(false);
    expect(isChwWebConfig({ ...base, photoRewrite: rewrite })).to.equal(false);
  });

  it("refuses a missing project, an unknown key, a bad port or language", () => {
    for (const check of [isConsoleConfig, isChwWebConfig]) {
      expect(check({ ...base, projectId: undefined })).to.equal(false);
      expect(check({ ...base, serviceAccountKey: "x" })).to.equal(false);
      expect(check({ ...base, firestoreEmulator: { host: "127.0.0.1", port: 0 } })).to.equal(false);
      expect(check({ ...base, language: "fr" })).to.equal(false);
      expect(check({ ...base, apiBaseUrl: "" })).to.equal(false);
    }
  });

  it("rewrites a URL only under the configured prefix", () => {
    expect(rewriteUrl("http://127.0.0.1:8092/o/a.jpg?sig=1", rewrite)).to.equal(
      "/image-store/o/a.jpg?sig=1",
    );
    expect(rewriteUrl("https://storage.googleapis.com/b/a.jpg", rewrite)).to.equal(
      "https://storage.googleapis.com/b/a.jpg",
    );
    expect(rewriteUrl("http://127.0.0.1:8092/o/a.jpg", undefined)).to.equal(
      "http://127.0.0.1:8092/o/a.jpg",
    );
  });
});
