import { expect } from "chai";
import fc from "fast-check";
import { EMPTY_MANIFEST, manifestOf, updateManifest } from "./manifest";
import type { ManifestEntry } from "./manifest";

const entry = fc.record({
  collection: fc.constantFrom("patients", "cases", "diagnoses"),
  id: fc.uuid(),
  serverSeq: fc.integer({ min: 1, max: 1e9 }),
});

describe("completeness manifest", () => {
  it("is independent of order", () => {
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: (e) => e.id }), (records) => {
        const reversed = [...records].reverse();
        expect(manifestOf(records)).to.deep.equal(manifestOf(reversed));
      }),
    );
  });

  it("incremental updates equal recomputing from scratch", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(entry, { selector: (e) => e.id, minLength: 1 }),
        fc.integer({ min: 1, max: 1e9 }),
        (records, newSeq) => {
          const [first, ...rest] = records as [ManifestEntry, ...ManifestEntry[]];
          const bumped = { ...first, serverSeq: first.serverSeq + newSeq };
          const incremental = updateManifest(manifestOf(records), first, bumped);
          expect(incremental).to.deep.equal(manifestOf([bumped, ...rest]));
          const deleted = updateManifest(manifestOf(records), first, undefined);
          expect(deleted).to.deep.equal(manifestOf(rest));
        },
      ),
    );
  });

  it("detects a missing record", () => {
    const a = { collection: "cases", id: "a", serverSeq: 1 };
    const b = { collection: "cases", id: "b", serverSeq: 2 };
    expect(manifestOf([a, b]).hash).to.not.equal(manifestOf([a]).hash);
    expect(manifestOf([])).to.deep.equal(EMPTY_MANIFEST);
  });
});
