import type { FirestorePort, PortDoc } from "./firestore-port";

/*
 * A counting decorator over the Firestore port, for the benchmarks' cost figures
 * (docs/cost.md): what the data layer asks of Firestore, counted where the app calls it, per
 * collection. It changes nothing it passes through. A listener is billed one read per document
 * added to or changed in its result set (not per delivery: metadata-only deliveries and local
 * echoes cost nothing), so `listenerDocs` counts a document each time a delivery carries it
 * with server-confirmed contents different from what that listener last delivered. Server
 * reads count every document returned, and at least one per query (an empty answer is billed
 * one read).
 */

/** Counts for one collection. */
export interface PortCounts {
  /** Listener deliveries (snapshots), including cache and metadata-only ones. */
  deliveries: number;
  /** Documents added or changed in a listener's result set (what Firestore bills). */
  listenerDocs: number;
  /** JSON bytes of those documents' data (what the listener carried, before wire framing). */
  listenerJsonBytes: number;
  /** Documents read by server reads (at least one per query). */
  serverReads: number;
  /** Documents created through the port. */
  writes: number;
}

/** The counts so far, by collection. */
export type PortTally = Record<string, PortCounts>;

const zero = (): PortCounts => ({
  deliveries: 0,
  listenerDocs: 0,
  listenerJsonBytes: 0,
  serverReads: 0,
  writes: 0,
});

/** Sums every collection's counts. */
export function totalOf(tally: PortTally): PortCounts {
  const out = zero();
  for (const c of Object.values(tally)) {
    out.deliveries += c.deliveries;
    out.listenerDocs += c.listenerDocs;
    out.listenerJsonBytes += c.listenerJsonBytes;
    out.serverReads += c.serverReads;
    out.writes += c.writes;
  }
  return out;
}

/** Wraps `port`; `tally()` answers the counts so far and `reset()` starts again. */
export function countingFirestorePort(port: FirestorePort): {
  port: FirestorePort;
  tally(): PortTally;
  reset(): void;
} {
  let counts: PortTally = {};
  const of = (collection: string) => (counts[collection] ??= zero());

  /** Per listener: the contents it last delivered, by document id. */
  const changes = () => {
    const seen = new Map<string, string>();
    return (collection: string, docs: readonly PortDoc[]) => {
      const c = of(collection);
      c.deliveries++;
      for (const d of docs) {
        // A pending local write is the device's own echo: not billed, and not yet the server's.
        if (d.hasPendingWrites) continue;
        const body = JSON.stringify(d.data);
        if (seen.get(d.id) === body) continue;
        seen.set(d.id, body);
        c.listenerDocs++;
        c.listenerJsonBytes += new TextEncoder().encode(body).length;
      }
    };
  };

  const counted: FirestorePort = {
    create: (collection, id, data) => {
      of(collection).writes++;
      return port.create(collection, id, data);
    },
    watchWhere: (collection, field, value, onNext, onError) => {
      const note = changes();
      return port.watchWhere(
        collection,
        field,
        value,
        (s) => {
          note(collection, s.docs);
          onNext(s);
        },
        onError,
      );
    },
    watchDoc: (collection, id, onNext, onError) => {
      const note = changes();
      return port.watchDoc(
        collection,
        id,
        (d, fromCache) => {
          note(collection, d ? [d] : []);
          onNext(d, fromCache);
        },
        onError,
      );
    },
    readWhereFromServer: async (collection, field, value) => {
      const docs = await port.readWhereFromServer(collection, field, value);
      of(collection).serverReads += Math.max(1, docs.length);
      return docs;
    },
    readDocFromServer: async (collection, id) => {
      const doc = await port.readDocFromServer(collection, id);
      of(collection).serverReads++;
      return doc;
    },
    setNetworkEnabled: (enabled) => port.setNetworkEnabled(enabled),
  };
  return {
    port: counted,
    tally: () => structuredClone(counts),
    reset: () => {
      counts = {};
    },
  };
}
