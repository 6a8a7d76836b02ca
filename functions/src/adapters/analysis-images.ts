import { ImageUnavailableError } from "../domain/analysis-ports";
import type { ImageSource } from "../domain/analysis-ports";
import { imageStore } from "./image-store";
import { ModelImageError, createModelImageSource } from "./model-images";

/**
 * The AI pipeline's `ImageSource` over the image store (Cloud Storage, or the local image store
 * on the emulator stack): hash re-checked against the key, EXIF stripped, resized to ~1024 px
 * JPEG for the model. Store errors keep their retry class.
 */
export function storeImageSource(): ImageSource {
  const source = createModelImageSource(imageStore());
  return {
    async read(imageKey) {
      try {
        const img = await source.read(imageKey);
        return { bytes: img.bytes, contentType: img.contentType };
      } catch (e) {
        if (e instanceof ModelImageError) throw new ImageUnavailableError(e.reason, e.transient);
        throw e;
      }
    },
  };
}
