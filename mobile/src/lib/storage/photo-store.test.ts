import "fake-indexeddb/auto";
import { base64ToBytes, bytesToBase64 } from "@/lib/bytes/base64";
import { memoryStore } from "./key-value-store";
import { filePhotoStore } from "./native-photo-store";
import type { PhotoFiles } from "./native-photo-store";
import { PhotoStoreError, memoryPhotoStore, storageErrorCode, storageVerdict } from "./photo-store";
import type { PhotoStore } from "./photo-store";
import { idbPhotoStore, durableIdbStore } from "./web-photo-store";
import { idbKeyValueStore, migrateLocalStorage } from "./web-storage";

/*
 * One contract for every photo store: the Map (tests), IndexedDB through idb-keyval (run here on
 * fake-indexeddb; the browser walk exercises Chromium's real IndexedDB and quota) and the
 * device's files (react-native-file-access cannot run without a device: its FileSystem is
 * replaced by a Map-backed stand-in with the same calls and a disk that can fill up).
 */

/** react-native-file-access's FileSystem over a Map, refusing writes beyond `capacity` bytes. */
function fakeFiles(capacity = Infinity): PhotoFiles & { files: Map<string, string> } {
  const files = new Map<string, string>();
  const dirs = new Set<string>();
  const size = (b64: string) => base64ToBytes(b64).length;
  const used = () => [...files.values()].reduce((n, v) => n + size(v), 0);
  return {
    files,
    writeFile: (path, data) => {
      if (used() - (files.has(path) ? size(files.get(path)!) : 0) + size(data) > capacity)
        return Promise.reject(new Error("ENOSPC: no space left on device"));
      files.set(path, data);
      return Promise.resolve();
    },
    readFile: (path) =>
      files.has(path) ? Promise.resolve(files.get(path)!) : Promise.reject(new Error("ENOENT")),
    exists: (path) => Promise.resolve(files.has(path) || dirs.has(path)),
    unlink: (path) => (files.delete(path), Promise.resolve()),
    mkdir: (path) => (dirs.add(path), Promise.resolve(path)),
    ls: (dir) =>
      Promise.resolve(
        [...files.keys()]
          .filter((p) => p.startsWith(`${dir}/`))
          .map((p) => p.slice(dir.length + 1)),
      ),
    stat: (path) =>
      Promise.resolve({
        filename: path.split("/").pop() ?? "",
        lastModified: 0,
        path,
        size: size(files.get(path) ?? ""),
        type: "file" as const,
      }),
    df: () => Promise.resolve({ internal_free: capacity - used(), internal_total: capacity }),
  };
}

// The native module cannot load without a device; the store is given fakeFiles() instead.
jest.mock("react-native-file-access", () => ({ Dirs: { DocumentDir: "/docs" }, FileSystem: {} }));

let dbCount = 0;
const stores: [string, (capacity?: number) => PhotoStore][] = [
  ["memory", (capacity) => memoryPhotoStore(new Map(), capacity)],
  ["files (device)", (capacity) => filePhotoStore(fakeFiles(capacity), "/docs/photos")],
  ["IndexedDB (web)", () => idbPhotoStore(durableIdbStore(`photos-${++dbCount}`, "photos"))],
];

const bytes = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * seed) % 251);

describe.each(stores)("photo store: %s", (_name, make) => {
  it("stores, reads back, lists and deletes photos byte for byte", async () => {
    const s = make();
    await s.put("a".repeat(64), bytes(1000, 3), "image/jpeg");
    await s.put("b".repeat(64), bytes(10, 7), "image/jpeg");
    expect(await s.get("a".repeat(64))).toEqual(bytes(1000, 3));
    expect((await s.list()).sort()).toEqual(["a".repeat(64), "b".repeat(64)]);
    await s.delete("a".repeat(64));
    await s.delete("never-stored");
    expect(await s.get("a".repeat(64))).toBeUndefined();
    expect(await s.list()).toEqual(["b".repeat(64)]);
  });
});

describe.each(stores.slice(0, 2))("photo store, storage full: %s", (_name, make) => {
  it("rejects with STORAGE_FULL and keeps every photo it accepted", async () => {
    const s = make(2500);
    await s.put("a".repeat(64), bytes(1000), "image/jpeg");
    await s.put("b".repeat(64), bytes(1000), "image/jpeg");
    const refused = await s.put("c".repeat(64), bytes(1000), "image/jpeg").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(PhotoStoreError);
    expect((refused as PhotoStoreError).code).toBe("STORAGE_FULL");
    expect(await s.get("a".repeat(64))).toEqual(bytes(1000));
    expect(await s.get("b".repeat(64))).toEqual(bytes(1000));
    expect(await s.get("c".repeat(64))).toBeUndefined();
  });
});

describe("photo store, the same photo stored again on a full disk", () => {
  it.each(stores.slice(0, 2))("%s: resolves, the stored copy is kept", async (_name, make) => {
    const s = make(1000);
    await s.put("a".repeat(64), bytes(1000, 3), "image/jpeg");
    await s.put("a".repeat(64), bytes(1000, 3), "image/jpeg");
    expect(await s.get("a".repeat(64))).toEqual(bytes(1000, 3));
  });

  it("IndexedDB (web): not written again, so a quota refusal cannot hit it", async () => {
    const real = durableIdbStore(`photos-${++dbCount}`, "photos");
    let full = false;
    // Once full, every write fails as Chromium's does past the quota.
    const store: typeof real = (mode, callback) =>
      real(mode, (os) => {
        if (full && mode === "readwrite")
          throw new DOMException("The quota has been exceeded.", "QuotaExceededError");
        return callback(os);
      });
    const s = idbPhotoStore(store);
    await s.put("a".repeat(64), bytes(1000, 3), "image/jpeg");
    full = true;
    await s.put("a".repeat(64), bytes(1000, 3), "image/jpeg");
    await expect(s.put("b".repeat(64), bytes(10, 7), "image/jpeg")).rejects.toMatchObject({
      code: "STORAGE_FULL",
    });
    expect(await s.get("a".repeat(64))).toEqual(bytes(1000, 3));
  });
});

describe("storage errors and verdicts", () => {
  it("names quota and disk-full errors STORAGE_FULL, anything else STORAGE_FAILED", () => {
    expect(storageErrorCode({ name: "QuotaExceededError" })).toBe("STORAGE_FULL");
    expect(storageErrorCode(new Error("ENOSPC: no space left on device"))).toBe("STORAGE_FULL");
    expect(storageErrorCode(new Error("EACCES"))).toBe("STORAGE_FAILED");
  });

  it("refuses a photo that would eat into the reserve for records, warns when low", () => {
    const MB = 1024 * 1024;
    expect(storageVerdict(undefined, MB)).toBe("unknown");
    expect(storageVerdict({ usedBytes: 0, freeBytes: 100 * MB }, 300_000)).toBe("ok");
    expect(storageVerdict({ usedBytes: 0, freeBytes: 5 * MB }, 300_000)).toBe("low");
    expect(storageVerdict({ usedBytes: 0, freeBytes: 2 * MB + 100_000 }, 300_000)).toBe("full");
  });
});

/** A localStorage over a Map (the shape the migration reads). */
function fakeLocalStorage(init: Record<string, string>): Storage {
  const m = new Map(Object.entries(init));
  return {
    get length() {
      return m.size;
    },
    key: (i) => [...m.keys()][i] ?? null,
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
    clear: () => m.clear(),
  };
}

describe("migration from localStorage (older web builds)", () => {
  it("moves base64 photos into the photo store and other keys into IndexedDB, then clears them", async () => {
    const photo = bytes(5000, 11);
    const ls = fakeLocalStorage({
      [`dermadetect:uploads:photo:${"d".repeat(64)}`]: bytesToBase64(photo),
      "dermadetect:uploads:queue": '[{"sha256":"d"}]',
      "dermadetect:device:id": "dev-1",
      "another-app:key": "untouched",
    });
    const kv = idbKeyValueStore(durableIdbStore(`kv-${++dbCount}`, "kv"));
    const photos = memoryPhotoStore();
    await kv.setItem("device:id", "dev-newer");
    expect(await migrateLocalStorage(ls, kv, photos)).toEqual({ photos: 1, keys: 1 });
    expect(await photos.get("d".repeat(64))).toEqual(photo);
    expect(await kv.getItem("uploads:queue")).toBe('[{"sha256":"d"}]');
    // A key IndexedDB already holds is newer than the leftover: not overwritten.
    expect(await kv.getItem("device:id")).toBe("dev-newer");
    expect(ls.length).toBe(1);
    expect(ls.getItem("another-app:key")).toBe("untouched");
    // Running again (next start) moves nothing.
    expect(await migrateLocalStorage(ls, kv, photos)).toEqual({ photos: 0, keys: 0 });
  });

  it("keeps a photo in localStorage when the photo store refuses it", async () => {
    const key = `dermadetect:uploads:photo:${"e".repeat(64)}`;
    const ls = fakeLocalStorage({ [key]: bytesToBase64(bytes(5000)) });
    const kv = memoryStore();
    await expect(migrateLocalStorage(ls, kv, memoryPhotoStore(new Map(), 100))).rejects.toThrow();
    expect(ls.getItem(key)).not.toBeNull();
  });
});
