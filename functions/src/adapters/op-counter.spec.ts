import { expect } from "chai";
import {
  countCommit,
  countedTrigger,
  countingEnabled,
  eventSubject,
  formatOps,
  parseOps,
} from "./op-counter";

describe("Firestore operation counting", () => {
  it("counts a commit's sets and transforms as writes and its deletes as deletes", () => {
    const ops = { reads: 0, writes: 0, deletes: 0 };
    countCommit(
      {
        writes: [
          { update: {} },
          { update: {}, updateTransforms: [] },
          { transform: {} },
          { delete: "x" },
        ],
      },
      ops,
    );
    expect(ops).to.deep.equal({ reads: 0, writes: 3, deletes: 1 });
  });

  it("round-trips the header format, and refuses anything else", () => {
    const ops = { reads: 12, writes: 3, deletes: 1 };
    expect(parseOps(formatOps(ops))).to.deep.equal(ops);
    expect(parseOps("r=1 w=2")).to.equal(undefined);
    expect(parseOps(undefined)).to.equal(undefined);
  });

  it("is on only for a local stack that asks for it", () => {
    expect(
      countingEnabled({ FIRESTORE_COUNT_OPS: "1", FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080" }),
    ).to.equal(true);
    // Production has no emulator host: the flag alone never turns the wrapper on.
    expect(countingEnabled({ FIRESTORE_COUNT_OPS: "1" })).to.equal(false);
    expect(countingEnabled({ FIRESTORE_EMULATOR_HOST: "127.0.0.1:8080" })).to.equal(false);
  });

  it("leaves a background function untouched unless counting is on", () => {
    const fn = (e: never) => e;
    const db = () => {
      throw new Error("no Firestore handle may be opened");
    };
    expect(countedTrigger("f", fn, db, { FIRESTORE_COUNT_OPS: "1" })).to.equal(fn);
    expect(countedTrigger("f", fn, db, {})).to.equal(fn);
  });

  it("names an event by its document or job key, never by its data", () => {
    expect(eventSubject({ document: "syncBatches/b1", data: { secret: "x" } })).to.equal(
      "syncBatches/b1",
    );
    const message = Buffer.from(
      JSON.stringify({ case_id: "c1", job_key: "c1.v2", note: "x" }),
    ).toString("base64");
    expect(eventSubject({ data: { message: { data: message } } })).to.equal("job/c1.v2");
    expect(eventSubject({ subject: "objects/a.jpg", data: { message: { data: "%%" } } })).to.equal(
      "objects/a.jpg",
    );
    expect(eventSubject(undefined)).to.equal("");
  });
});
