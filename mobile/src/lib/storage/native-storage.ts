import AsyncStorage from "@react-native-async-storage/async-storage";
import type { KeyValueStore } from "./key-value-store";

/** The key-value store over AsyncStorage (on device; files under the app's data directory). */
export function asyncStorageStore(): KeyValueStore {
  return {
    getItem: (k) => AsyncStorage.getItem(k),
    setItem: (k, v) => AsyncStorage.setItem(k, v),
    removeItem: (k) => AsyncStorage.removeItem(k),
  };
}
