import { expect } from "chai";
import { corsHeaders, isPreflight, parseCorsOrigins } from "./cors";

describe("cors", () => {
  it("keeps only exact https origins from API_CORS_ORIGINS, never a wildcard", () => {
    const set = parseCorsOrigins(
      " https://p-console.web.app, https://p-chw.web.app/ ,*,https://*.web.app,http://evil.example," +
        "https://p-console.web.app/api,null,,http://127.0.0.1:5173",
    );
    expect([...set]).to.deep.equal([
      "https://p-console.web.app",
      "https://p-chw.web.app",
      "http://127.0.0.1:5173",
    ]);
    expect(parseCorsOrigins("").size).to.equal(0);
  });

  it("echoes an allowed origin exactly, varies on Origin, and allows nothing else", () => {
    const allowed = parseCorsOrigins("https://p-console.web.app");
    expect(corsHeaders("https://p-console.web.app", allowed)).to.deep.equal({
      vary: "Origin",
      "access-control-allow-origin": "https://p-console.web.app",
      "access-control-expose-headers": "X-Request-Id",
    });
    expect(corsHeaders("https://p-console.web.app.evil.example", allowed)).to.deep.equal({
      vary: "Origin",
    });
    expect(corsHeaders(undefined, allowed)).to.deep.equal({ vary: "Origin" });
    expect(corsHeaders("https://p-console.web.app", new Set())).to.deep.equal({});
  });

  it("tells a preflight from a plain OPTIONS", () => {
    const origin = "https://p-chw.web.app";
    expect(isPreflight("OPTIONS", { origin, "access-control-request-method": "POST" })).to.equal(
      true,
    );
    expect(isPreflight("OPTIONS", { origin })).to.equal(false);
    expect(isPreflight("POST", { origin, "access-control-request-method": "POST" })).to.equal(
      false,
    );
  });
});
