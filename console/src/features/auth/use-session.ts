import { useEffect, useState } from "react";
import { onIdTokenChanged, signInWithEmailAndPassword, signOut } from "firebase/auth";
import type { Auth } from "firebase/auth";
import { isRole } from "@dermadetect/contract";

/** Who is at the console. Only `signed-in` may ever read patient data. */
export type Session =
  | { kind: "loading" }
  | { kind: "signed-out" }
  | { kind: "refused"; email: string }
  | {
      kind: "signed-in";
      uid: string;
      email: string;
      name: string;
      role: "doctor" | "admin";
    };

/** Follows the Firebase user and its `role` claim; a CHW or role-less account is refused. */
export function useSession(auth: Auth): Session {
  const [session, setSession] = useState<Session>({ kind: "loading" });
  useEffect(
    () =>
      onIdTokenChanged(auth, (user) => {
        if (!user) return setSession({ kind: "signed-out" });
        void user.getIdTokenResult().then((token) => {
          const role = token.claims.role;
          const email = user.email ?? "";
          if (!isRole(role) || role === "chw") return setSession({ kind: "refused", email });
          setSession({
            kind: "signed-in",
            uid: user.uid,
            email,
            name: user.displayName ?? email,
            role,
          });
        });
      }),
    [auth],
  );
  return session;
}

/** Result of a sign-in attempt. */
export type SignInResult = { kind: "ok" } | { kind: "rejected" } | { kind: "offline" };

/** Signs in with email and password. */
export async function signIn(auth: Auth, email: string, password: string): Promise<SignInResult> {
  try {
    await signInWithEmailAndPassword(auth, email, password);
    return { kind: "ok" };
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    return code === "auth/network-request-failed" ? { kind: "offline" } : { kind: "rejected" };
  }
}

/** Signs out. */
export function signOutOf(auth: Auth): Promise<void> {
  return signOut(auth);
}
