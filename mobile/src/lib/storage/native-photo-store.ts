import { Dirs, FileSystem } from "react-native-file-access";
import { base64ToBytes, bytesToBase64 } from "@/lib/bytes/base64";
import { PhotoStoreError, asStoreError } from "./photo-store";
import type { DeviceStorage, PhotoStore } from "./photo-store";

/** The file-system calls the native photo store uses (react-native-file-access's FileSystem). */
export type PhotoFiles = Pick<
  typeof FileSystem,
  "writeFile" | "readFile" | "exists" | "unlink" | "mkdir" | "ls" | "stat" | "df"
>;

/**
 * Photo bytes as files in the app's own document directory (device build): not AsyncStorage,
 * whose SQLite rows are meant for small values, and not the cache directory, which the OS may
 * clear. A write whose file size does not match afterwards is reported as failed; a partial
 * file left behind is overwritten by the next attempt (names are content hashes).
 */
export function filePhotoStore(
  fs: PhotoFiles = FileSystem,
  dir = `${Dirs.DocumentDir}/photos`,
): PhotoStore {
  const path = (sha: string) => `${dir}/${sha}`;
  let ready: Promise<void> | undefined;
  const ensureDir = () =>
    (ready ??= fs.exists(dir).then(async (have) => {
      if (!have) await fs.mkdir(dir);
    }));
  return {
    put: (sha, bytes) =>
      asStoreError("photo write", async () => {
        await ensureDir();
        await fs.writeFile(path(sha), bytesToBase64(bytes), "base64");
        const st = await fs.stat(path(sha));
        if (st.size !== bytes.length)
          throw new PhotoStoreError("STORAGE_FAILED", "photo file size does not match");
      }),
    get: async (sha) => {
      if (!(await fs.exists(path(sha)))) return undefined;
      return base64ToBytes(await fs.readFile(path(sha), "base64"));
    },
    delete: async (sha) => {
      if (await fs.exists(path(sha))) await fs.unlink(path(sha));
    },
    list: async () => {
      await ensureDir();
      return fs.ls(dir);
    },
  };
}

/** Free and total space of the device's internal storage. */
export function deviceStorage(fs: Pick<PhotoFiles, "df"> = FileSystem): DeviceStorage {
  return {
    estimate: async () => {
      const d = await fs.df();
      return { usedBytes: d.internal_total - d.internal_free, freeBytes: d.internal_free };
    },
    // App-private files are not evicted on Android or iOS: nothing to ask for.
    requestPersistence: () => Promise.resolve(true),
  };
}
