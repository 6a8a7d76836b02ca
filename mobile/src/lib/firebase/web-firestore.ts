import {
  disableNetwork,
  doc,
  enableNetwork,
  getDocFromServer,
  getDocsFromServer,
  onSnapshot,
  query,
  setDoc,
  where,
  collection as collectionRef,
} from "firebase/firestore";
import type { DocumentSnapshot, Firestore } from "firebase/firestore";
import { toPlain } from "./firestore-port";
import type { DocData, FirestorePort, PortDoc } from "./firestore-port";

function toPortDoc(s: DocumentSnapshot): PortDoc {
  return {
    id: s.id,
    data: toPlain(s.data() ?? {}) as DocData,
    hasPendingWrites: s.metadata.hasPendingWrites,
  };
}

/** The Firestore port over the Firebase JS SDK (browser build, Node tests on the emulators). */
export function createWebFirestorePort(db: Firestore): FirestorePort {
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
