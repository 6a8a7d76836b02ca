import { STRINGS, format } from "./strings";

describe("strings", () => {
  it("every language has exactly the English keys, none empty", () => {
    const reference = Object.keys(STRINGS.en).sort();
    for (const table of Object.values(STRINGS)) {
      expect(Object.keys(table).sort()).toEqual(reference);
      for (const value of Object.values(table)) expect(value).not.toBe("");
    }
  });
});

describe("placeholders", () => {
  it("every translation keeps the English placeholders", () => {
    const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const table of Object.values(STRINGS)) {
      for (const [key, value] of Object.entries(STRINGS.en)) {
        expect([key, names(table[key as keyof typeof table])]).toEqual([key, names(value)]);
      }
    }
  });

  it("format fills known placeholders and leaves unknown ones visible", () => {
    expect(format("{count} photo(s), {x}", { count: 2 })).toBe("2 photo(s), {x}");
  });
});
