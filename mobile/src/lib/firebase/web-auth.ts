import {
  getIdTokenResult,
  onAuthStateChanged,
  signInWithEmailAndPassword,
  signOut,
} from "firebase/auth";
import type { Auth } from "firebase/auth";
import { createAuthPort } from "./auth-port";
import type { AuthPort } from "./auth-port";

/**
 * The auth port over the Firebase JS SDK (web build, Node tests). The caller builds `auth`
 * (the web entry: IndexedDB persistence, no popup/redirect resolver). Named imports, not the
 * module namespace, so the web bundle keeps only what the port uses.
 */
export function createWebAuthPort(auth: Auth): AuthPort {
  return createAuthPort(
    { getIdTokenResult, onAuthStateChanged, signInWithEmailAndPassword, signOut },
    auth,
  );
}
