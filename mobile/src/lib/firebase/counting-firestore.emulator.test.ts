import { createWebFirestorePort } from "@/lib/firebase/web-firestore";
import { adminDb, closeAdmin, createUser, signedInClient } from "@/test-support/emulator";
import type { Client } from "@/test-support/emulator";
import { newId } from "@/lib/ids";
import { countingFirestorePort } from "./counting-firestore";
import type { PortSnapshot } from "./firestore-port";

/*
 * The counting decorator against the Firestore emulator through the JS SDK: it counts what the
 * benchmarks price (docs/cost.md) and changes nothing it passes through.
 */

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});
afterAll(closeAdmin);

function nextDelivery(
  port: ReturnType<typeof countingFirestorePort>["port"],
  uid: string,
  predicate: (s: PortSnapshot) => boolean,
): { done: Promise<PortSnapshot>; stop: () => void } {
  let stop = () => undefined as void;
  const done = new Promise<PortSnapshot>((resolve, reject) => {
    stop = port.watchWhere(
      "patients",
      "chw_id",
      uid,
      (s) => {
        if (predicate(s)) resolve(s);
      },
      reject,
    );
  });
  return { done, stop };
}

describe("counting Firestore port", () => {
  it("counts a listener's document only when the server's contents change, and every server read", async () => {
    const user = await createUser("chw");
    const client = await signedInClient(user.email, user.password);
    clients.push(client);
    const counting = countingFirestorePort(createWebFirestorePort(client.db));
    const id = newId();
    const doc = adminDb().doc(`patients/${id}`);
    await doc.set({ id, chw_id: user.uid, demographics: { name: "A" }, server_seq: 1 });

    const first = nextDelivery(counting.port, user.uid, (s) => !s.fromCache && s.docs.length === 1);
    const snap = await first.done;
    // Passed through untouched.
    expect(snap.docs[0]?.data).toEqual({
      id,
      chw_id: user.uid,
      demographics: { name: "A" },
      server_seq: 1,
    });
    expect(counting.tally().patients?.listenerDocs).toBe(1);

    // The same contents written again: a delivery may come, but nothing new is billed.
    await doc.set({ id, chw_id: user.uid, demographics: { name: "A" }, server_seq: 1 });
    await doc.set({ id, chw_id: user.uid, demographics: { name: "B" }, server_seq: 2 });
    await new Promise<void>((resolve, reject) => {
      const stop = counting.port.watchWhere(
        "patients",
        "chw_id",
        user.uid,
        (s) => {
          if (s.docs[0]?.data.server_seq === 2) {
            stop();
            resolve();
          }
        },
        reject,
      );
    });
    first.stop();
    // Listener 1 saw A then B (2); listener 2 saw B once (1).
    expect(counting.tally().patients?.listenerDocs).toBe(3);

    // A server read of an empty result is billed one read; a found document one each.
    counting.reset();
    expect(await counting.port.readWhereFromServer("cases", "chw_id", user.uid)).toEqual([]);
    expect(await counting.port.readWhereFromServer("patients", "chw_id", user.uid)).toHaveLength(1);
    expect(counting.tally().cases?.serverReads).toBe(1);
    expect(counting.tally().patients?.serverReads).toBe(1);
    expect(counting.tally().patients?.listenerDocs).toBe(0);
  });
});
