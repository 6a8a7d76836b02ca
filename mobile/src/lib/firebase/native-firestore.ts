import {
  collection as collectionRef,
  disableNetwork,
  doc,
  enableNetwork,
  getDocFromServer,
  getDocsFromServer,
  getFirestore,
  onSnapshot,
  query,
  setDoc,
  where,
} from "@react-native-firebase/firestore";
import type { DocumentSnapshot } from "@react-native-firebase/firestore";
import { toPlain } from "./firestore-port";
import type { DocData, FirestorePort, PortDoc } from "./firestore-port";

type Snap = DocumentSnapshot;

function toPortDoc(s: Snap): PortDoc {
  return {
    id: s.id,
    data: toPlain(s.data() ?? {}) as DocData,
    hasPendingWrites: s.metadata.hasPendingWrites,
  };
}

/**
 * The Firestore port over `@react-native-firebase/firestore`: the native SDKs keep pending
 * writes and the cache on disk, so queued batches survive the app being killed (the JS SDK on
 * React Native silently falls back to memory). Not exercised here: no device or simulator.
 */
export function createNativeFirestorePort(): FirestorePort {
  const db = getFirestore();
  return {
    create: (collection, id, data) => setDoc(doc(db, collection, id), data),
    watchWhere: (collection, field, value, onNext, onError) =>
      onSnapshot(
        query(collectionRef(db, collection), where(field, "==", value)),
        { includeMetadataChanges: true },
        (s) => onNext({ docs: s.docs.map(toPortDoc), fromCache: s.metadata.fromCache }),
        onError,
      ),
    watchDoc: (collection, id, onNext, onError) =>
      onSnapshot(
        doc(db, collection, id),
        { includeMetadataChanges: true },
        (s) => onNext(s.exists() ? toPortDoc(s) : undefined, s.metadata.fromCache),
        onError,
      ),
    readWhereFromServer: async (collection, field, value) => {
      const s = await getDocsFromServer(
        query(collectionRef(db, collection), where(field, "==", value)),
      );
      return s.docs.map(toPortDoc);
    },
    readDocFromServer: async (collection, id) => {
      const s = await getDocFromServer(doc(db, collection, id));
      return s.exists() ? toPortDoc(s) : undefined;
    },
    setNetworkEnabled: (enabled) => (enabled ? enableNetwork(db) : disableNetwork(db)),
  };
}
