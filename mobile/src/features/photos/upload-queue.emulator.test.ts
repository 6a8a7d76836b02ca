import { ApiClient } from "@/lib/api/api-client";
import { memoryStore } from "@/lib/storage/key-value-store";
import { memoryPhotoStore } from "@/lib/storage/photo-store";
import { newId } from "@/lib/ids";
import {
  API_BASE_URL,
  adminDb,
  closeAdmin,
  createUser,
  signedInClient,
} from "@/test-support/emulator";
import type { Client } from "@/test-support/emulator";
import { lesionPng } from "@/test-support/test-png";
import { sha256Hex } from "./photo";
import { UploadQueue, fetchPut } from "./upload-queue";

/** The photo store on the same simulated disk as `disk` (one per disk, kept across restarts). */
const photoDisks = new WeakMap<Map<string, string>, Map<string, Uint8Array>>();
function photosOn(disk: Map<string, string>) {
  let m = photoDisks.get(disk);
  if (!m) photoDisks.set(disk, (m = new Map<string, Uint8Array>()));
  return memoryPhotoStore(m);
}

/*
 * The photo queue against the real `POST /v1/cases/{id}/images` route and the local image store
 * (which verifies the bytes and marks the image on the case): photos queued while the API is
 * unreachable stay on the "disk" (a Map), and a new queue over the same disk (the app after a
 * restart) uploads them, RED first, until the server says verified.
 */

let client: Client | undefined;
afterAll(async () => {
  await client?.close();
  await closeAdmin();
});

it("resumes queued photos after a restart and drops local bytes once the server verified them", async () => {
  const chw = await createUser("chw");
  client = await signedInClient(chw.email, chw.password);
  const redCase = newId();
  const greenCase = newId();
  // The cases as the sync core stores them (the pipeline that creates them has its own tests).
  for (const [id, risk] of [
    [redCase, "RED"],
    [greenCase, "GREEN"],
  ] as const) {
    await adminDb()
      .doc(`cases/${id}`)
      .set({
        id,
        chw_id: chw.uid,
        patient_id: newId(),
        risk_level: risk,
        images: [],
        triage_data: { body_site: "arm", duration_days: 1, symptoms: [], danger_signs: [] },
        last_modified_at: Date.now(),
        status: "TRIAGED",
      });
  }
  const redPhoto = new Uint8Array(lesionPng(64, 48));
  const greenPhoto = new Uint8Array(lesionPng(80, 60));

  const disk = new Map<string, string>();
  const queueWith = (baseUrl: string) => {
    const api = new ApiClient({ baseUrl, idToken: () => client!.idToken() });
    return new UploadQueue({
      kv: memoryStore(disk),
      photos: photosOn(disk),
      requestUpload: (caseId, image) => api.requestImageUpload(caseId, image),
      put: fetchPut(),
      now: Date.now,
    });
  };

  // No route to the API (a closed port): both photos stay queued with the reason.
  const offline = queueWith("http://127.0.0.1:9/api");
  await offline.load();
  await offline.enqueue(
    { caseId: greenCase, sha256: sha256Hex(greenPhoto), contentType: "image/png", risk: "GREEN" },
    greenPhoto,
  );
  await offline.enqueue(
    { caseId: redCase, sha256: sha256Hex(redPhoto), contentType: "image/png", risk: "RED" },
    redPhoto,
  );
  await offline.drain();
  expect(offline.list().map((e) => [e.caseId, e.state, e.lastError])).toEqual([
    [redCase, "failed", "OFFLINE"],
    [greenCase, "waiting", undefined],
  ]);

  // Restart with the network back.
  const restarted = queueWith(API_BASE_URL);
  await restarted.load();
  await restarted.retryNow();
  await restarted.drain();
  expect(restarted.list().map((e) => e.state)).toEqual(["uploaded", "uploaded"]);

  // The image store verified both objects and marked them on the cases.
  const states = new Map<string, string>();
  for (let i = 0; i < 50 && states.size < 2; i++) {
    for (const id of [redCase, greenCase]) {
      const images = ((await adminDb().doc(`cases/${id}`).get()).data()?.images ?? []) as {
        sha256: string;
        state: string;
      }[];
      for (const img of images)
        // The RED case goes on to AI analysis, which moves its image to "analysed".
        if (img.state === "verified" || img.state === "analysed")
          states.set(`${id}/${img.sha256}`, img.state);
    }
    if (states.size < 2) await new Promise((r) => setTimeout(r, 200));
  }
  expect(states.size).toBe(2);
  await restarted.settle(states);
  expect(restarted.list()).toEqual([]);
  expect(await restarted.photoBytes(sha256Hex(redPhoto))).toBeUndefined();
});
