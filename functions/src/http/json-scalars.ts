import { loadedBodyParsers, moduleCache } from "./loaded-body-parsers";
import type { ModuleCache } from "./loaded-body-parsers";

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
// `json` is a function on every module loadedBodyParsers answers.
type ParserModule = { json: JsonFactory; [PATCHED]?: true };

/**
 * Makes every loaded body-parser's `json()` non-strict. Returns how many copies it patched
 * (0 when none is loaded: e.g. in unit tests that call the router directly). Idempotent.
 */
export function acceptScalarJsonBodies(cache: ModuleCache = moduleCache()): number {
  let patched = 0;
  for (const parser of loadedBodyParsers(cache) as ParserModule[]) {
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
