/*
 * The Auth port and its one implementation, `createAuthPort`, over either platform SDK: the
 * native `@react-native-firebase/auth` (bound in `native-auth.ts`) or the Firebase JS SDK
 * (bound in `web-auth.ts`, which the web entry gives an Auth instance persisted in IndexedDB).
 * Both export the same modular functions, so the platform difference is only which are passed.
 */

/** A signed-in user as the app needs it. */
export interface AuthUser {
  uid: string;
  email: string | null;
  role: string | undefined;
  /** The session's sign-in time (ID token `auth_time`, epoch seconds), stamped on sync batches. */
  authTime?: number;
}

/** Outcome of a sign-in attempt; the screen switches on `kind`. */
export type SignInResult =
  | { kind: "ok"; user: AuthUser }
  | { kind: "offline"; temporary: true }
  | { kind: "rejected" }
  | { kind: "not-chw" };

/** What the app needs from Firebase Auth (native SDK on device, JS SDK on the web). */
export interface AuthPort {
  /** Calls back with the current user (or null) now and on every change. */
  onUserChanged(cb: (user: AuthUser | null) => void): () => void;
  signIn(email: string, password: string): Promise<SignInResult>;
  signOut(): Promise<void>;
  /** A fresh ID token for the API, or undefined when signed out. */
  idToken(): Promise<string | undefined>;
}

/** Maps an SDK error code to a sign-in result. */
export function signInFailure(code: string | undefined): SignInResult {
  return code === "auth/network-request-failed"
    ? { kind: "offline", temporary: true }
    : { kind: "rejected" };
}

/** The part of an SDK user the port reads. */
interface SdkUser {
  uid: string;
  email: string | null;
}

/** The part of an SDK Auth instance the port reads. */
interface SdkAuth {
  currentUser: { getIdToken(): Promise<string> } | null;
}

/**
 * The modular functions the port needs, as both Auth SDKs export them. Declared as methods so
 * each SDK's own typed functions fit (method parameters are compared bivariantly).
 */
export interface AuthSdk {
  getIdTokenResult(user: SdkUser): Promise<{ claims: Record<string, unknown>; authTime: string }>;
  onAuthStateChanged(auth: SdkAuth, next: (user: SdkUser | null) => void): () => void;
  signInWithEmailAndPassword(
    auth: SdkAuth,
    email: string,
    password: string,
  ): Promise<{ user: SdkUser }>;
  signOut(auth: SdkAuth): Promise<void>;
}

/** The auth port over one platform SDK's functions and its Auth instance. */
export function createAuthPort(sdk: AuthSdk, auth: SdkAuth): AuthPort {
  async function toUser(u: SdkUser): Promise<AuthUser> {
    const token = await sdk.getIdTokenResult(u);
    const role = token.claims.role;
    const authTime = Math.floor(Date.parse(token.authTime) / 1000);
    return {
      uid: u.uid,
      email: u.email,
      role: typeof role === "string" ? role : undefined,
      ...(Number.isFinite(authTime) && { authTime }),
    };
  }
  return {
    onUserChanged: (cb) =>
      sdk.onAuthStateChanged(auth, (u) => {
        if (!u) return cb(null);
        void toUser(u).then(cb, () => cb(null));
      }),
    signIn: async (email, password) => {
      try {
        const cred = await sdk.signInWithEmailAndPassword(auth, email, password);
        const user = await toUser(cred.user);
        if (user.role !== "chw") {
          await sdk.signOut(auth);
          return { kind: "not-chw" };
        }
        return { kind: "ok", user };
      } catch (e) {
        return signInFailure((e as { code?: string }).code);
      }
    },
    signOut: () => sdk.signOut(auth),
    idToken: async () => auth.currentUser?.getIdToken(),
  };
}
