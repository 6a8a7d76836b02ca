/**
 * Photo bytes kept on the phone until the server has verified them: IndexedDB Blobs in the
 * browser (`web-photo-store.ts`), files in the app's own storage on the device
 * (`native-photo-store.ts`), a Map in tests. Not the key-value store: localStorage and
 * AsyncStorage hold a few megabytes of strings, and a photo that does not fit is a patient
 * nobody calls back.
 */

/** Why a photo could not be stored (a code: shown translated on the case, kept in history). */
export type PhotoStoreErrorCode = "STORAGE_FULL" | "STORAGE_FAILED";

/** A photo write (or read-back) that failed; `code` says whether space ran out. */
export class PhotoStoreError extends Error {
  constructor(
    readonly code: PhotoStoreErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "PhotoStoreError";
  }
}

/** Durable storage of photo bytes by sha256. */
export interface PhotoStore {
  /**
   * Stores the bytes under `sha256` and resolves only once they are durably stored and read back
   * at the right size; rejects with a PhotoStoreError otherwise (never resolves on a lost write).
   */
  put(sha256: string, bytes: Uint8Array, contentType: string): Promise<void>;
  /** The stored bytes, or undefined when there are none. */
  get(sha256: string): Promise<Uint8Array | undefined>;
  /** Removes the bytes (a missing photo is not an error). */
  delete(sha256: string): Promise<void>;
  /** Every stored sha256 (migration, storage accounting). */
  list(): Promise<string[]>;
}

/** Maps a platform error to a code: quota / disk-full errors are STORAGE_FULL. */
export function storageErrorCode(e: unknown): PhotoStoreErrorCode {
  const name = (e as { name?: unknown } | null)?.name;
  const raw = (e as { message?: unknown } | null)?.message;
  const message = typeof raw === "string" ? raw : "";
  if (name === "QuotaExceededError" || name === "NS_ERROR_DOM_QUOTA_REACHED") return "STORAGE_FULL";
  if (/ENOSPC|no space|quota|disk full|SQLITE_FULL/i.test(message)) return "STORAGE_FULL";
  return "STORAGE_FAILED";
}

/** Wraps any failure of `op` in a PhotoStoreError. */
export async function asStoreError<T>(what: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof PhotoStoreError) throw e;
    throw new PhotoStoreError(storageErrorCode(e), `${what} failed`);
  }
}

/**
 * A photo store in memory (component tests; also the "disk" a test keeps across simulated
 * restarts). `capacityBytes` makes it refuse like a full disk.
 */
export function memoryPhotoStore(
  backing: Map<string, Uint8Array> = new Map(),
  capacityBytes = Infinity,
): PhotoStore {
  const used = () => [...backing.values()].reduce((n, b) => n + b.length, 0);
  return {
    put: (sha, bytes) => {
      const already = backing.get(sha)?.length ?? 0;
      if (used() - already + bytes.length > capacityBytes)
        return Promise.reject(new PhotoStoreError("STORAGE_FULL", "photo store is full"));
      backing.set(sha, new Uint8Array(bytes));
      return Promise.resolve();
    },
    get: (sha) => Promise.resolve(backing.get(sha)),
    delete: (sha) => {
      backing.delete(sha);
      return Promise.resolve();
    },
    list: () => Promise.resolve([...backing.keys()]),
  };
}

/** Used and free bytes of the storage photos live in, as the platform reports them. */
export interface StorageEstimate {
  usedBytes: number;
  freeBytes: number;
}

/** The device's storage as the app needs it: how full it is, and asking it not to evict us. */
export interface DeviceStorage {
  /** Undefined when the platform cannot tell. */
  estimate(): Promise<StorageEstimate | undefined>;
  /** Asks the platform not to clear the app's data under pressure; undefined when it cannot. */
  requestPersistence(): Promise<boolean | undefined>;
}

/**
 * Kept free for what is not a photo (pending record writes, the Firestore cache): a photo that
 * would leave less than this is refused with "storage full" before anything is lost.
 */
export const STORAGE_RESERVE_BYTES = 2 * 1024 * 1024;
/** Below this much free space the app warns that storage is running low. */
export const STORAGE_LOW_BYTES = 10 * 1024 * 1024;

/** What the app tells the CHW about space for one more photo of `bytes`. */
export type StorageVerdict = "ok" | "low" | "full" | "unknown";

/** Decides whether one more photo of `bytes` fits, leaving the reserve. */
export function storageVerdict(e: StorageEstimate | undefined, bytes: number): StorageVerdict {
  if (!e) return "unknown";
  if (e.freeBytes - bytes < STORAGE_RESERVE_BYTES) return "full";
  if (e.freeBytes - bytes < STORAGE_LOW_BYTES) return "low";
  return "ok";
}
