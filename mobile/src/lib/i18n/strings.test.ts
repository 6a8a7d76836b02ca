import { expect } from "chai";
import { STRINGS } from "./strings";

describe("strings", () => {
  it("every language has exactly the English keys, none empty", () => {
    const reference = Object.keys(STRINGS.en).sort();
    for (const [lang, table] of Object.entries(STRINGS)) {
      expect(Object.keys(table).sort(), lang).to.deep.equal(reference);
      for (const [key, value] of Object.entries(table)) expect(value, `${lang}.${key}`).to.not.equal("");
    }
  });
});
