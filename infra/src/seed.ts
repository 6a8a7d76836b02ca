import { getApps, initializeApp } from "firebase-admin/app";
import type { App } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import { DEMO_USERS } from "./demo-users";
import { PORTS, PROJECT_ID } from "./stack";

/** An Admin SDK app bound to the local emulators; refuses to run against anything else. */
export function emulatorAdminApp(): App {
  process.env.FIREBASE_AUTH_EMULATOR_HOST ??= `127.0.0.1:${PORTS.auth}`;
  process.env.FIRESTORE_EMULATOR_HOST ??= `127.0.0.1:${PORTS.firestore}`;
  process.env.PUBSUB_EMULATOR_HOST ??= `127.0.0.1:${PORTS.pubsub}`;
  return getApps()[0] ?? initializeApp({ projectId: PROJECT_ID });
}

/** Creates (or resets) the demo users with their role claims and `users/{uid}` documents. */
export async function seedDemoUsers(app: App = emulatorAdminApp()): Promise<void> {
  const auth = getAuth(app);
  const db = getFirestore(app);
  for (const u of DEMO_USERS) {
    const props = {
      email: u.email,
      password: u.password,
      displayName: u.displayName,
      emailVerified: true,
      disabled: false,
    };
    try {
      await auth.updateUser(u.uid, props);
    } catch {
      await auth.createUser({ uid: u.uid, ...props });
    }
    await auth.setCustomUserClaims(u.uid, { role: u.role });
    await db.doc(`users/${u.uid}`).set({
      role: u.role,
      display_name: u.displayName,
      email: u.email,
      disabled: false,
    });
  }
}
