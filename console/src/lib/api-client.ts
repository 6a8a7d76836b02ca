/**
 * The one HTTP client of the console, over the `api` function. Every call answers a
 * discriminated result the screens switch on; nothing here throws for an HTTP or network error.
 */

/** An error answer of the API: `{"error":{"code","message",…}}` plus the HTTP status. */
export interface ApiError {
  status: number;
  code: string;
  message: string;
  /** The whole `error` object (409s carry `claim` or `diagnosis`). */
  body: Record<string, unknown>;
}

/** What every call answers. */
export type ApiResult<T> =
  | { kind: "ok"; value: T }
  | { kind: "error"; error: ApiError }
  | { kind: "offline" };

/** The client's surface (a screen's hooks take it, so tests can hand in another). */
export interface ApiClient {
  get<T>(path: string): Promise<ApiResult<T>>;
  post<T>(path: string, body: unknown): Promise<ApiResult<T>>;
  delete<T>(path: string): Promise<ApiResult<T>>;
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

/** Reads an answer into an ApiResult; a non-JSON error body still becomes a coded error. */
export async function readAnswer<T>(res: Response): Promise<ApiResult<T>> {
  let json: unknown = undefined;
  try {
    json = await res.json();
  } catch {
    json = undefined;
  }
  if (res.ok) return { kind: "ok", value: json as T };
  const error = asRecord(asRecord(json).error);
  return {
    kind: "error",
    error: {
      status: res.status,
      code: typeof error.code === "string" ? error.code : `HTTP_${res.status}`,
      message: typeof error.message === "string" ? error.message : res.statusText,
      body: error,
    },
  };
}

/** A client that sends the signed-in user's Firebase ID token as a Bearer token. */
export function createApiClient(o: {
  baseUrl: string;
  idToken: () => Promise<string | undefined>;
  fetch?: typeof fetch;
}): ApiClient {
  const doFetch = o.fetch ?? ((input, init) => fetch(input, init));
  async function call<T>(method: string, path: string, body?: unknown): Promise<ApiResult<T>> {
    const token = await o.idToken();
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await doFetch(`${o.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      return { kind: "offline" };
    }
    return readAnswer<T>(res);
  }
  return {
    get: (path) => call("GET", path),
    post: (path, body) => call("POST", path, body),
    delete: (path) => call("DELETE", path),
  };
}

/** A client-generated id (UUID v4): a retried request carries the same one, so it is idempotent. */
export function newId(): string {
  return crypto.randomUUID();
}
