import { describe, expect, it } from "vitest";
import { en, format, sw } from "./strings";

describe("console strings", () => {
  it("Kiswahili carries every English key and no other, none empty", () => {
    expect(Object.keys(sw).sort()).toEqual(Object.keys(en).sort());
    for (const [key, value] of Object.entries(sw)) expect(value.trim(), key).not.toBe("");
  });

  it("each translation keeps the placeholders of its English string", () => {
    const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
    for (const key of Object.keys(en) as (keyof typeof en)[])
      expect(placeholders(sw[key]), key).toEqual(placeholders(en[key]));
  });

  it("format fills known placeholders and leaves unknown ones visible", () => {
    expect(format("{n} RED of {total}", { n: 3 })).toBe("3 RED of {total}");
  });
});
