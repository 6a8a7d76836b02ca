import { loadedBodyParsers, moduleCache } from "./loaded-body-parsers";
import type { ModuleCache } from "./loaded-body-parsers";
import { AppError, ErrorCode } from "../errors";

/*
 * The Functions Framework (`build/src/server.js`) reads and parses every request body with
 * body-parser before the function runs, with a 1024 MB limit: in one instance, 40 concurrent
 * unauthenticated 30 MiB JSON bodies took the process from 173 MiB to 1.7 GiB resident (the
 * function is given 512 MiB). The Framework offers no hook that runs before its parsers, but it
 * builds them only after loading the function's module, from the body-parser module it has
 * already loaded. So, as `json-scalars.ts` does for strictness, this wraps that module's
 * factories (json, text, urlencoded, raw): every parser it builds
 *  - answers 413 `SYNC_1001` at once, without reading a byte, when the declared Content-Length
 *    is over our cap (the common case: Cloud Run passes the header through);
 *  - is built with our cap as its own `limit`, so a chunked or compressed body (length unknown
 *    up front) is cut off after `cap` bytes and answered the same way, not buffered whole.
 * Every other parser error is left to the Framework as before. The cap is read per request
 * (params are read inside handlers, never at import time).
 *
 * With `deferJson`, the json parsers only capture the bytes (body-parser's raw parser, same
 * options) and mark the request: under the cap, 40 concurrent unauthenticated 2 MB bodies of
 * empty arrays still took the process to 1 GiB once parsed, and parsing is pointless before
 * the token is checked. The `api` adapter parses a marked body when a route first reads it,
 * which is after authentication (`deferredJsonBody`).
 * docs/decisions/2026-11-request-parsing.md has the measurements.
 */

const PATCHED = Symbol.for("dermadetect.bodyLimit");
const DEFERRED = Symbol.for("dermadetect.deferredJson");

type Next = (err?: unknown) => void;
interface Req {
  headers: Record<string, string | string[] | undefined>;
  [DEFERRED]?: true;
}
interface Res {
  headersSent: boolean;
  statusCode: number;
  setHeader(name: string, value: string): void;
  end(body: string): void;
}
type Middleware = (req: Req, res: Res, next: Next) => void;
type Factory = (options?: Record<string, unknown>) => Middleware;
type ParserModule = Record<string, unknown> & { [PATCHED]?: true };

const FACTORIES = ["json", "text", "urlencoded", "raw"] as const;

/** Extra headers of a refusal to `req` (the api's CORS headers, so a web app can read it). */
type RefusalHeaders = (req: Req) => Record<string, string>;

function tooLarge(req: Req, res: Res, cap: number, headers: RefusalHeaders): void {
  const body = new AppError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `Request body is larger than ${cap} bytes`,
  );
  res.statusCode = 413;
  res.setHeader("content-type", "application/json; charset=utf-8");
  res.setHeader("cache-control", "no-store");
  for (const [k, v] of Object.entries(headers(req))) res.setHeader(k, v);
  // No `connection: close`: closing with the body unread makes the kernel reset the connection,
  // and the client may lose this answer. Node discards the unread rest instead (not buffered).
  res.end(JSON.stringify(body.toJSON()));
}

/** Declared Content-Length, or undefined when absent or not a plain decimal number. */
function declaredLength(req: Req): number | undefined {
  const raw = req.headers["content-length"];
  const value = Array.isArray(raw) ? raw[0] : raw;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function limited(
  factory: Factory,
  options: Record<string, unknown> | undefined,
  cap: () => number,
  defer: boolean,
  headers: RefusalHeaders,
) {
  // One inner parser per cap value: the cap is a deploy-time param, so this builds it once.
  let inner: { cap: number; mw: Middleware } | undefined;
  const mw: Middleware = (req, res, next) => {
    const limit = cap();
    const length = declaredLength(req);
    if (length !== undefined && length > limit) {
      tooLarge(req, res, limit, headers);
      return;
    }
    if (inner?.cap !== limit) inner = { cap: limit, mw: factory({ ...options, limit }) };
    inner.mw(req, res, (err?: unknown) => {
      const type = (err as { type?: unknown } | undefined)?.type;
      if (type === "entity.too.large" && !res.headersSent) tooLarge(req, res, limit, headers);
      else {
        if (!err && defer && Buffer.isBuffer((req as { body?: unknown }).body))
          req[DEFERRED] = true;
        next(err);
      }
    });
  };
  return mw;
}

/**
 * Caps every loaded body-parser's parsers at `cap()` bytes before they read a body. Returns how
 * many body-parser copies it patched (0 when none is loaded, e.g. in unit tests that call the
 * router directly). Idempotent. `refusalHeaders` adds headers to the 413 (the api's CORS headers:
 * without them a browser on another origin sees a network error instead of the coded refusal).
 */
export function limitBodiesBeforeParsing(
  cap: () => number,
  {
    deferJson = false,
    refusalHeaders = () => ({}),
  }: { deferJson?: boolean; refusalHeaders?: RefusalHeaders } = {},
  cache: ModuleCache = moduleCache(),
): number {
  let patched = 0;
  for (const parser of loadedBodyParsers(cache) as ParserModule[]) {
    if (!parser[PATCHED]) {
      for (const name of FACTORIES) {
        const original = parser[name];
        if (typeof original !== "function") continue;
        const defer = deferJson && name === "json" && typeof parser.raw === "function";
        // The raw parser with json's content types keeps the bytes (and the host's verify hook,
        // which sets req.rawBody) without parsing them.
        const factory = defer
          ? (options?: Record<string, unknown>) =>
              (parser.raw as Factory).call(parser, {
                ...options,
                type: options?.type ?? "application/json",
              })
          : (original as Factory).bind(parser);
        Object.defineProperty(parser, name, {
          configurable: true,
          enumerable: true,
          value: (options?: Record<string, unknown>) =>
            limited(factory, options, cap, defer, refusalHeaders),
        });
      }
      parser[PATCHED] = true;
    }
    patched++;
  }
  return patched;
}

/** The request's JSON body was captured, not parsed, by a deferred json parser. */
export function isDeferredJson(req: object): boolean {
  return (req as Req)[DEFERRED] === true;
}

/**
 * Parses a deferred JSON body: undefined when empty, 400 `SYNC_1000` when malformed. Any JSON
 * value is accepted (a bare null, number or string too); routes validate the shape.
 */
export function parseDeferredJson(raw: Buffer | undefined): unknown {
  if (!raw || raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString("utf8")) as unknown;
  } catch {
    throw new AppError(ErrorCode.BAD_REQUEST, "The body is not valid JSON");
  }
}
