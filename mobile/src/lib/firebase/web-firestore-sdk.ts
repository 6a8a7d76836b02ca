/*
 * The Firebase JS SDK functions the Firestore port uses (`FirestoreSdk`), and nothing else:
 * web-firestore.ts passes this module's namespace as the port's SDK, and named re-exports keep
 * the web bundle to these functions rather than the whole of firebase/firestore.
 */
export {
  collection,
  disableNetwork,
  doc,
  enableNetwork,
  getDocFromServer,
  getDocsFromServer,
  onSnapshot,
  query,
  setDoc,
  where,
} from "firebase/firestore";
