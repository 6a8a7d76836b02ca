import { Storage } from "@google-cloud/storage";
import type { StorageOptions } from "@google-cloud/storage";
import { UPLOAD_SIZE_RANGE } from "../domain/images";
import type { ImageStore, SignedRequest, UploadToSign } from "../domain/image-store";

/** HTTP status of a Cloud Storage API error, when it has one. */
function statusOf(e: unknown): number | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "number" ? code : undefined;
}

/**
 * Cloud Storage behind the ImageStore port. Upload URLs are V4 signed PUTs that bind, besides
 * method, bucket and object name: `content-type` (the declared type), `x-goog-content-length-range`
 * (Cloud Storage refuses a body outside the range) and `x-goog-if-generation-match: 0` (the
 * object must not exist yet, so a verified photo can never be overwritten through a URL).
 *
 * Header names in the answer are lower case, so a client that merges them into its own
 * headers object replaces its `content-type` instead of sending the header twice.
 *
 * On Cloud Functions there is no private key: the library signs through the IAM signBlob API,
 * so the function's service account needs `iam.serviceAccountTokenCreator` on itself. With a
 * service-account key in `options.credentials` (the unit tests) signing is offline.
 */
export class GcsImageStore implements ImageStore {
  private storage: Storage | undefined;

  constructor(
    private readonly bucketName: string,
    private readonly options: StorageOptions = {},
  ) {}

  private bucket() {
    this.storage ??= new Storage(this.options);
    return this.storage.bucket(this.bucketName);
  }

  /** {@inheritDoc ImageStore.signUpload} */
  async signUpload(p: UploadToSign): Promise<SignedRequest> {
    const expiresAt = p.now + p.ttlMs;
    const extensionHeaders = {
      "x-goog-content-length-range": UPLOAD_SIZE_RANGE,
      "x-goog-if-generation-match": "0",
    };
    const [url] = await this.bucket().file(p.key).getSignedUrl({
      version: "v4",
      action: "write",
      accessibleAt: p.now,
      expires: expiresAt,
      contentType: p.contentType,
      extensionHeaders,
    });
    return {
      url,
      method: "PUT",
      headers: { "content-type": p.contentType, ...extensionHeaders },
      expiresAt,
    };
  }

  /** {@inheritDoc ImageStore.signDownload} */
  async signDownload(p: { key: string; now: number; ttlMs: number }): Promise<SignedRequest> {
    const expiresAt = p.now + p.ttlMs;
    const [url] = await this.bucket()
      .file(p.key)
      .getSignedUrl({ version: "v4", action: "read", accessibleAt: p.now, expires: expiresAt });
    return { url, method: "GET", headers: {}, expiresAt };
  }

  /** {@inheritDoc ImageStore.read} */
  async read(key: string): Promise<Buffer | undefined> {
    try {
      const [bytes] = await this.bucket().file(key).download();
      return bytes;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /** {@inheritDoc ImageStore.remove} */
  async remove(key: string): Promise<void> {
    await this.bucket().file(key).delete({ ignoreNotFound: true });
  }
}
