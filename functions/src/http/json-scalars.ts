import { createRequire } from "node:module";

/*
 * Both hosts of the `api` function — the Functions Framework in production and the functions
 * emulator locally — parse `application/json` bodies with body-parser in strict mode before the
 * function runs. Strict mode refuses a body whose JSON is a bare `null`, number or string, and
 * that refusal is express's HTML 400 page, not our coded error: a client that sends `null`
 * cannot tell what went wrong. Both hosts build their express app only after loading the
 * function's module, so relaxing `strict` on the body-parser they have already loaded lets such
 * a body through to our own parsing (`jsonBody` works from the raw bytes, bounded and
 * depth-scanned first), which answers it with `SYNC_1000` like any other malformed request.
 * Nothing else about the parser changes: limits, types and the raw-body capture are theirs.
 */

const PATCHED = Symbol.for("dermadetect.jsonScalars");

type JsonFactory = (options?: Record<string, unknown>) => unknown;
type ParserModule = { json?: JsonFactory; [PATCHED]?: true };

/** The module cache the hosts share with us (CommonJS; body-parser is CommonJS). */
function moduleCache(): Record<string, { exports?: unknown } | undefined> {
  return createRequire(import.meta.url).cache;
}

/**
 * Makes every loaded body-parser's `json()` non-strict. Returns how many copies it patched
 * (0 when none is loaded: e.g. in unit tests that call the router directly). Idempotent.
 */
export function acceptScalarJsonBodies(
  cache: Record<string, { exports?: unknown } | undefined> = moduleCache(),
): number {
  let patched = 0;
  for (const [path, entry] of Object.entries(cache)) {
    if (!/[\\/]node_modules[\\/]body-parser[\\/]index\.js$/.test(path)) continue;
    const parser = entry?.exports as ParserModule | undefined;
    if (!parser || typeof parser.json !== "function") continue;
    if (parser[PATCHED]) {
      patched++;
      continue;
    }
    const original = parser.json.bind(parser);
    Object.defineProperty(parser, "json", {
      configurable: true,
      enumerable: true,
      value: (options?: Record<string, unknown>) => original({ ...options, strict: false }),
    });
    parser[PATCHED] = true;
    patched++;
  }
  return patched;
}
