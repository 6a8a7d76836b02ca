import { STRINGS } from "./strings";

describe("strings", () => {
  it("every language has exactly the English keys, none empty", () => {
    const reference = Object.keys(STRINGS.en).sort();
    for (const table of Object.values(STRINGS)) {
      expect(Object.keys(table).sort()).toEqual(reference);
      for (const value of Object.values(table)) expect(value).not.toBe("");
    }
  });
});
