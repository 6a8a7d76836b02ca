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
