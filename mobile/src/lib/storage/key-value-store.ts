/**
 * Small persisted key-value storage (AsyncStorage on device, localStorage in the browser, a
 * Map or a file in Node tests). Used for the upload queue, photo bytes, sync history and the
 * device id: what must survive a restart but is not a Firestore document.
 */
export interface KeyValueStore {
  getItem(key: string): Promise<string | null>;
  setItem(key: string, value: string): Promise<void>;
  removeItem(key: string): Promise<void>;
}

/** An in-memory store (component tests; also the "disk" a test keeps across simulated restarts). */
export function memoryStore(backing: Map<string, string> = new Map()): KeyValueStore {
  return {
    getItem: (k) => Promise.resolve(backing.get(k) ?? null),
    setItem: (k, v) => {
      backing.set(k, v);
      return Promise.resolve();
    },
    removeItem: (k) => {
      backing.delete(k);
      return Promise.resolve();
    },
  };
}

/** Reads a JSON value, or `fallback` when absent or unreadable. */
export async function readJson<T>(kv: KeyValueStore, key: string, fallback: T): Promise<T> {
  const raw = await kv.getItem(key);
  if (raw == null) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}

/** Writes a JSON value. */
export function writeJson(kv: KeyValueStore, key: string, value: unknown): Promise<void> {
  return kv.setItem(key, JSON.stringify(value));
}
