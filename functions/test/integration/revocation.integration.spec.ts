import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { deleteApp } from "firebase/app";
import { getAuth as getWebAuth, getIdTokenResult } from "firebase/auth";
import {
  collection,
  doc,
  getDoc,
  getDocs,
  query,
  setLogLevel,
  terminate,
  where,
} from "firebase/firestore";
import { getAuth as getAdminAuth } from "firebase-admin/auth";
import { emulatorAdminApp } from "../../../infra/src/seed";
import { runUsersCommand } from "../../../infra/src/users";
import { call } from "./access-helpers";
import {
  adminDb,
  createUser,
  device,
  patient,
  processed as batchProcessed,
  signIn,
  writeBatch,
} from "./sync-helpers";
import type { TestUser } from "./sync-helpers";

/** A cold functions worker on a loaded machine takes longer than the helpers' default. */
const processed = (batchId: string) => batchProcessed(batchId, 90_000);

// Disabled means disabled, revoked means revoked (issue 17, finding 6), on every way in: the
// API, the syncBatches trigger and direct Firestore access under the deployed rules. Tokens are
// real Auth emulator tokens; revocation is the Admin SDK's revokeRefreshTokens, which is what
// `npm run users -- disable` and `set-role` call.

const adminAuth = () => getAdminAuth(emulatorAdminApp());
/** tokensValidAfterTime and auth_time have one-second resolution. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1100));

async function withUsersDoc(user: TestUser): Promise<TestUser> {
  await adminDb()
    .doc(`users/${user.uid}`)
    .set({ role: "chw", display_name: user.uid, email: user.email, disabled: false });
  return user;
}

describe("revoked sessions and disabled accounts (Auth, functions and Firestore emulators)", () => {
  before(() => setLogLevel("silent"));

  it("the API refuses a token whose session was revoked (no disable), 401 with a code", async () => {
    const chw = await withUsersDoc(await createUser("chw", "revoked"));
    await nextSecond();
    await adminAuth().revokeRefreshTokens(chw.uid);
    // The token is unexpired and its signature, audience and claims are all still good.
    const res = await call("GET", "/v1/sync/pull?last_pulled_at=0", { token: chw.token });
    expect(res.status, res.text).to.equal(401);
    expect((res.body.error as { code?: string } | undefined)?.code).to.equal("SYNC_2001");
    // A fresh sign-in is a new session: accepted.
    const again = await call("GET", "/v1/sync/pull?last_pulled_at=0", {
      token: await signIn(chw.email, chw.password),
    });
    expect(again.status, again.text).to.equal(200);
  });

  it("the API refuses the token of an account disabled in Auth only (no users document)", async () => {
    const chw = await createUser("chw", "authoff");
    await adminAuth().updateUser(chw.uid, { disabled: true });
    const res = await call("GET", "/v1/sync/pull?last_pulled_at=0", { token: chw.token });
    expect(res.status, res.text).to.equal(403);
  });

  it("applySync refuses a batch stamped with a revoked session's auth_time, keeping its changes", async () => {
    const chw = await withUsersDoc(await createUser("chw", "stamp"));
    const dev = await device(chw);
    try {
      const token = await getIdTokenResult(getWebAuth(dev.app).currentUser!);
      const authTime = Math.floor(Date.parse(token.authTime) / 1000);
      await nextSecond();
      await adminAuth().revokeRefreshTokens(chw.uid);
      // The device still holds its unexpired token, so the rules accept the write.
      const batchId = randomUUID();
      const p = patient();
      await writeBatch(
        dev,
        chw,
        batchId,
        { patients: [p] },
        { pending: true, auth_time: authTime },
      );
      const done = await processed(batchId);
      expect(done.status).to.equal("rejected");
      expect(done.error!.code).to.equal("SYNC_2001");
      const stored = (await adminDb().doc(`syncBatches/${batchId}`).get()).data() as {
        changes: { patients: { id: string }[] };
      };
      expect(stored.changes.patients[0]!.id, "the changes stay for a resend or export").to.equal(
        p.id,
      );
      expect(stored).to.not.have.property("pending");
      expect(
        (
          await adminDb()
            .doc(`patients/${String(p.id)}`)
            .get()
        ).exists,
      ).to.equal(false);
    } finally {
      await terminate(dev.db);
      await deleteApp(dev.app);
    }
  });

  it("applySync refuses an unstamped batch (older app) written within a token lifetime of a revocation", async () => {
    const chw = await withUsersDoc(await createUser("chw", "oldapp"));
    await nextSecond();
    await adminAuth().revokeRefreshTokens(chw.uid);
    const batchId = randomUUID();
    await adminDb()
      .doc(`syncBatches/${batchId}`)
      .set({ chw_id: chw.uid, device_id: "old-phone", changes: { patients: [patient()] } });
    const done = await processed(batchId);
    expect(done.status).to.equal("rejected");
    expect(done.error!.code).to.equal("SYNC_2001");
  });

  it("applySync applies a batch stamped by a session that signed in after the revocation", async () => {
    const chw = await withUsersDoc(await createUser("chw", "fresh"));
    await nextSecond();
    await adminAuth().revokeRefreshTokens(chw.uid);
    await nextSecond();
    const dev = await device(chw); // signs in again: a new session
    try {
      const token = await getIdTokenResult(getWebAuth(dev.app).currentUser!);
      const batchId = randomUUID();
      await writeBatch(
        dev,
        chw,
        batchId,
        { patients: [patient()] },
        { pending: true, auth_time: Math.floor(Date.parse(token.authTime) / 1000) },
      );
      const done = await processed(batchId);
      expect(done.status).to.equal("applied");
    } finally {
      await terminate(dev.db);
      await deleteApp(dev.app);
    }
  });

  it("after `users disable`, the device's unexpired token reads and writes nothing directly", async () => {
    const chw = await withUsersDoc(await createUser("chw", "rules"));
    const dev = await device(chw);
    try {
      const own = query(collection(dev.db, "patients"), where("chw_id", "==", chw.uid));
      await getDocs(own); // allowed while enabled
      await runUsersCommand(["disable", chw.uid], {
        auth: adminAuth(),
        db: adminDb(),
        out: () => undefined,
      });
      const denied = async (p: Promise<unknown>) => {
        try {
          await p;
          return "allowed";
        } catch (e) {
          return (e as { code?: string }).code;
        }
      };
      expect(await denied(getDocs(own))).to.equal("permission-denied");
      expect(await denied(getDoc(doc(dev.db, "syncScopes", chw.uid)))).to.equal(
        "permission-denied",
      );
      expect(await denied(writeBatch(dev, chw, randomUUID(), { patients: [patient()] }))).to.equal(
        "permission-denied",
      );
      // Its own account document stays readable, so the app can say why.
      expect((await getDoc(doc(dev.db, "users", chw.uid))).get("disabled")).to.equal(true);
    } finally {
      await terminate(dev.db);
      await deleteApp(dev.app);
    }
  });
});
