import { launchCamera } from "react-native-image-picker";
import { base64ToBytes } from "@/lib/bytes/base64";
import { MAX_PHOTO_SIDE, sha256Hex } from "@/features/photos/photo";
import type { CapturedPhoto, PhotoSource } from "@/features/photos/photo";

/**
 * Photos on the phone: the system camera through react-native-image-picker, which resizes
 * natively to ≤ 1024 px and re-encodes as JPEG before any byte reaches JS (so a 12 MP photo never
 * sits in JS memory). Triage decodes the JPEG itself. Not exercised here: no device.
 */
export function nativePhotoSource(): PhotoSource {
  return {
    capture: async (): Promise<CapturedPhoto | undefined> => {
      const res = await launchCamera({
        mediaType: "photo",
        maxWidth: MAX_PHOTO_SIDE,
        maxHeight: MAX_PHOTO_SIDE,
        quality: 0.8,
        includeBase64: true,
        saveToPhotos: false,
      });
      const asset = res.assets?.[0];
      if (res.didCancel || !asset?.base64 || !asset.width || !asset.height) return undefined;
      const bytes = base64ToBytes(asset.base64);
      return {
        bytes,
        contentType: "image/jpeg",
        width: asset.width,
        height: asset.height,
        sha256: sha256Hex(bytes),
      };
    },
  };
}
