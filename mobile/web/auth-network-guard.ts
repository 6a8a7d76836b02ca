/**
 * Keeps a bad network from signing the CHW out. At start-up the Auth SDK reloads the stored
 * user from the server and clears it on any error other than `auth/network-request-failed`
 * (firebase-js-sdk auth_impl.ts, reloadAndSetCurrentUserOrClear). A captive portal, a proxy's
 * 5xx with a JSON body, a rate limit or a half-dead link then looks like a revoked account.
 * This wrapper sits in front of `fetch` for the Auth REST endpoints only and turns every answer
 * that is not a genuine verdict from Google's servers into a network failure, which the SDK
 * maps to `auth/network-request-failed` and which keeps the user:
 *   - no answer within the time limit (short at start-up, so the first screen does not wait);
 *   - 5xx, 408 and 429;
 *   - a body that is not JSON, or JSON without the shape the endpoint answers with.
 * A 400/401/403 with `{"error":{"message":…}}` (USER_DISABLED, TOKEN_EXPIRED,
 * INVALID_REFRESH_TOKEN, wrong password) passes through: those are real answers.
 */

const AUTH_PATH = /\/(identitytoolkit|securetoken)\.googleapis\.com\//;

/** Time limits for one Auth request. */
export interface GuardTimeouts {
  /** Until the app has its first auth state (start-up: the stored session decides). */
  startupMs: number;
  /** Afterwards (sign-in, token refresh). */
  normalMs: number;
}

const DEFAULT_TIMEOUTS: GuardTimeouts = { startupMs: 4000, normalMs: 20_000 };

function urlOf(input: RequestInfo | URL): string {
  if (typeof input === "string") return input;
  if (input instanceof URL) return input.href;
  return input.url;
}

/** True when a 2xx JSON body looks like an answer of the Auth API (not a portal's JSON). */
function looksLikeAuthAnswer(body: unknown): boolean {
  if (!body || typeof body !== "object" || Array.isArray(body)) return false;
  const b = body as Record<string, unknown>;
  return ["users", "idToken", "id_token", "kind", "localId", "access_token", "email"].some(
    (k) => k in b,
  );
}

function looksLikeAuthError(body: unknown): boolean {
  const e = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof e?.message === "string";
}

/**
 * Wraps `inner` (the browser's fetch). `startedUp()` says whether the first auth state has been
 * delivered, which selects the time limit.
 */
export function guardAuthFetch(
  inner: typeof fetch,
  startedUp: () => boolean,
  timeouts: GuardTimeouts = DEFAULT_TIMEOUTS,
): typeof fetch {
  return async (input, init) => {
    if (!AUTH_PATH.test(urlOf(input))) return inner(input, init);
    const limit = startedUp() ? timeouts.normalMs : timeouts.startupMs;
    const abort = new AbortController();
    init?.signal?.addEventListener("abort", () => abort.abort());
    const timer = setTimeout(() => abort.abort(), limit);
    let res: Response;
    let text: string;
    try {
      res = await inner(input, { ...init, signal: abort.signal });
      text = await res.text();
    } catch {
      throw new TypeError("auth endpoint unreachable");
    } finally {
      clearTimeout(timer);
    }
    if (res.status >= 500 || res.status === 408 || res.status === 429)
      throw new TypeError(`auth endpoint answered ${res.status}`);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new TypeError("auth endpoint answered something that is not JSON");
    }
    const genuine = res.ok ? looksLikeAuthAnswer(body) : looksLikeAuthError(body);
    if (!genuine) throw new TypeError("auth endpoint answered an unexpected body");
    return new Response(text, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };
}

/** Installs the guard on `window.fetch` (the Auth SDK looks `self.fetch` up on every call). */
export function installAuthNetworkGuard(startedUp: () => boolean): void {
  const inner = window.fetch.bind(window);
  window.fetch = guardAuthFetch(inner, startedUp);
}
