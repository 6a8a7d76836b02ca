/**
 * The HTTPS API client (docs/design.md §5 routes). Every call returns a discriminated result the UI
 * switches on; network failures are `offline` (temporary), 4xx answers are `rejected` with the
 * server's error code, and a body that does not match the contract is `bad-data`.
 */

import type { ImageUploadResponse } from "@dermadetect/contract";

/** The result of an API call. */
export type ApiResult<T> =
  | { kind: "ok"; value: T }
  | { kind: "offline"; temporary: true }
  | { kind: "rejected"; status: number; code: string }
  | { kind: "bad-data" };

/** Where the API lives and how to authenticate. */
export interface ApiConfig {
  baseUrl: string;
  idToken(): Promise<string | undefined>;
  fetch?: typeof fetch;
}

/** An upload grant from `POST /v1/cases/{id}/images`: the contract's answer shape. */
export type UploadGrant = ImageUploadResponse;

function isUploadGrant(v: unknown): v is UploadGrant {
  const g = v as Partial<UploadGrant> | null;
  return (
    typeof g === "object" &&
    g !== null &&
    typeof g.upload_url === "string" &&
    typeof g.method === "string" &&
    typeof g.image_key === "string" &&
    (g.headers === undefined || typeof g.headers === "object")
  );
}

/** Calls the DermaDetect API. */
export class ApiClient {
  constructor(private readonly config: ApiConfig) {}

  private async call(method: string, path: string, body: unknown): Promise<ApiResult<unknown>> {
    const token = await this.config.idToken();
    const doFetch = this.config.fetch ?? fetch;
    let res: Response;
    try {
      res = await doFetch(`${this.config.baseUrl}${path}`, {
        method,
        headers: {
          "content-type": "application/json",
          ...(token && { authorization: `Bearer ${token}` }),
        },
        body: JSON.stringify(body),
      });
    } catch {
      return { kind: "offline", temporary: true };
    }
    if (res.status >= 500 || res.status === 429) return { kind: "offline", temporary: true };
    let json: unknown;
    try {
      json = await res.json();
    } catch {
      return { kind: "bad-data" };
    }
    if (!res.ok) {
      const code = (json as { error?: { code?: unknown } } | null)?.error?.code;
      return {
        kind: "rejected",
        status: res.status,
        code: typeof code === "string" ? code : `HTTP_${res.status}`,
      };
    }
    return { kind: "ok", value: json };
  }

  /** Asks for an upload URL for one image of a case the caller owns. */
  async requestImageUpload(
    caseId: string,
    image: { sha256: string; content_type: string; bytes: number },
  ): Promise<ApiResult<UploadGrant>> {
    const r = await this.call("POST", `/v1/cases/${encodeURIComponent(caseId)}/images`, image);
    if (r.kind !== "ok") return r;
    return isUploadGrant(r.value) ? { kind: "ok", value: r.value } : { kind: "bad-data" };
  }
}
