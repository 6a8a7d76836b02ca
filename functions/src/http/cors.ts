/*
 * CORS for the api's front door. Behind the load balancer the web apps call the api on another
 * origin (its own host, not Hosting's `/api/**` rewrite), so the browser asks first. Only the
 * exact origins configured (API_CORS_ORIGINS: the two Hosting sites) are answered; no wildcard
 * is ever sent. The caller's credential is the Authorization header (a bearer token), never a
 * cookie, so no Access-Control-Allow-Credentials either.
 */

/** Request headers a web app sends: the bearer token, the JSON body's type, the request id. */
export const CORS_ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-Id";
/** Response headers a web app may read besides the simple ones. */
export const CORS_EXPOSED_HEADERS = "X-Request-Id";
/** How long a browser may reuse a preflight answer, in seconds. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * The allowed origins from API_CORS_ORIGINS (comma-separated). An entry counts only when it is
 * exactly an https origin (scheme and host, no path; http only for a loopback host): `*`, a
 * pattern or a URL with a path is dropped, so a typo can only allow less.
 */
export function parseCorsOrigins(value: string): ReadonlySet<string> {
  const out = new Set<string>();
  for (const raw of value.split(",")) {
    const entry = raw.trim();
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      continue;
    }
    const loopback = url.hostname === "localhost" || url.hostname === "127.0.0.1";
    const scheme = url.protocol === "https:" || (url.protocol === "http:" && loopback);
    const exact = url.origin === entry.replace(/\/$/, "") && !url.hostname.includes("*");
    if (scheme && exact) out.add(url.origin);
  }
  return out;
}

/** A CORS preflight: OPTIONS with an Origin and the method the browser means to send. */
export function isPreflight(method: string, headers: Record<string, string | undefined>): boolean {
  return (
    method === "OPTIONS" &&
    headers.origin !== undefined &&
    headers["access-control-request-method"] !== undefined
  );
}

/**
 * The CORS headers of a response to `origin`. `Vary: Origin` whenever origins are configured
 * (a cache must not hand one origin's answer to another); the allow headers only for an
 * allowed origin, echoing it exactly.
 */
export function corsHeaders(
  origin: string | undefined,
  allowed: ReadonlySet<string>,
): Record<string, string> {
  if (allowed.size === 0) return {};
  if (origin === undefined || !allowed.has(origin)) return { vary: "Origin" };
  return {
    vary: "Origin",
    "access-control-allow-origin": origin,
    "access-control-expose-headers": CORS_EXPOSED_HEADERS,
  };
}

/** The extra headers of a preflight answer to an allowed origin, for the path's methods. */
export function preflightHeaders(methods: readonly string[]): Record<string, string> {
  return {
    "access-control-allow-methods": [...new Set(methods)].join(", "),
    "access-control-allow-headers": CORS_ALLOWED_HEADERS,
    "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
  };
}
