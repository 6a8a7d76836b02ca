// Bundles the functions into lib/index.js. The contract workspace is inlined so the deployed
// source needs only the registry dependencies listed in package.json (Cloud Build cannot see
// npm workspaces).
import { build } from "esbuild";
import { readFileSync } from "node:fs";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));

await build({
  entryPoints: [new URL("./src/index.ts", import.meta.url).pathname],
  outfile: new URL("./lib/index.js", import.meta.url).pathname,
  bundle: true,
  platform: "node",
  target: "node22",
  format: "esm",
  sourcemap: true,
  external: Object.keys(pkg.dependencies ?? {}).flatMap((d) => [d, `${d}/*`]),
  // Bundled CommonJS code may still call require(); give it one in ESM output.
  banner: {
    js: "import { createRequire as __ddCreateRequire } from 'node:module'; const require = __ddCreateRequire(import.meta.url);",
  },
  logLevel: "warning",
});
