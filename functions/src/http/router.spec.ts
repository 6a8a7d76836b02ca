import { expect } from "chai";
import { AppError, ErrorCode } from "../errors";
import { createRouter } from "./router";
import type { AuthContext, HttpRequest, Route } from "./router";

function request(over: Partial<HttpRequest> = {}): HttpRequest {
  return {
    method: "GET",
    path: "/v1/health",
    query: {},
    headers: {},
    body: undefined,
    requestId: "r1",
    ...over,
  };
}

const echo: Route = {
  method: "POST",
  path: "/v1/cases/:id/things",
  roles: ["chw"],
  handle: ({ params, auth }) =>
    Promise.resolve({ status: 200, body: { id: params.id, uid: auth?.uid } }),
};
const boom: Route = {
  method: "GET",
  path: "/v1/boom",
  roles: "public",
  handle: () => Promise.reject(new Error("secret patient Jane Doe")),
};

function router(who: AuthContext | Error = { uid: "chw-1", role: "chw" }) {
  return createRouter([echo, boom], {
    authenticator: {
      authenticate: () => (who instanceof Error ? Promise.reject(who) : Promise.resolve(who)),
    },
    maxBodyBytes: () => 100,
  });
}

describe("router", () => {
  it("extracts path params and passes the verified caller", async () => {
    const res = await router()(request({ method: "POST", path: "/v1/cases/c%2D1/things" }));
    expect(res).to.deep.equal({ status: 200, body: { id: "c-1", uid: "chw-1" } });
  });

  it("answers 404 and 405 with codes", async () => {
    const notFound = await router()(request({ path: "/v1/nope" }));
    expect(notFound.status).to.equal(404);
    expect(notFound.body).to.deep.equal({
      error: { code: ErrorCode.NOT_FOUND, message: "No such route" },
    });
    const wrongMethod = await router()(request({ method: "GET", path: "/v1/cases/x/things" }));
    expect(wrongMethod.status).to.equal(405);
  });

  it("answers a malformed % escape in the path 400 with a code, before authentication", async () => {
    let authenticated = 0;
    const r = createRouter([echo], {
      authenticator: {
        authenticate: () => {
          authenticated += 1;
          return Promise.resolve({ uid: "chw-1", role: "chw" });
        },
      },
      maxBodyBytes: () => 100,
    });
    for (const path of [
      "/v1/cases/%E0%A4%A/things",
      "/v1/cases/%zz/things",
      "/v1/cases/%/things",
    ]) {
      const res = await r(request({ method: "POST", path }));
      expect(res.status, path).to.equal(400);
      expect((res.body as { error: { code: string } }).error.code).to.equal(ErrorCode.BAD_REQUEST);
    }
    expect(authenticated).to.equal(0);
  });

  it("rejects a body over the cap with 413 before the handler runs", async () => {
    const res = await router()(
      request({ method: "POST", path: "/v1/cases/x/things", rawBody: Buffer.alloc(101) }),
    );
    expect(res.status).to.equal(413);
    expect((res.body as { error: { code: string } }).error.code).to.equal(
      ErrorCode.PAYLOAD_TOO_LARGE,
    );
  });

  it("refuses a role the route does not allow with 403", async () => {
    const res = await router({ uid: "d-1", role: "doctor" })(
      request({ method: "POST", path: "/v1/cases/x/things" }),
    );
    expect(res.status).to.equal(403);
  });

  it("passes authentication errors through with their status", async () => {
    const res = await router(
      new AppError(ErrorCode.UNAUTHENTICATED, "Invalid or missing bearer token"),
    )(request({ method: "POST", path: "/v1/cases/x/things" }));
    expect(res.status).to.equal(401);
  });

  it("hides unexpected errors behind a generic 500", async () => {
    const res = await router()(request({ path: "/v1/boom" }));
    expect(res.status).to.equal(500);
    expect(JSON.stringify(res.body)).to.not.contain("Jane");
    expect(res.body).to.deep.equal({
      error: { code: ErrorCode.INTERNAL, message: "Internal error" },
    });
  });

  describe("CORS (the web apps call the front door from their Hosting origins)", () => {
    const CONSOLE = "https://p-console.web.app";
    const CHW = "https://p-chw.web.app";
    let authenticated = 0;
    const cors = createRouter([echo, boom], {
      authenticator: {
        authenticate: () => {
          authenticated++;
          return Promise.resolve({ uid: "chw-1", role: "chw" });
        },
      },
      maxBodyBytes: () => 100,
      corsOrigins: () => new Set([CONSOLE, CHW]),
    });
    const preflight = (origin: string, path = "/v1/cases/x/things") =>
      request({
        method: "OPTIONS",
        path,
        headers: {
          origin,
          "access-control-request-method": "POST",
          "access-control-request-headers": "authorization,content-type",
        },
      });

    it("answers a preflight from either Hosting origin 204, without authentication", async () => {
      for (const origin of [CONSOLE, CHW]) {
        const res = await cors(preflight(origin));
        expect(res.status, origin).to.equal(204);
        expect(res.headers).to.deep.include({
          "access-control-allow-origin": origin,
          "access-control-allow-methods": "POST, OPTIONS",
          vary: "Origin",
        });
        expect(res.headers?.["access-control-allow-headers"]).to.match(/\bAuthorization\b/);
        expect(res.headers?.["access-control-allow-headers"]).to.match(/\bContent-Type\b/);
        expect(res.headers).to.not.have.property("access-control-allow-credentials");
      }
      expect(authenticated).to.equal(0);
    });

    it("refuses a preflight from any other origin, with no allow headers", async () => {
      for (const origin of ["https://evil.example", "null", `${CONSOLE}.evil.example`]) {
        const res = await cors(preflight(origin));
        expect(res.status, origin).to.equal(403);
        expect(res.headers).to.deep.equal({ vary: "Origin" });
      }
    });

    it("answers a preflight to an unknown path 404", async () => {
      const res = await cors(preflight(CONSOLE, "/v1/nope"));
      expect(res.status).to.equal(404);
    });

    it("lets an allowed origin read the answer, errors too, and never sends a wildcard", async () => {
      const ok = await cors(
        request({ method: "POST", path: "/v1/cases/c1/things", headers: { origin: CHW } }),
      );
      expect(ok.status).to.equal(200);
      expect(ok.headers?.["access-control-allow-origin"]).to.equal(CHW);
      const failed = await cors(request({ path: "/v1/boom", headers: { origin: CONSOLE } }));
      expect(failed.status).to.equal(500);
      expect(failed.headers?.["access-control-allow-origin"]).to.equal(CONSOLE);
      const other = await cors(
        request({
          method: "POST",
          path: "/v1/cases/c1/things",
          headers: { origin: "https://x.example" },
        }),
      );
      expect(other.headers).to.deep.equal({ vary: "Origin" });
      for (const res of [ok, failed, other])
        expect(Object.values(res.headers ?? {})).to.not.include("*");
    });

    it("adds no CORS header when no origin is configured (same-origin callers only)", async () => {
      const res = await router()(
        request({ method: "POST", path: "/v1/cases/c1/things", headers: { origin: CHW } }),
      );
      expect(res).to.deep.equal({ status: 200, body: { id: "c1", uid: "chw-1" } });
      const pre = await router()(preflight(CHW));
      expect(pre.status).to.equal(403);
    });
  });
});
