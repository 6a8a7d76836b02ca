import { params, projectId } from "../config";
import type { ImageStore } from "../domain/image-store";
import { GcsImageStore } from "./gcs-image-store";
import { LocalImageStore } from "./local-image-store";

let store: ImageStore | undefined;

/**
 * The image store for this deployment, created on first use: the local image store when
 * `IMAGE_STORE_URL` is set (emulator stack, `demo-` projects only, so a stray setting can never
 * send production photos to it), Cloud Storage otherwise.
 */
export function imageStore(): ImageStore {
  if (store) return store;
  const localUrl = params.imageStoreUrl.value();
  if (localUrl) {
    if (!projectId().startsWith("demo-")) {
      throw new Error("IMAGE_STORE_URL is only allowed in demo- projects");
    }
    return (store = new LocalImageStore(localUrl, params.localImageStoreSecret.value()));
  }
  return (store = new GcsImageStore(params.imagesBucket.value()));
}
