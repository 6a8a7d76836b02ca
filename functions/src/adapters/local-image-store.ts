import * as jose from "jose";
import { UPLOAD_SIZE_RANGE } from "../domain/images";
import type { ImageStore, SignedRequest, UploadToSign } from "../domain/image-store";

/** What a local-store token authorises: one method on one object, until `exp`. */
export interface LocalGrant {
  key: string;
  method: "PUT" | "GET" | "DELETE";
  /** PUT only: the Content-Type the upload must carry. */
  content_type?: string;
  /** PUT only: `min,max` body size, sent as `x-goog-content-length-range`. */
  length_range?: string;
}

/** Query parameter that carries the token (the signed-URL analogue of X-Goog-Signature). */
export const LOCAL_TOKEN_PARAM = "X-Local-Signature";

const ISSUER = "dermadetect-local-image-store";

function secretKey(secret: string): Uint8Array {
  if (secret.length < 32) throw new Error("The local image store secret is too short");
  return new TextEncoder().encode(secret);
}

/** Signs a grant as an HS256 token that expires at `expiresAt` (epoch ms, whole seconds). */
export async function signLocalGrant(
  secret: string,
  grant: LocalGrant,
  expiresAt: number,
): Promise<string> {
  return new jose.SignJWT({ ...grant })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setExpirationTime(Math.floor(expiresAt / 1000))
    .sign(secretKey(secret));
}

/** Verifies a token (HS256 only, issuer, expiry) and returns its grant; throws when invalid. */
export async function verifyLocalGrant(
  secret: string,
  token: string,
  now: Date = new Date(),
): Promise<LocalGrant & { exp: number }> {
  const { payload } = await jose.jwtVerify(token, secretKey(secret), {
    algorithms: ["HS256"],
    issuer: ISSUER,
    requiredClaims: ["exp"],
    currentDate: now,
  });
  const p = payload as Partial<LocalGrant> & { exp: number };
  if (typeof p.key !== "string" || !["PUT", "GET", "DELETE"].includes(p.method ?? "")) {
    throw new Error("malformed grant");
  }
  return p as LocalGrant & { exp: number };
}

/**
 * The local image store (`infra/src/image-store.ts`, port 8092) behind the ImageStore port:
 * a stand-in for Cloud Storage on the emulator stack, which has no Storage emulator here.
 * Its URLs carry an expiring HS256 token bound to the same things as a V4 signed URL
 * (method, object, content type, size range, no overwrite), and the store calls the same
 * verification handler as `verifyImage`. Used only in `demo-` projects.
 */
export class LocalImageStore implements ImageStore {
  constructor(
    private readonly baseUrl: string,
    private readonly secret: string,
  ) {}

  private async url(grant: LocalGrant, expiresAt: number): Promise<string> {
    const token = await signLocalGrant(this.secret, grant, expiresAt);
    return `${this.baseUrl}/o/${encodeURIComponent(grant.key)}?${LOCAL_TOKEN_PARAM}=${token}`;
  }

  /** {@inheritDoc ImageStore.signUpload} */
  async signUpload(p: UploadToSign): Promise<SignedRequest> {
    const expiresAt = Math.floor((p.now + p.ttlMs) / 1000) * 1000;
    const grant: LocalGrant = {
      key: p.key,
      method: "PUT",
      content_type: p.contentType,
      length_range: UPLOAD_SIZE_RANGE,
    };
    return {
      url: await this.url(grant, expiresAt),
      method: "PUT",
      headers: {
        "content-type": p.contentType,
        "x-goog-content-length-range": UPLOAD_SIZE_RANGE,
        "x-goog-if-generation-match": "0",
      },
      expiresAt,
    };
  }

  /** {@inheritDoc ImageStore.signDownload} */
  async signDownload(p: { key: string; now: number; ttlMs: number }): Promise<SignedRequest> {
    const expiresAt = Math.floor((p.now + p.ttlMs) / 1000) * 1000;
    return {
      url: await this.url({ key: p.key, method: "GET" }, expiresAt),
      method: "GET",
      headers: {},
      expiresAt,
    };
  }

  /** {@inheritDoc ImageStore.read} */
  async read(key: string): Promise<Buffer | undefined> {
    const url = await this.url({ key, method: "GET" }, Date.now() + 60_000);
    const res = await fetch(url);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`local image store answered ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }

  /** {@inheritDoc ImageStore.remove} */
  async remove(key: string): Promise<void> {
    const url = await this.url({ key, method: "DELETE" }, Date.now() + 60_000);
    const res = await fetch(url, { method: "DELETE" });
    if (!res.ok && res.status !== 404) throw new Error(`local image store answered ${res.status}`);
  }
}
