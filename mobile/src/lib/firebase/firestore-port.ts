/**
 * The narrow Firestore port the data layer is written against. Two adapters implement it: the
 * native SDK (`@react-native-firebase/firestore`, on device, with native offline persistence)
 * and the Firebase JS SDK (browser build and Node tests against the emulators). Values arrive
 * as plain JSON: Firestore Timestamps become epoch milliseconds in the adapter.
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
