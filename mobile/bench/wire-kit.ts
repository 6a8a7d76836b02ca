/**
 * Shared by the wire and CHW-day benchmarks: a byte-counting TCP proxy in front of the
 * Firestore emulator, a signed-in JS SDK client, the app's modules loaded under their `@/`
 * alias, and an outbox write that survives the functions emulator dropping an event.
 */
import { randomUUID } from "node:crypto";
import { connect, createServer } from "node:net";
import type { Server, Socket } from "node:net";
import { join } from "node:path";
import { deleteApp, initializeApp } from "firebase/app";
import { connectAuthEmulator, getAuth, signInWithEmailAndPassword } from "firebase/auth";
import {
  connectFirestoreEmulator,
  doc,
  initializeFirestore,
  memoryLocalCache,
  setDoc,
  terminate,
} from "firebase/firestore";
import type { Firestore } from "firebase/firestore";
import { adminDb } from "../../functions/test/integration/sync-helpers";
import type { TestUser } from "../../functions/test/integration/sync-helpers";
import { PORTS, PROJECT_ID } from "../../infra/src/stack";
// Types only: the modules themselves are required after the alias is installed (loadApp).
import type * as Engine from "../src/features/sync/sync-engine";
import type * as Queue from "../src/features/photos/upload-queue";
import type * as Kv from "../src/lib/storage/key-value-store";
import type * as Photos from "../src/lib/storage/photo-store";
import type * as Web from "../src/lib/firebase/web-firestore";
import type * as Counting from "../src/lib/firebase/counting-firestore";

/** The app's modules use the `@/` alias (mobile/tsconfig.json); map it for this process. */
export function aliasMobileSources(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Module = require("node:module") as {
    _resolveFilename: (req: string, ...rest: unknown[]) => string;
  };
  const src = join(__dirname, "..", "src");
  const original = Module._resolveFilename;
  if ((original as { aliased?: boolean }).aliased) return;
  const patched = function (this: unknown, req: string, ...rest: unknown[]) {
    return original.call(this, req.startsWith("@/") ? join(src, req.slice(2)) : req, ...rest);
  };
  Object.assign(patched, { aliased: true });
  Module._resolveFilename = patched;
}

/** A TCP proxy to the Firestore emulator that counts the bytes each way. */
export async function byteProxy(targetPort: number) {
  let down = 0;
  let up = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.on("data", (b: Buffer) => (up += b.length));
    upstream.on("data", (b: Buffer) => (down += b.length));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no port");
  return {
    port: address.port,
    bytes: () => ({ down, up }),
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A signed-in JS SDK client whose Firestore traffic goes to `port`. */
export async function client(
  user: TestUser,
  port: number,
): Promise<{ db: Firestore; close(): Promise<void> }> {
  const app = initializeApp(
    { projectId: PROJECT_ID, apiKey: "demo-key", appId: "demo" },
    `wire-${randomUUID()}`,
  );
  const auth = getAuth(app);
  connectAuthEmulator(auth, `http://127.0.0.1:${PORTS.auth}`, { disableWarnings: true });
  const db = initializeFirestore(app, { localCache: memoryLocalCache() });
  connectFirestoreEmulator(db, "127.0.0.1", port);
  await signInWithEmailAndPassword(auth, user.email, user.password);
  return {
    db,
    close: async () => {
      await terminate(db);
      await deleteApp(app);
    },
  };
}

export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs: number,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Writes one outbox batch as the CHW's device does and waits until applySync processed it.
 * On a loaded machine the functions emulator can take minutes to deliver the event (it runs
 * the case writes' updatePatientReview invocations first), so the wait is long; an emulator
 * worker that fails to start drops the event, which FUNCTIONS_DISCOVERY_TIMEOUT (firebase-tools)
 * prevents when the machine is slow.
 */
export async function writeAndApply(
  db: Firestore,
  id: string,
  batch: Record<string, unknown>,
): Promise<void> {
  await setDoc(doc(db, "syncBatches", id), batch);
  const admin = adminDb();
  await until(
    async () => Boolean((await admin.doc(`syncBatches/${id}`).get()).get("status")),
    `batch ${id} processed`,
    600_000,
  );
}

/** The app's data-layer modules (CommonJS under tsx, loaded after the alias is in place). */
export function loadApp() {
  aliasMobileSources();
  /* eslint-disable @typescript-eslint/no-require-imports */
  const engine = require("../src/features/sync/sync-engine") as typeof Engine;
  const queue = require("../src/features/photos/upload-queue") as typeof Queue;
  const kv = require("../src/lib/storage/key-value-store") as typeof Kv;
  const photos = require("../src/lib/storage/photo-store") as typeof Photos;
  const web = require("../src/lib/firebase/web-firestore") as typeof Web;
  const counting = require("../src/lib/firebase/counting-firestore") as typeof Counting;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return {
    SyncEngine: engine.SyncEngine,
    UploadQueue: queue.UploadQueue,
    memoryStore: kv.memoryStore,
    memoryPhotoStore: photos.memoryPhotoStore,
    createWebFirestorePort: web.createWebFirestorePort,
    countingFirestorePort: counting.countingFirestorePort,
    totalOf: counting.totalOf,
  };
}
