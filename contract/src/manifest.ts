import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";

/**
 * The completeness manifest (docs/sync-protocol.md §Manifest): the count and an
 * order-independent hash of every live record in a CHW's scope. The hash is the XOR of
 * sha256(`${collection}/${id}@${server_seq}`) over the records, as 64 hex chars, so the server
 * maintains it incrementally (XOR out the old version, XOR in the new) and a device recomputes
 * it from what it holds. Tombstoned records are not in the manifest.
 */
export interface Manifest {
  count: number;
  hash: string;
}

/** The manifest of an empty scope. */
export const EMPTY_MANIFEST: Manifest = { count: 0, hash: "0".repeat(64) };

/** Per-record contribution to the manifest hash. */
export function recordHash(collection: string, id: string, serverSeq: number): string {
  return bytesToHex(sha256(utf8ToBytes(`${collection}/${id}@${serverSeq}`)));
}

/** XOR of two 64-hex-char strings. */
export function xorHex(a: string, b: string): string {
  // Pure JS (no Buffer, no node:crypto): the same code runs on React Native.
  const x = hexToBytes(a);
  const y = hexToBytes(b);
  for (let i = 0; i < x.length; i++) x[i] = (x[i] ?? 0) ^ (y[i] ?? 0);
  return bytesToHex(x);
}

/** The live version of a record before or after a write; undefined when absent or tombstoned. */
export interface ManifestEntry {
  collection: string;
  id: string;
  serverSeq: number;
}

/** Applies one record transition (absent/live → absent/live) to a manifest. */
export function updateManifest(
  m: Manifest,
  before: ManifestEntry | undefined,
  after: ManifestEntry | undefined,
): Manifest {
  let { count, hash } = m;
  if (before) {
    hash = xorHex(hash, recordHash(before.collection, before.id, before.serverSeq));
    count -= 1;
  }
  if (after) {
    hash = xorHex(hash, recordHash(after.collection, after.id, after.serverSeq));
    count += 1;
  }
  return { count, hash };
}

/** The manifest of a set of live records, as a device computes it from its local copy. */
export function manifestOf(records: Iterable<ManifestEntry>): Manifest {
  let m = EMPTY_MANIFEST;
  for (const r of records) m = updateManifest(m, undefined, r);
  return m;
}
