import { fileURLToPath } from "node:url";
import type { Plugin } from "vite";
import { standaloneValidatorsSource } from "../../contract/src/standalone-validators";

/*
 * The contract's validators as Ajv standalone code in the CHW web build. contract/src/compiled.ts
 * compiles every schema with Ajv at start-up; here the same schemas, with the same options,
 * become generated functions at build time, so the browser downloads neither Ajv's compiler
 * nor its URI parser (about 110 KB of the first load before the list shows) and compiles
 * nothing when the app starts. Every other build keeps compiling at start-up.
 */

const COMPILED = fileURLToPath(new URL("../../contract/src/compiled.ts", import.meta.url));
const VIRTUAL = "\0dermadetect-precompiled-validators";

/** Resolves contract/src/compiled.ts to the precompiled module. */
export function precompiledValidators(): Plugin {
  return {
    name: "dermadetect-precompiled-validators",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!importer || !source.endsWith("/compiled")) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      return resolved?.id === COMPILED ? VIRTUAL : null;
    },
    load(id) {
      return id === VIRTUAL ? standaloneValidatorsSource() : null;
    },
  };
}
