import { crc32, deflateSync } from "node:zlib";

/*
 * A "pixel bomb": a valid PNG of a few hundred bytes whose header declares width × height
 * pixels (50,000 × 50,000 = 2.5 billion by default, ~7.5 GB once decoded as RGB). Only the
 * first row's worth of compressed data is present: enough for a decoder to start.
 */

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

export function pixelBombPng(width = 50_000, height = 50_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  // compression, filter, interlace: 0
  const firstRow = Buffer.alloc(1 + width * 3); // filter byte 0 + black pixels
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(firstRow, { level: 9 })),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
