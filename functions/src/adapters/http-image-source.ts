import { ImageUnavailableError } from "../domain/analysis-ports";
import type { ImageBytes, ImageSource } from "../domain/analysis-ports";

/**
 * Largest image sent to the model: base64 adds a third, and a dedicated endpoint accepts 10 MB
 * per request (reference §1.5), so 6 MB leaves room for the prompt.
 */
export const MAX_MODEL_IMAGE_BYTES = 6 * 1024 * 1024;

/**
 * Reads verified images over HTTP as `GET {baseUrl}/{image_key}` (the local image store, or
 * any service in front of the bucket that serves model-ready, resized bytes). Only images the
 * case lists as `verified` are requested: the image store checked their hash on upload, and the
 * bytes here may be a resized rendition, so their hash is not the key's.
 */
export function httpImageSource(baseUrl: string, timeoutMs = 15_000): ImageSource {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    async read(imageKey: string): Promise<ImageBytes> {
      if (!/^cases\/[^/]+\/[0-9a-f]{64}\.[a-z0-9]+$/.test(imageKey))
        throw new ImageUnavailableError("not_found", false);
      let res: Response;
      try {
        res = await fetch(`${base}/${imageKey}`, { signal: AbortSignal.timeout(timeoutMs) });
      } catch {
        throw new ImageUnavailableError("unavailable", true);
      }
      if (res.status === 404) throw new ImageUnavailableError("not_found", false);
      if (!res.ok) throw new ImageUnavailableError("unavailable", res.status >= 500);
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes.length > MAX_MODEL_IMAGE_BYTES) throw new ImageUnavailableError("too_large", false);
      const contentType = (res.headers.get("content-type") ?? "image/jpeg").split(";")[0]!.trim();
      return { bytes, contentType };
    },
  };
}
