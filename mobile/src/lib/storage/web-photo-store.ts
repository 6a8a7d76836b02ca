import { del, get, keys, promisifyRequest, set } from "idb-keyval";
import type { UseStore } from "idb-keyval";
import { PhotoStoreError, asStoreError } from "./photo-store";
import type { DeviceStorage, PhotoStore } from "./photo-store";

/**
 * An idb-keyval store whose transactions ask for strict durability: Chromium commits IndexedDB
 * writes "relaxed" by default (acknowledged before they reach the disk), and a case is reported
 * saved only once its photos are on disk.
 */
export function durableIdbStore(dbName: string, storeName: string): UseStore {
  const request = indexedDB.open(dbName);
  request.onupgradeneeded = () => request.result.createObjectStore(storeName);
  const dbp = promisifyRequest(request);
  return (txMode, callback) =>
    // idb-keyval's writes resolve on the transaction's `complete`, which with strict
    // durability fires only once the data is flushed to disk.
    dbp.then((db) =>
      callback(db.transaction(storeName, txMode, { durability: "strict" }).objectStore(storeName)),
    );
}

/** Photo bytes as Blobs in IndexedDB (web build). */
export function idbPhotoStore(
  store: UseStore = durableIdbStore("dermadetect-photos", "photos"),
): PhotoStore {
  return {
    put: (sha, bytes, contentType) =>
      asStoreError("photo write", async () => {
        // Keyed by content: the same sha256 at the same size is already these bytes. Writing
        // them again would need room for a second copy, which a full phone does not have (a
        // case saved again after some of its photos were refused).
        const existing = await get<Blob>(sha, store);
        if (existing?.size === bytes.length) return;
        await set(sha, new Blob([new Uint8Array(bytes)], { type: contentType }), store);
        const back = await get<Blob>(sha, store);
        if (!back || back.size !== bytes.length)
          throw new PhotoStoreError("STORAGE_FAILED", "photo read-back does not match");
      }),
    get: async (sha) => {
      const blob = await get<Blob>(sha, store);
      return blob ? new Uint8Array(await blob.arrayBuffer()) : undefined;
    },
    delete: (sha) => del(sha, store),
    list: async () => (await keys(store)).map(String),
  };
}

/** navigator.storage: the origin's usage and quota, and persistent storage. */
export function browserStorage(): DeviceStorage {
  return {
    estimate: async () => {
      if (!navigator.storage?.estimate) return undefined;
      const e = await navigator.storage.estimate();
      if (e.usage === undefined || e.quota === undefined) return undefined;
      return { usedBytes: e.usage, freeBytes: Math.max(0, e.quota - e.usage) };
    },
    requestPersistence: async () => {
      if (!navigator.storage?.persist) return undefined;
      if (await navigator.storage.persisted()) return true;
      return navigator.storage.persist();
    },
  };
}
