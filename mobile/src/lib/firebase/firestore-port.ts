/**
 * The narrow Firestore port the data layer is written against, and its one implementation,
 * `createFirestorePort`, over either platform SDK: the native SDK
 * (`@react-native-firebase/firestore`, on device, with native offline persistence; bound in
 * `native-firestore.ts`) or the Firebase JS SDK (browser build and Node tests against the
 * emulators; bound in `web-firestore.ts`). Both export the same modular functions, so the
 * platform difference is only which functions are passed in. Values arrive as plain JSON:
 * Firestore Timestamps become epoch milliseconds here.
 */

/** A document's fields as plain JSON. */
export type DocData = Record<string, unknown>;

/** One document as a listener or a server read returns it. */
export interface PortDoc {
  id: string;
  data: DocData;
  /** True while this document carries local writes the server has not acknowledged. */
  hasPendingWrites: boolean;
}

/** One listener delivery for a query. */
export interface PortSnapshot {
  docs: PortDoc[];
  /** True when the result may be stale: it comes from the local cache only. */
  fromCache: boolean;
}

/** Stops a listener. */
export type Unsubscribe = () => void;

/** What the data layer needs from Firestore, and nothing more. */
export interface FirestorePort {
  /**
   * Creates `collection/id`. The write lands in the local cache (and the SDK's persisted queue)
   * at once; the promise settles only when the server acknowledges it, which can be days
   * offline, so callers on the UI path never await it.
   */
  create(collection: string, id: string, data: DocData): Promise<void>;
  /** Listens to `collection` where `field == value`, pending local writes and metadata included. */
  watchWhere(
    collection: string,
    field: string,
    value: string,
    onNext: (s: PortSnapshot) => void,
    onError: (e: Error) => void,
  ): Unsubscribe;
  /** Listens to one document (undefined when it does not exist). */
  watchDoc(
    collection: string,
    id: string,
    onNext: (doc: PortDoc | undefined, fromCache: boolean) => void,
    onError: (e: Error) => void,
  ): Unsubscribe;
  /** Reads `collection` where `field == value` from the server (rejects when offline). */
  readWhereFromServer(collection: string, field: string, value: string): Promise<PortDoc[]>;
  /** Reads one document from the server (rejects when offline). */
  readDocFromServer(collection: string, id: string): Promise<PortDoc | undefined>;
  /** Turns the SDK's network use off (writes queue locally) or on again. */
  setNetworkEnabled(enabled: boolean): Promise<void>;
}

/** Converts SDK values (Timestamps, nested maps and arrays) into plain JSON with epoch ms. */
export function toPlain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(toPlain);
  const maybeTs = value as { toMillis?: unknown };
  if (typeof maybeTs.toMillis === "function") return (maybeTs.toMillis as () => number).call(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
  return out;
}

/*
 * The SDK values the port hands back to the SDK (database, references, queries, filters) are
 * opaque to it: `unknown`, with the functions declared as methods so that each SDK's own typed
 * functions fit (method parameters are compared bivariantly). Only snapshots are read.
 */
type SdkValue = unknown;

/** The part of a document snapshot the port reads; both SDKs' snapshots have it. */
interface SdkDocSnapshot {
  id: string;
  data(): DocData | undefined;
  exists(): boolean;
  metadata: { hasPendingWrites: boolean; fromCache: boolean };
}

/** The part of a query snapshot the port reads. */
interface SdkQuerySnapshot {
  docs: SdkDocSnapshot[];
  metadata: { fromCache: boolean };
}

/** The modular functions the port needs, as both Firestore SDKs export them. */
export interface FirestoreSdk {
  doc(db: SdkValue, collection: string, id: string): SdkValue;
  collection(db: SdkValue, path: string): SdkValue;
  where(field: string, op: "==", value: string): SdkValue;
  query(base: SdkValue, filter: SdkValue): SdkValue;
  setDoc(ref: SdkValue, data: DocData): Promise<void>;
  /** Of a query (S = SdkQuerySnapshot) or a document (S = SdkDocSnapshot), as the SDKs overload it. */
  onSnapshot<S extends SdkQuerySnapshot | SdkDocSnapshot>(
    target: SdkValue,
    options: { includeMetadataChanges: boolean },
    onNext: (s: S) => void,
    onError: (e: Error) => void,
  ): Unsubscribe;
  getDocsFromServer(query: SdkValue): Promise<SdkQuerySnapshot>;
  getDocFromServer(ref: SdkValue): Promise<SdkDocSnapshot>;
  enableNetwork(db: SdkValue): Promise<void>;
  disableNetwork(db: SdkValue): Promise<void>;
}

function toPortDoc(s: SdkDocSnapshot): PortDoc {
  return {
    id: s.id,
    data: toPlain(s.data() ?? {}) as DocData,
    hasPendingWrites: s.metadata.hasPendingWrites,
  };
}

/** The Firestore port over one platform SDK's functions and its database. */
export function createFirestorePort(sdk: FirestoreSdk, db: SdkValue): FirestorePort {
  const whereEquals = (collection: string, field: string, value: string): SdkValue =>
    sdk.query(sdk.collection(db, collection), sdk.where(field, "==", value));
  const withMetadata = { includeMetadataChanges: true };
  return {
    create: (collection, id, data) => sdk.setDoc(sdk.doc(db, collection, id), data),
    watchWhere: (collection, field, value, onNext, onError) =>
      sdk.onSnapshot<SdkQuerySnapshot>(
        whereEquals(collection, field, value),
        withMetadata,
        (s) =>
          onNext({ docs: s.docs.map(toPortDoc), fromCache: s.metadata.fromCache }),
        onError,
      ),
    watchDoc: (collection, id, onNext, onError) =>
      sdk.onSnapshot<SdkDocSnapshot>(
        sdk.doc(db, collection, id),
        withMetadata,
        (s) => onNext(s.exists() ? toPortDoc(s) : undefined, s.metadata.fromCache),
        onError,
      ),
    readWhereFromServer: async (collection, field, value) =>
      (await sdk.getDocsFromServer(whereEquals(collection, field, value))).docs.map(toPortDoc),
    readDocFromServer: async (collection, id) => {
      const s = await sdk.getDocFromServer(sdk.doc(db, collection, id));
      return s.exists() ? toPortDoc(s) : undefined;
    },
    setNetworkEnabled: (enabled) => (enabled ? sdk.enableNetwork(db) : sdk.disableNetwork(db)),
  };
}
