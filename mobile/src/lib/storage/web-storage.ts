import type { KeyValueStore } from "./key-value-store";

/** The key-value store over the browser's localStorage (web build). */
export function localStorageStore(prefix = "dermadetect:"): KeyValueStore {
  return {
    getItem: (k) => Promise.resolve(window.localStorage.getItem(prefix + k)),
    setItem: (k, v) => Promise.resolve(window.localStorage.setItem(prefix + k, v)),
    removeItem: (k) => Promise.resolve(window.localStorage.removeItem(prefix + k)),
  };
}
