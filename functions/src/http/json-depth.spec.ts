import { LIMITS, REASONS, inspectJson } from "@dermadetect/contract";
import { expect } from "chai";
import fc from "fast-check";
import { AppError, ErrorCode } from "../errors";
import { nestingExceeds } from "./json-depth";
import type { HttpRequest } from "./router";
import { jsonBody } from "./sync-routes";

/** The post-parse verdict the scan must reproduce: contract inspectJson's depth rule. */
const tooDeep = (value: unknown, limit: number) => inspectJson(value, limit) === REASONS.TOO_DEEP;

/** Both forms the routes scan: the raw UTF-8 bytes and a string body. */
const both = (text: string, limit: number) => {
  const fromBytes = nestingExceeds(Buffer.from(text, "utf8"), limit);
  const fromString = nestingExceeds(text, limit);
  expect(fromBytes, "bytes and string verdicts differ").to.equal(fromString);
  return fromBytes;
};

const nested = (levels: number) => `${"[".repeat(levels)}1${"]".repeat(levels)}`;

function request(over: Partial<HttpRequest>): HttpRequest {
  return {
    method: "POST",
    path: "/v1/sync",
    query: {},
    headers: {},
    body: undefined,
    requestId: "r",
    ...over,
  };
}

describe("nestingExceeds (pre-parse depth scan)", () => {
  it("counts levels the way inspectJson does: exactly at the limit passes, one more does not", () => {
    for (const limit of [1, 2, 6, LIMITS.maxBodyDepth]) {
      const at = nested(limit);
      const over = nested(limit + 1);
      expect(both(at, limit)).to.equal(false);
      expect(tooDeep(JSON.parse(at), limit)).to.equal(false);
      expect(both(over, limit)).to.equal(true);
      expect(tooDeep(JSON.parse(over), limit)).to.equal(true);
    }
    // Objects count like arrays, and scalars add no level.
    expect(both('{"a":{"b":[{"c":"x"}]}}', 4)).to.equal(false);
    expect(both('{"a":{"b":[{"c":[]}]}}', 4)).to.equal(true);
    expect(both('"just a string"', 0)).to.equal(false);
    expect(both("[]", 0)).to.equal(true);
  });

  it("ignores brackets inside strings, also after escaped quotes and backslashes", () => {
    expect(both('{"a":"[[[[{{{{"}', 1)).to.equal(false);
    expect(both('{"[[[[":"]]]]"}', 1)).to.equal(false);
    // `\"` does not end the string: the brackets after it are still text.
    expect(both(String.raw`{"a":"x\"[[[[[["}`, 1)).to.equal(false);
    // `\\` is one backslash, so the quote after it ends the string and `[[` is structure.
    expect(both(String.raw`{"a":"x\\","b":[[1]]}`, 2)).to.equal(true);
    expect(both(String.raw`{"a":"x\\","b":[[1]]}`, 3)).to.equal(false);
    // `\u0022` is a quote in the value, not in the text: the string goes on.
    expect(both(String.raw`["\u0022[[[[[["]`, 1)).to.equal(false);
  });

  it("is not fooled by multi-byte UTF-8 around quotes and brackets", () => {
    const text = JSON.stringify({ "é😀[": ['ü"{', ["中文]]]"]] });
    expect(both(text, 3)).to.equal(false);
    expect(both(text, 2)).to.equal(true);
  });

  it("refuses a body a million levels deep, and a deep body that never closes", () => {
    const deep = Buffer.from(nested(1_000_000));
    expect(nestingExceeds(deep, LIMITS.maxBodyDepth)).to.equal(true);
    expect(nestingExceeds(Buffer.from("{".repeat(1_000_000)), LIMITS.maxBodyDepth)).to.equal(true);
  });

  it("agrees with inspectJson after JSON.parse for random JSON (strings full of brackets, quotes, escapes)", () => {
    const tricky = fc.string({
      unit: fc.constantFrom("[", "]", "{", "}", '"', "\\", "a", "é", "😀", "\n", "\u0000"),
      maxLength: 8,
    });
    const { value } = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        tricky,
        fc.integer(),
        fc.constantFrom(null, true, false),
        fc.array(tie("value"), { maxLength: 3 }),
        fc.dictionary(tricky, tie("value"), { maxKeys: 3 }),
      ),
    }));
    const anyJson = fc.oneof(value, fc.jsonValue({ stringUnit: "binary", maxDepth: 8 }));
    fc.assert(
      fc.property(anyJson, fc.integer({ min: 0, max: 8 }), fc.boolean(), (v, limit, pretty) => {
        const text = JSON.stringify(v, null, pretty ? 2 : undefined);
        const parsed = JSON.parse(text) as unknown;
        // inspectJson stops at the first problem; a prototype key would hide the depth verdict.
        fc.pre(inspectJson(parsed, Number.MAX_SAFE_INTEGER) !== REASONS.FORBIDDEN_KEY);
        expect(both(text, limit)).to.equal(tooDeep(parsed, limit));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("jsonBody (sync routes) with the nesting scan", () => {
  const record = (levels: number) => {
    // A case whose triage_data carries `levels - 1` containers below the record itself.
    let inner: unknown = 1;
    for (let i = 0; i < levels - 2; i++) inner = [inner];
    return { id: "c1", triage_data: levels >= 2 ? { x: inner } : 0 };
  };

  it("refuses a deep raw body with 400 SYNC_1000 before parsing it", () => {
    const raw = Buffer.from(`{"changes":{"cases":[${nested(1_000_000)}]}}`);
    let caught: unknown;
    try {
      jsonBody(request({ rawBody: raw }));
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(AppError);
    const err = caught as AppError;
    expect(err.code).to.equal(ErrorCode.BAD_REQUEST);
    expect(err.status).to.equal(400);
    expect(err.message).to.contain(String(LIMITS.maxBodyDepth));
  });

  it("refuses a deep string body the same way", () => {
    expect(() => jsonBody(request({ body: nested(LIMITS.maxBodyDepth + 1) })))
      .to.throw(AppError)
      .with.property("code", ErrorCode.BAD_REQUEST);
  });

  it("parses bodies whose records sit at maxDepth, or just past it (left to the per-record TOO_DEEP)", () => {
    for (const levels of [LIMITS.maxDepth, LIMITS.maxDepth + 1]) {
      const seed = { batch_id: "b", changes: { cases: [record(levels)] } };
      const wmdb = { changes: { cases: { created: [record(levels)], updated: [], deleted: [] } } };
      for (const body of [seed, wmdb]) {
        const parsed = jsonBody(request({ rawBody: Buffer.from(JSON.stringify(body)) }));
        expect(parsed).to.deep.equal(body);
      }
      expect(tooDeep(record(levels), LIMITS.maxDepth)).to.equal(levels > LIMITS.maxDepth);
    }
  });

  it("still answers malformed JSON with 400 SYNC_1000", () => {
    expect(() => jsonBody(request({ rawBody: Buffer.from('{"changes":') })))
      .to.throw(AppError)
      .with.property("code", ErrorCode.BAD_REQUEST);
  });
});
