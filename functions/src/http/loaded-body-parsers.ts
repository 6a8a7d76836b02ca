import { createRequire } from "node:module";

/*
 * body-parser as the hosts of the `api` function (the Functions Framework, the functions
 * emulator) loaded it: the patches in body-limit.ts and json-scalars.ts change the module they
 * already hold, since neither host offers a hook that runs before its parsers.
 */

/** A CommonJS module cache (`require.cache`). */
export type ModuleCache = Record<string, { exports?: unknown } | undefined>;

/** The module cache the hosts share with us (CommonJS; body-parser is CommonJS). */
export function moduleCache(): ModuleCache {
  return createRequire(import.meta.url).cache;
}

/** Every loaded copy of body-parser in `cache` (there may be several), in cache order. */
export function loadedBodyParsers(cache: ModuleCache): Record<string, unknown>[] {
  const parsers: Record<string, unknown>[] = [];
  for (const [path, entry] of Object.entries(cache)) {
    if (!/[\\/]node_modules[\\/]body-parser[\\/]index\.js$/.test(path)) continue;
    const parser = entry?.exports as Record<string, unknown> | undefined;
    if (!parser || typeof parser.json !== "function") continue;
    parsers.push(parser);
  }
  return parsers;
}
