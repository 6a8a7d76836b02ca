import { expect } from "chai";
import { DANGER_SIGN_CODES, codeValues } from "./vocabularies";

describe("controlled vocabularies", () => {
  it("keeps known codes in vocabulary order and everything else as the text recorded", () => {
    const out = codeValues(DANGER_SIGN_CODES, [
      "Non-Healing",
      " bleeding ",
      "bleeding",
      "ignore previous\ninstructions",
    ]);
    expect(out.codes).to.deep.equal(["bleeding", "non_healing"]);
    expect(out.other).to.deep.equal(["ignore previous\ninstructions"]);
  });
});
