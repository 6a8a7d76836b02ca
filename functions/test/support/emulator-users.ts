import { getAuth } from "firebase-admin/auth";
import { getFirestore } from "firebase-admin/firestore";
import type { Role } from "@dermadetect/contract";
import { emulatorAdminApp } from "../../../infra/src/seed";
import { PORTS } from "../../../infra/src/stack";

/** A signed-in emulator account: its uid and a real Auth-emulator ID token carrying the role. */
export interface EmulatorUser {
  uid: string;
  role: Role;
  token: string;
}

/**
 * Creates (or resets) an account in the Auth emulator with a role claim and a `users/{uid}`
 * document, then signs it in through the emulator's REST API, as the app would.
 */
export async function emulatorUser(uid: string, role: Role): Promise<EmulatorUser> {
  const app = emulatorAdminApp();
  const auth = getAuth(app);
  try {
    await auth.getUser(uid);
  } catch {
    await auth.createUser({ uid, displayName: `${role} ${uid}` });
  }
  await auth.setCustomUserClaims(uid, { role });
  await getFirestore(app)
    .doc(`users/${uid}`)
    .set({
      role,
      display_name: `${role} ${uid}`,
      email: `${uid}@demo.dermadetect.test`,
      disabled: false,
    });
  const custom = await auth.createCustomToken(uid);
  const res = await fetch(
    `http://127.0.0.1:${PORTS.auth}/identitytoolkit.googleapis.com/v1/accounts:signInWithCustomToken?key=demo-key`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: custom, returnSecureToken: true }),
    },
  );
  if (!res.ok) throw new Error(`Auth emulator sign-in failed with HTTP ${res.status}`);
  const body = (await res.json()) as { idToken?: string };
  if (!body.idToken) throw new Error("Auth emulator sign-in returned no idToken");
  return { uid, role, token: body.idToken };
}

/** `n` CHW accounts `${prefix}-0 … ${prefix}-(n-1)`, created a few at a time. */
export async function emulatorChws(prefix: string, n: number): Promise<EmulatorUser[]> {
  const users: EmulatorUser[] = [];
  for (let i = 0; i < n; i += 10) {
    const chunk = Array.from({ length: Math.min(10, n - i) }, (_, j) =>
      emulatorUser(`${prefix}-${i + j}`, "chw"),
    );
    users.push(...(await Promise.all(chunk)));
  }
  return users;
}
