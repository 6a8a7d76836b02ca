import { createWebFirestorePort } from "@/lib/firebase/web-firestore";
import type { FirestorePort } from "@/lib/firebase/firestore-port";
import { memoryStore } from "@/lib/storage/key-value-store";
import type { KeyValueStore } from "@/lib/storage/key-value-store";
import { memoryPhotoStore } from "@/lib/storage/photo-store";
import { newId } from "@/lib/ids";
import { UploadQueue } from "@/features/photos/upload-queue";
import { SyncEngine } from "@/features/sync/sync-engine";
import { signedInClient } from "./emulator";
import type { Client } from "./emulator";

/** Who signs in: a user from `createUser`. */
export interface TestAccount {
  uid: string;
  email: string;
  password: string;
}

export interface EngineOptions {
  /**
   * The device's store. Given, the engine and its upload queue share it, so a second engine on
   * it reads back what the first kept (a restart); otherwise each gets a fresh memory store.
   */
  kv?: KeyValueStore;
  /** Default: a fresh `device-…` id per engine. */
  deviceId?: string;
  /** Default: 300 ms, short enough for the tests to see a re-pull. */
  repullDelayMs?: number;
  /** First delay before a listener the SDK ended is attached again (default: the engine's). */
  listenerRetryMs?: number;
  /** Wraps the real port (e.g. to record what the SDK delivers and in which order). */
  wrap?: (port: FirestorePort) => FirestorePort;
}

/**
 * Sync engines on the emulators, each over its own JS SDK client behind the app's Firestore
 * port, as the web build runs. Call `stopAll` after each test: it stops every engine and closes
 * every client this harness made, so tests share nothing.
 */
export class EngineHarness {
  private readonly clients: Client[] = [];
  private readonly engines: SyncEngine[] = [];

  /** A client signed in as `user`, closed by `stopAll`. */
  async signIn(user: TestAccount): Promise<Client> {
    const client = await signedInClient(user.email, user.password);
    this.clients.push(client);
    return client;
  }

  /** A started engine for the CHW `user`, with the port it writes through. */
  async engineFor(
    user: TestAccount,
    {
      kv,
      deviceId,
      repullDelayMs = 300,
      listenerRetryMs,
      wrap = (port) => port,
    }: EngineOptions = {},
  ): Promise<{ engine: SyncEngine; firestore: FirestorePort }> {
    const client = await this.signIn(user);
    const firestore = wrap(createWebFirestorePort(client.db));
    const uploads = new UploadQueue({
      kv: kv ?? memoryStore(),
      photos: memoryPhotoStore(),
      // Photos are covered by the upload-queue tests; these engines' records carry none.
      requestUpload: () => Promise.resolve({ kind: "offline", temporary: true }),
      put: () => Promise.reject(new Error("unused")),
      now: Date.now,
    });
    const engine = new SyncEngine(
      { chwId: user.uid, deviceId: deviceId ?? `device-${newId().slice(0, 8)}` },
      {
        firestore,
        kv: kv ?? memoryStore(),
        uploads,
        now: Date.now,
        newId,
        repullDelayMs,
        listenerRetryMs,
      },
    );
    // Tracked before it starts, so a start that fails is still stopped.
    this.engines.push(engine);
    await engine.start();
    return { engine, firestore };
  }

  async stopAll(): Promise<void> {
    for (const e of this.engines.splice(0)) e.stop();
    await Promise.all(this.clients.splice(0).map((c) => c.close()));
  }
}
