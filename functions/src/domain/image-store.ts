import type { ImageContentType } from "@dermadetect/contract";

/** A pre-authorised request a client makes directly to the image store. */
export interface SignedRequest {
  url: string;
  method: "PUT" | "GET";
  /** Headers the client must send exactly as given (they are part of the signature). */
  headers: Record<string, string>;
  /** Epoch ms after which the store refuses the request. */
  expiresAt: number;
}

/** What an upload URL is signed for. */
export interface UploadToSign {
  key: string;
  contentType: ImageContentType;
  now: number;
  ttlMs: number;
}

/**
 * Where photos live: Cloud Storage in production (`adapters/gcs-image-store.ts`), the local
 * image store on the emulator stack (`adapters/local-image-store.ts`). Both hand out signed,
 * expiring URLs bound to method, path, content type and size range, so the app's upload code
 * is the same against either.
 */
export interface ImageStore {
  /** A PUT URL for `key`, valid for `ttlMs`, bound to the content type and the size range. */
  signUpload(p: UploadToSign): Promise<SignedRequest>;
  /** A GET URL for `key`, valid for `ttlMs`. */
  signDownload(p: { key: string; now: number; ttlMs: number }): Promise<SignedRequest>;
  /** The object's bytes, or undefined when it does not exist. */
  read(key: string): Promise<Buffer | undefined>;
  /** Deletes the object; a missing object is not an error. */
  remove(key: string): Promise<void>;
}
