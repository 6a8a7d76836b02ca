import { readdirSync } from "node:fs";
import path from "node:path";

/*
 * The device bundle must be able to carry the triage model: Metro resolves a require() of a
 * file only when its extension is an asset or a source extension. Checked against the files
 * actually shipped under assets/models/, so a new model format cannot slip past the config.
 */

const MOBILE = path.join(__dirname, "..", "..");

// eslint-disable-next-line @typescript-eslint/no-require-imports -- metro.config.js is CommonJS
const config = require(path.join(MOBILE, "metro.config.js")) as {
  resolver: { assetExts: string[]; sourceExts: string[] };
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

describe("metro.config.js", () => {
  it("treats .bin (tfjs weight shards) as an asset, keeping Metro's default asset types", () => {
    expect(config.resolver.assetExts).toContain("bin");
    expect(config.resolver.assetExts).toEqual(expect.arrayContaining(["png", "jpg", "ttf"]));
  });

  it("can bundle every file of every model under assets/models", () => {
    const files = filesUnder(path.join(MOBILE, "assets", "models"));
    expect(files.some((f) => f.endsWith(".bin"))).toBe(true);
    const bundleable = new Set([...config.resolver.assetExts, ...config.resolver.sourceExts]);
    const missing = files.filter((f) => !bundleable.has(path.extname(f).slice(1)));
    expect(missing).toEqual([]);
  });
});
