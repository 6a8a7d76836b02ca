import { deflateSync } from "node:zlib";

/*
 * A PNG written from scratch (no image library, nothing downloaded): a 1600×1200 skin-toned
 * gradient with a dark irregular blob, large enough that the app must resize it to 1024 px.
 */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] ?? 0) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * An RGB PNG of a synthetic lesion photo. With `noiseSeed`, every pixel gets seeded noise: a
 * different photo per seed, and one that does not compress to almost nothing as a JPEG.
 */
export function lesionPng(width = 1600, height = 1200, noiseSeed?: number): Buffer {
  let state = (noiseSeed ?? 0) >>> 0 || 1;
  // xorshift32: deterministic per seed, no dependency for a test picture.
  const noise = () => {
    if (noiseSeed === undefined) return 0;
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) % 61) - 30;
  };
  const px = (v: number) => Math.max(0, Math.min(255, v + noise()));
  const raw = Buffer.alloc((width * 3 + 1) * height);
  const cx = width / 2;
  const cy = height / 2;
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const dx = (x - cx) / (width / 6);
      const dy = (y - cy) / (height / 5);
      const wobble = 0.15 * Math.sin(6 * Math.atan2(dy, dx));
      const inside = dx * dx + dy * dy < 1 + wobble;
      const o = row + 1 + x * 3;
      raw[o] = px(inside ? 70 : 205 + Math.round((20 * x) / width));
      raw[o + 1] = px(inside ? 40 : 160 + Math.round((20 * y) / height));
      raw[o + 2] = px(inside ? 35 : 140);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
