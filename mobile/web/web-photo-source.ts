import { fitWithin, sha256Hex } from "@/features/photos/photo";
import type { CapturedPhoto, PhotoSource } from "@/features/photos/photo";

/**
 * Photos in the browser: a file input (camera on phones: `capture="environment"`), decoded with
 * createImageBitmap, drawn at ≤ 1024 px on a canvas and re-encoded as JPEG. The decoded pixels
 * at the stored size go to triage; the JPEG bytes are what is hashed and uploaded.
 */
export function webPhotoSource(): PhotoSource {
  return {
    capture: () =>
      new Promise<CapturedPhoto | undefined>((resolve) => {
        const input = document.createElement("input");
        input.type = "file";
        input.accept = "image/*";
        input.setAttribute("capture", "environment");
        input.onchange = () => {
          const file = input.files?.[0];
          if (!file) return resolve(undefined);
          void encode(file).then(resolve, () => resolve(undefined));
        };
        input.click();
      }),
  };
}

async function encode(file: Blob): Promise<CapturedPhoto> {
  const bitmap = await createImageBitmap(file);
  const { width, height } = fitWithin(bitmap.width, bitmap.height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext("2d");
  if (!ctx) throw new Error("no 2d canvas");
  ctx.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  const blob = await new Promise<Blob>((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("encode failed"))), "image/jpeg", 0.85),
  );
  const bytes = new Uint8Array(await blob.arrayBuffer());
  const pixels = ctx.getImageData(0, 0, width, height);
  return {
    bytes,
    contentType: "image/jpeg",
    width,
    height,
    sha256: sha256Hex(bytes),
    pixels: { width, height, channels: 4, data: pixels.data },
  };
}
