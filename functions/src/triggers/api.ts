import { randomUUID } from "node:crypto";
import { onRequest } from "firebase-functions/v2/https";
import type { Request } from "firebase-functions/v2/https";
import type { Response } from "express";
import { revocationOf, withAccountCheck } from "../auth/account-check";
import type { AccountRecord, SessionRecord } from "../auth/account-check";
import { getAuth } from "firebase-admin/auth";
import { createTokenVerifier } from "../auth/verify-token";
import { adminApp, db } from "../adapters/firebase";
import { countingEnabled, formatOps, withOpCounts } from "../adapters/op-counter";
import { isEmulatorAuthMode, params, projectId } from "../config";
import { corsHeaders, parseCorsOrigins } from "../http/cors";
import { createRouter } from "../http/router";
import type { HttpRequest } from "../http/router";
import { isDeferredJson, limitBodiesBeforeParsing, parseDeferredJson } from "../http/body-limit";
import { acceptScalarJsonBodies } from "../http/json-scalars";
import { routes } from "../http/routes";

let largestRouteCap: number | undefined;

/** The largest body any route accepts: the router's cap or a route's own, whichever is larger. */
export function preParseCap(): number {
  largestRouteCap ??= Math.max(0, ...routes().map((r) => r.maxBodyBytes ?? 0));
  return Math.max(params.maxBodyBytes.value(), largestRouteCap);
}

// Before the host builds its express app (it loads this module first): a JSON body that is a
// bare null, number or string reaches our parser and gets a coded 400, not express's HTML page;
// no body larger than any route accepts is read at all (413 before parsing), and JSON is parsed
// only once a route reads it, after authentication (issue 17; http/body-limit.ts).
acceptScalarJsonBodies();
// Only in the process that serves `api` (the host sets FUNCTION_TARGET to the entry point):
// every function loads this bundle, and the event functions' hosts must keep parsing their
// JSON event bodies themselves.
if (process.env.FUNCTION_TARGET === "api")
  limitBodiesBeforeParsing(preParseCap, {
    deferJson: true,
    refusalHeaders: (req) => {
      const origin = req.headers.origin;
      return corsHeaders(typeof origin === "string" ? origin : undefined, allowedOrigins());
    },
  });

/** `users/{uid}`; a uid that is not a single path segment cannot name an account document. */
async function lookupAccount(uid: string): Promise<AccountRecord | undefined> {
  if (uid.includes("/")) return { disabled: true };
  return (await db().collection("users").doc(uid).get()).data();
}

/** The Auth account: disabled, and when its sessions were last revoked. */
async function lookupSessions(uid: string): Promise<SessionRecord> {
  try {
    const user = await getAuth(adminApp()).getUser(uid);
    return { disabled: user.disabled, ...revocationOf(user) };
  } catch (e) {
    // A deleted account's tokens stay valid until they expire; nothing of it may be served.
    if ((e as { code?: string }).code === "auth/user-not-found") return { disabled: true };
    throw e;
  }
}

let handler: ReturnType<typeof createRouter> | undefined;

/** Built on first request (lazy globals): no SDK client or param is touched at import time. */
function router(): ReturnType<typeof createRouter> {
  return (handler ??= createRouter(routes(), {
    authenticator: withAccountCheck(
      createTokenVerifier({ projectId: projectId(), emulator: isEmulatorAuthMode() }),
      lookupAccount,
      { sessions: lookupSessions },
    ),
    maxBodyBytes: () => params.maxBodyBytes.value(),
    corsOrigins: allowedOrigins,
  }));
}

let corsOrigins: ReadonlySet<string> | undefined;

/** API_CORS_ORIGINS, parsed on first use (a param is read only once the host has loaded it). */
function allowedOrigins(): ReadonlySet<string> {
  return (corsOrigins ??= parseCorsOrigins(params.apiCorsOrigins.value()));
}

function headerMap(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(",") : v;
  return out;
}

function queryMap(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.query)) out[k] = typeof v === "string" ? v : undefined;
  return out;
}

/** Adapts the Functions Framework request to the router and writes its answer. */
export async function handleApiRequest(req: Request, res: Response): Promise<void> {
  const request: HttpRequest = {
    method: req.method,
    // Firebase Hosting's `/api/**` rewrite (firebase.json) passes the path with its prefix: the
    // web apps call their own origin, so signed photo URLs and tokens never cross origins.
    path: req.path.startsWith("/api/") ? req.path.slice(4) : req.path,
    query: queryMap(req),
    headers: headerMap(req),
    rawBody: req.rawBody,
    body: req.body as unknown,
    requestId: req.header("x-request-id")?.slice(0, 64) ?? randomUUID(),
  };
  if (isDeferredJson(req)) {
    // Parsed on first read: the router reads no body before the token and role checks.
    let parsed: { value: unknown } | undefined;
    Object.defineProperty(request, "body", {
      enumerable: true,
      get: () => (parsed ??= { value: parseDeferredJson(req.body as Buffer) }).value,
    });
  }
  const { value: out, ops } = await withOpCounts(() => router()(request));
  res.set("x-request-id", request.requestId);
  // The operations this request billed, for the benchmarks (local stack only).
  if (countingEnabled()) res.set("x-firestore-ops", formatOps(ops));
  res.set("cache-control", "no-store");
  for (const [k, v] of Object.entries(out.headers ?? {})) res.set(k, v);
  res.status(out.status).json(out.body);
}

/** The HTTPS API (docs/design.md §5): sync, images, diagnoses, health. */
export const api = onRequest(
  { cors: false, timeoutSeconds: 120, memory: "512MiB" },
  handleApiRequest,
);
