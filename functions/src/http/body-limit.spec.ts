import { expect } from "chai";
import { isDeferredJson, limitBodiesBeforeParsing, parseDeferredJson } from "./body-limit";

type Next = (err?: unknown) => void;
type Mw = (req: FakeReq, res: FakeRes, next: Next) => void;

interface FakeReq {
  headers: Record<string, string | undefined>;
  body?: unknown;
}

class FakeRes {
  headersSent = false;
  statusCode = 200;
  headers: Record<string, string> = {};
  sent: string | undefined;
  setHeader(k: string, v: string) {
    this.headers[k] = v;
  }
  end(body: string) {
    this.sent = body;
    this.headersSent = true;
  }
}

/** A body-parser stand-in recording the options each factory was built with and each call. */
function fakeParser(behaviour: (req: FakeReq, next: Next, options: object) => void) {
  const built: Array<{ name: string; options: Record<string, unknown> }> = [];
  const parser: Record<string, unknown> = {};
  for (const name of ["json", "text", "urlencoded", "raw"]) {
    parser[name] = (options: Record<string, unknown> = {}): Mw => {
      built.push({ name, options });
      return (req, _res, next) => behaviour(req, next, { name, ...options });
    };
  }
  return { parser: parser as Record<string, (o?: object) => Mw>, built };
}

function run(mw: Mw, req: FakeReq): Promise<{ res: FakeRes; err?: unknown; nextCalled: boolean }> {
  return new Promise((resolve) => {
    const res = new FakeRes();
    mw(req, res, (err) => resolve({ res, err, nextCalled: true }));
    if (res.sent !== undefined) resolve({ res, nextCalled: false });
  });
}

describe("limitBodiesBeforeParsing", () => {
  it("answers 413 SYNC_1001 from the declared Content-Length without reading the body", async () => {
    let reads = 0;
    const { parser } = fakeParser((_req, next) => {
      reads++;
      next();
    });
    const cache = { "/srv/node_modules/body-parser/index.js": { exports: parser } };
    expect(limitBodiesBeforeParsing(() => 1000, {}, cache)).to.equal(1);
    const out = await run(parser.json!({ limit: "1024mb" }), {
      headers: { "content-length": "31457280" },
    });
    expect(out.nextCalled).to.equal(false);
    expect(reads).to.equal(0);
    expect(out.res.statusCode).to.equal(413);
    expect(JSON.parse(out.res.sent!)).to.deep.equal({
      error: { code: "SYNC_1001", message: "Request body is larger than 1000 bytes" },
    });
  });

  it("builds every parser with the cap as its limit, and maps its too-large error to the coded 413", async () => {
    const { parser, built } = fakeParser((_req, next) =>
      next(Object.assign(new Error("request entity too large"), { type: "entity.too.large" })),
    );
    limitBodiesBeforeParsing(
      () => 2000,
      {},
      {
        "/a/node_modules/body-parser/index.js": { exports: parser },
      },
    );
    for (const name of ["json", "text", "urlencoded", "raw"]) {
      const out = await run(parser[name]!({ limit: "1024mb", type: "*/*" }), { headers: {} });
      expect(out.res.statusCode, name).to.equal(413);
      const sent = JSON.parse(out.res.sent!) as { error: { code: string } };
      expect(sent.error.code, name).to.equal("SYNC_1001");
    }
    expect(built.map((b) => [b.name, b.options.limit])).to.deep.equal([
      ["json", 2000],
      ["text", 2000],
      ["urlencoded", 2000],
      ["raw", 2000],
    ]);
  });

  it("adds the refusal headers for the request to both 413s (declared length and cut off)", async () => {
    const { parser } = fakeParser((_req, next) =>
      next(Object.assign(new Error("request entity too large"), { type: "entity.too.large" })),
    );
    const refusalHeaders = (req: { headers: Record<string, unknown> }): Record<string, string> =>
      req.headers.origin === "https://a.example"
        ? { "access-control-allow-origin": "https://a.example", vary: "Origin" }
        : {};
    limitBodiesBeforeParsing(
      () => 10,
      { refusalHeaders },
      { "/b/node_modules/body-parser/index.js": { exports: parser } },
    );
    const mw = parser.json!();
    const declared = await run(mw, {
      headers: { origin: "https://a.example", "content-length": "11" },
    });
    const chunked = await run(mw, { headers: { origin: "https://a.example" } });
    for (const out of [declared, chunked]) {
      expect(out.res.statusCode).to.equal(413);
      expect(out.res.headers["access-control-allow-origin"]).to.equal("https://a.example");
      expect(out.res.headers.vary).to.equal("Origin");
    }
    const other = await run(mw, { headers: { origin: "https://b.example" } });
    expect(other.res.statusCode).to.equal(413);
    expect(other.res.headers).to.not.have.property("access-control-allow-origin");
  });

  it("passes accepted bodies and other parser errors on unchanged", async () => {
    const boom = Object.assign(new Error("bad json"), { type: "entity.parse.failed" });
    let fail = false;
    const { parser } = fakeParser((_req, next) => next(fail ? boom : undefined));
    limitBodiesBeforeParsing(
      () => 2000,
      {},
      {
        "/b/node_modules/body-parser/index.js": { exports: parser },
      },
    );
    const mw = parser.text!();
    const ok = await run(mw, { headers: { "content-length": "2000" } });
    expect([ok.nextCalled, ok.err, ok.res.sent]).to.deep.equal([true, undefined, undefined]);
    fail = true;
    const bad = await run(mw, { headers: {} });
    expect(bad.err).to.equal(boom);
  });

  it("with deferJson, builds json parsers from raw with json's types and marks the request", async () => {
    const { parser, built } = fakeParser((req, next) => {
      req.body = Buffer.from('{"a":1}');
      next();
    });
    limitBodiesBeforeParsing(
      () => 2000,
      { deferJson: true },
      {
        "/c/node_modules/body-parser/index.js": { exports: parser },
      },
    );
    const req: FakeReq = { headers: {} };
    await run(parser.json!({ limit: "1024mb" }), req);
    expect(built).to.deep.equal([
      { name: "raw", options: { limit: 2000, type: "application/json" } },
    ]);
    expect(isDeferredJson(req)).to.equal(true);
    const text: FakeReq = { headers: {} };
    await run(parser.text!(), text);
    expect(isDeferredJson(text)).to.equal(false);
  });

  it("is idempotent and ignores modules that are not body-parser", () => {
    const { parser, built } = fakeParser((_r, next) => next());
    const cache = {
      "/d/node_modules/body-parser/index.js": { exports: parser },
      "/d/node_modules/other/index.js": { exports: { json: () => undefined } },
    };
    expect(limitBodiesBeforeParsing(() => 10, {}, cache)).to.equal(1);
    expect(limitBodiesBeforeParsing(() => 10, {}, cache)).to.equal(1);
    parser.json!()({ headers: {} }, new FakeRes(), () => undefined);
    expect(built).to.have.length(1);
  });
});

describe("parseDeferredJson", () => {
  it("parses any JSON value, treats an empty body as none and refuses malformed JSON with SYNC_1000", () => {
    expect(parseDeferredJson(Buffer.from("null"))).to.equal(null);
    expect(parseDeferredJson(Buffer.from('{"x":[1]}'))).to.deep.equal({ x: [1] });
    expect(parseDeferredJson(Buffer.alloc(0))).to.equal(undefined);
    expect(parseDeferredJson(undefined)).to.equal(undefined);
    expect(() => parseDeferredJson(Buffer.from("{")))
      .to.throw()
      .with.property("code", "SYNC_1000");
  });
});
