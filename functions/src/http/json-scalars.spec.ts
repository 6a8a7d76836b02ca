import { expect } from "chai";
import { acceptScalarJsonBodies } from "./json-scalars";

describe("acceptScalarJsonBodies", () => {
  function fakeParser() {
    const seen: Record<string, unknown>[] = [];
    const parser = {};
    Object.defineProperty(parser, "json", {
      configurable: true,
      enumerable: true,
      get: () => (options: Record<string, unknown>) => {
        seen.push(options);
        return "middleware";
      },
    });
    return { parser: parser as { json: (o?: object) => unknown }, seen };
  }

  it("makes every loaded body-parser json() non-strict, keeping the host's options", () => {
    const a = fakeParser();
    const b = fakeParser();
    const cache = {
      "/srv/node_modules/body-parser/index.js": { exports: a.parser },
      "/srv/node_modules/x/node_modules/body-parser/index.js": { exports: b.parser },
      "/srv/node_modules/other/index.js": { exports: {} },
    };
    expect(acceptScalarJsonBodies(cache)).to.equal(2);
    expect(a.parser.json({ limit: "32mb" })).to.equal("middleware");
    expect(a.seen).to.deep.equal([{ limit: "32mb", strict: false }]);
    b.parser.json();
    expect(b.seen).to.deep.equal([{ strict: false }]);
  });

  it("is idempotent", () => {
    const a = fakeParser();
    const cache = { "/n/node_modules/body-parser/index.js": { exports: a.parser } };
    acceptScalarJsonBodies(cache);
    acceptScalarJsonBodies(cache);
    a.parser.json({});
    expect(a.seen).to.deep.equal([{ strict: false }]);
  });
});
