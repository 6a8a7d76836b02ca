import { del, entries, get, set } from "idb-keyval";
import type { UseStore } from "idb-keyval";
import { base64ToBytes } from "@/lib/bytes/base64";
import type { KeyValueStore } from "./key-value-store";
import type { PhotoStore } from "./photo-store";
import { durableIdbStore } from "./web-photo-store";

/**
 * The key-value store over IndexedDB (web build): upload queue, sync history, device id. It used
 * to be localStorage, whose ~5 M characters a few base64 photos filled; `migrateLocalStorage`
 * moves what older builds left there.
 */
export function idbKeyValueStore(
  store: UseStore = durableIdbStore("dermadetect-kv", "kv"),
): KeyValueStore {
  return {
    getItem: async (k) => (await get<string>(k, store)) ?? null,
    setItem: (k, v) => set(k, v, store),
    removeItem: (k) => del(k, store),
  };
}

/** Every key-value pair of a store (tests, migration checks). */
export async function allItems(store: UseStore): Promise<[string, string][]> {
  return (await entries<string, string>(store)).map(([k, v]) => [String(k), v]);
}

/** Where older web builds kept their data. */
export const LEGACY_PREFIX = "dermadetect:";
const LEGACY_PHOTO = `${LEGACY_PREFIX}uploads:photo:`;

/**
 * Moves what an older build kept in localStorage into IndexedDB: photos (base64 under
 * `uploads:photo:<sha>`) become Blobs in the photo store, every other key goes to the key-value
 * store. A key is removed from localStorage only after its copy is stored, so an interrupted
 * migration resumes on the next start; a key already present in IndexedDB is not overwritten
 * (it is newer). Returns how many photos and other keys moved.
 */
export async function migrateLocalStorage(
  ls: Storage,
  kv: KeyValueStore,
  photos: PhotoStore,
): Promise<{ photos: number; keys: number }> {
  const legacy: string[] = [];
  for (let i = 0; i < ls.length; i++) {
    const k = ls.key(i);
    if (k?.startsWith(LEGACY_PREFIX)) legacy.push(k);
  }
  let movedPhotos = 0;
  let movedKeys = 0;
  // Photos first: the queue entries that point at them must never arrive without their bytes.
  for (const k of legacy.filter((k) => k.startsWith(LEGACY_PHOTO))) {
    const raw = ls.getItem(k);
    if (raw != null) {
      const sha = k.slice(LEGACY_PHOTO.length);
      const bytes = base64ToBytes(raw);
      await photos.put(sha, bytes, sniffType(bytes));
      movedPhotos++;
    }
    ls.removeItem(k);
  }
  for (const k of legacy.filter((k) => !k.startsWith(LEGACY_PHOTO))) {
    const raw = ls.getItem(k);
    const key = k.slice(LEGACY_PREFIX.length);
    if (raw != null && (await kv.getItem(key)) == null) {
      await kv.setItem(key, raw);
      movedKeys++;
    }
    ls.removeItem(k);
  }
  return { photos: movedPhotos, keys: movedKeys };
}

/** The photo's type from its first bytes (the queue entry keeps the declared one). */
function sniffType(b: Uint8Array): string {
  if (b[0] === 0x89 && b[1] === 0x50) return "image/png";
  if (b[0] === 0x52 && b[1] === 0x49) return "image/webp";
  return "image/jpeg";
}
