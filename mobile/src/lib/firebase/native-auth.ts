import {
  getAuth,
  getIdTokenResult,
  onAuthStateChanged,
  signInWithEmailAndPassword,
  signOut,
} from "@react-native-firebase/auth";
import type { User } from "@react-native-firebase/auth";
import { signInFailure } from "./auth-port";
import type { AuthPort, AuthUser } from "./auth-port";

async function toUser(u: User): Promise<AuthUser> {
  const token = await getIdTokenResult(u);
  const role = token.claims.role;
  const authTime = Math.floor(Date.parse(token.authTime) / 1000);
  return {
    uid: u.uid,
    email: u.email,
    role: typeof role === "string" ? role : undefined,
    ...(Number.isFinite(authTime) && { authTime }),
  };
}

/** The auth port over `@react-native-firebase/auth` (on device; not exercised here). */
export function createNativeAuthPort(): AuthPort {
  const auth = getAuth();
  return {
    onUserChanged: (cb) =>
      onAuthStateChanged(auth, (u) => {
        if (!u) return cb(null);
        void toUser(u).then(cb, () => cb(null));
      }),
    signIn: async (email, password) => {
      try {
        const cred = await signInWithEmailAndPassword(auth, email, password);
        const user = await toUser(cred.user);
        if (user.role !== "chw") {
          await signOut(auth);
          return { kind: "not-chw" };
        }
        return { kind: "ok", user };
      } catch (e) {
        return signInFailure((e as { code?: string }).code);
      }
    },
    signOut: () => signOut(auth),
    idToken: async () => auth.currentUser?.getIdToken(),
  };
}
