import type { Role } from "@dermadetect/contract";
import { AppError, ErrorCode, toAppError } from "../errors";
import { errorName, log } from "../logger";
import { corsHeaders, isPreflight, preflightHeaders } from "./cors";

/** A request as the router sees it: framework-independent, so routes are testable without HTTP. */
export interface HttpRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  /** Body bytes as received; the size cap is checked on these before the parsed body is used. */
  rawBody?: Buffer;
  body: unknown;
  requestId: string;
}

/** What a route answers. */
export interface HttpResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The verified caller. Only the token decides these values, never the request body. */
export interface AuthContext {
  uid: string;
  role: Role;
  /** The token's `auth_time` (sign-in, epoch seconds): a revoked session signed in earlier. */
  authTime?: number;
}

/** Verifies the bearer token of a request (issue 3 implements it with jose). */
export interface Authenticator {
  authenticate(req: HttpRequest): Promise<AuthContext>;
}

/** What a handler receives. `auth` is present on every non-public route. */
export interface RouteContext {
  req: HttpRequest;
  params: Record<string, string>;
  auth: AuthContext | undefined;
}

/** One route: a path pattern with `:name` segments, the roles allowed, and the handler. */
export interface Route {
  method: "GET" | "POST" | "DELETE";
  path: string;
  roles: readonly Role[] | "public";
  /** Largest accepted body in bytes; defaults to the router's cap. */
  maxBodyBytes?: number;
  handle(ctx: RouteContext): Promise<HttpResponse>;
}

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  keys: string[];
}

function compile(route: Route): CompiledRoute {
  const keys: string[] = [];
  const source = route.path
    .split("/")
    .map((segment) => {
      if (!segment.startsWith(":")) return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      keys.push(segment.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { route, pattern: new RegExp(`^${source}/?$`), keys };
}

function bodyLength(req: HttpRequest): number {
  if (req.rawBody) return req.rawBody.length;
  const declared = Number(req.headers["content-length"] ?? "0");
  return Number.isFinite(declared) ? declared : 0;
}

const NO_ORIGINS: ReadonlySet<string> = new Set();

/**
 * Answers a CORS preflight without authentication (browsers send none): an allowed origin gets
 * the methods of the routes on the path, any other origin a 403 without allow headers.
 */
function preflight(
  table: readonly CompiledRoute[],
  req: HttpRequest,
  allowed: ReadonlySet<string>,
) {
  if (!allowed.has(req.headers.origin ?? "")) {
    throw new AppError(ErrorCode.FORBIDDEN, "This origin may not call the API");
  }
  const methods = table.filter((r) => r.pattern.test(req.path)).map((r) => r.route.method);
  if (methods.length === 0) throw new AppError(ErrorCode.NOT_FOUND, "No such route");
  return { status: 204, body: undefined, headers: preflightHeaders([...methods, "OPTIONS"]) };
}

/**
 * Builds the request handler for a route table. Errors become `{error:{code,message}}` with
 * the code's status; anything unexpected is logged by class name and answered 500 INTERNAL.
 * `corsOrigins` are the exact origins answered cross-origin (none: same-origin callers only).
 */
export function createRouter(
  routes: readonly Route[],
  deps: {
    authenticator: Authenticator;
    maxBodyBytes: () => number;
    corsOrigins?: () => ReadonlySet<string>;
  },
): (req: HttpRequest) => Promise<HttpResponse> {
  const table = routes.map(compile);
  return async (req) => {
    const started = Date.now();
    let matched: Route | undefined;
    let response: HttpResponse;
    const allowed = deps.corsOrigins?.() ?? NO_ORIGINS;
    try {
      if (isPreflight(req.method, req.headers)) {
        response = preflight(table, req, allowed);
      } else {
        ({ matched, response } = await dispatch(table, req, deps));
      }
    } catch (e) {
      const err = toAppError(e);
      response = { status: err.status, body: err.toJSON() };
    }
    const cors = corsHeaders(req.headers.origin, allowed);
    if (Object.keys(cors).length > 0) {
      response = { ...response, headers: { ...response.headers, ...cors } };
    }
    log.info("request", {
      request_id: req.requestId,
      method: req.method,
      route: matched?.path ?? "unmatched",
      status: response.status,
      duration_ms: Date.now() - started,
    });
    return response;
  };
}

/** Runs the matched route: body cap, authentication, role, handler; errors become answers. */
async function dispatch(
  table: readonly CompiledRoute[],
  req: HttpRequest,
  deps: { authenticator: Authenticator; maxBodyBytes: () => number },
): Promise<{ matched: Route | undefined; response: HttpResponse }> {
  let matched: Route | undefined;
  let response: HttpResponse;
  try {
    const found = match(table, req);
    matched = found.route;
    const limit = found.route.maxBodyBytes ?? deps.maxBodyBytes();
    if (bodyLength(req) > limit) {
      throw new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `Request body is larger than ${limit} bytes`);
    }
    let auth: AuthContext | undefined;
    if (found.route.roles !== "public") {
      auth = await deps.authenticator.authenticate(req);
      if (!found.route.roles.includes(auth.role)) {
        throw new AppError(ErrorCode.FORBIDDEN, "This role may not use this route");
      }
    }
    response = await found.route.handle({ req, params: found.params, auth });
  } catch (e) {
    const err = toAppError(e);
    if (err.code === ErrorCode.INTERNAL) {
      log.error("unhandled error", {
        request_id: req.requestId,
        route: matched?.path,
        error_name: errorName(err.opts.original),
      });
    }
    response = { status: err.status, body: err.toJSON() };
  }
  return { matched, response };
}

/** A malformed `%` escape is the client's error (400), found before authentication runs. */
function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AppError(ErrorCode.BAD_REQUEST, "Malformed percent-encoding in the path");
  }
}

function match(
  table: readonly CompiledRoute[],
  req: HttpRequest,
): { route: Route; params: Record<string, string> } {
  let pathMatched = false;
  for (const { route, pattern, keys } of table) {
    const m = pattern.exec(req.path);
    if (!m) continue;
    pathMatched = true;
    if (route.method !== req.method) continue;
    const params: Record<string, string> = {};
    keys.forEach((key, i) => {
      params[key] = decodeParam(m[i + 1] ?? "");
    });
    return { route, params };
  }
  if (pathMatched) throw new AppError(ErrorCode.METHOD_NOT_ALLOWED, "Method not allowed");
  throw new AppError(ErrorCode.NOT_FOUND, "No such route");
}
