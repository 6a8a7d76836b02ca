import { readFileSync } from "node:fs";
import path from "node:path";
import { ErrorCode } from "@dermadetect/contract";
import type { RiskLevel } from "@dermadetect/contract";
import type { ApiResult, UploadGrant } from "@/lib/api/api-client";
import { memoryStore } from "@/lib/storage/key-value-store";
import { memoryPhotoStore } from "@/lib/storage/photo-store";
import { IMAGE_ALREADY_VERIFIED, UploadQueue, backoffMs } from "./upload-queue";
import type { UploadState } from "./upload-queue";

/** The photo store on the same simulated disk as `disk` (one per disk, kept across restarts). */
const photoDisks = new WeakMap<Map<string, string>, Map<string, Uint8Array>>();
function photosOn(disk: Map<string, string>) {
  let m = photoDisks.get(disk);
  if (!m) photoDisks.set(disk, (m = new Map<string, Uint8Array>()));
  return memoryPhotoStore(m);
}

/*
 * Queue logic with scripted answers for the two network calls (the real route and image store
 * are exercised in upload-queue.emulator.test.ts). The Map is the phone's disk: a new
 * UploadQueue over the same Map is the app after a restart.
 */

const grant: UploadGrant = {
  upload_url: "http://store/o/x",
  method: "PUT",
  headers: {},
  expires_at: 0,
  image_key: "cases/c/x.jpg",
};

function queueOver(
  disk: Map<string, string>,
  net: { online: boolean; calls: string[] },
  now = () => 0,
) {
  return new UploadQueue({
    kv: memoryStore(disk),
    photos: photosOn(disk),
    requestUpload: (caseId): Promise<ApiResult<UploadGrant>> => {
      net.calls.push(`request:${caseId}`);
      return Promise.resolve(
        net.online ? { kind: "ok", value: grant } : { kind: "offline", temporary: true },
      );
    },
    put: (_g, body) => {
      net.calls.push(`put:${body.length}`);
      return net.online ? Promise.resolve(200) : Promise.reject(new Error("offline"));
    },
    now,
  });
}

/** A phone with an empty disk and the network as given, its queue loaded. */
async function newPhone(online: boolean) {
  const disk = new Map<string, string>();
  const net = { online, calls: [] as string[] };
  const q = queueOver(disk, net);
  await q.load();
  return { disk, net, q };
}

/** What enqueue is told about a JPEG photo of a case. */
function jpeg(caseId: string, sha256: string, risk: RiskLevel) {
  return { caseId, sha256, contentType: "image/jpeg" as const, risk };
}

describe("UploadQueue", () => {
  it("survives a restart and resumes; RED photos go first", async () => {
    const { disk, net, q: before } = await newPhone(false);
    await before.enqueue(jpeg("green-case", "a".repeat(64), "GREEN"), new Uint8Array(10));
    await before.enqueue(jpeg("red-case", "b".repeat(64), "RED"), new Uint8Array(20));
    await before.drain();
    expect(before.list().map((e) => e.state)).toEqual(["failed", "waiting"]);

    // The app is killed and restarted with the network back.
    net.online = true;
    net.calls = [];
    const after = queueOver(disk, net, () => 10 * 60_000);
    await after.load();
    expect(after.list().map((e) => e.caseId)).toEqual(["red-case", "green-case"]);
    await after.drain();
    expect(net.calls).toEqual(["request:red-case", "put:20", "request:green-case", "put:10"]);
    expect(after.list().map((e) => e.state)).toEqual(["uploaded", "uploaded"]);
    // Bytes stay on the phone until the server says verified.
    expect(await after.photoBytes("a".repeat(64))).toHaveLength(10);
    await after.settle(new Map([[`green-case/${"a".repeat(64)}`, "verified"]]));
    expect(await after.photoBytes("a".repeat(64))).toBeUndefined();
    expect(after.list().map((e) => e.caseId)).toEqual(["red-case"]);
  });

  it("an upload interrupted mid-way is retried after restart, not lost", async () => {
    const { disk, net, q } = await newPhone(true);
    await q.enqueue(jpeg("c", "c".repeat(64), "YELLOW"), new Uint8Array(5));
    // Simulate the process dying while the entry was marked uploading.
    const stored = JSON.parse(disk.get("uploads:queue") ?? "[]") as { state: string }[];
    disk.set("uploads:queue", JSON.stringify(stored.map((e) => ({ ...e, state: "uploading" }))));
    const restarted = queueOver(disk, net);
    await restarted.load();
    expect(restarted.list()[0]?.state).toBe("waiting");
    await restarted.drain();
    expect(restarted.list()[0]?.state).toBe("uploaded");
  });

  it("schedules its own retry when a backoff ends, with no other trigger", async () => {
    const net = { online: false, calls: [] as string[] };
    const scheduled: { fn: () => void; ms: number }[] = [];
    let now = 1000;
    const q = new UploadQueue({
      kv: memoryStore(),
      photos: memoryPhotoStore(),
      requestUpload: () =>
        Promise.resolve(
          net.online ? { kind: "ok", value: grant } : { kind: "offline", temporary: true },
        ),
      put: () => Promise.resolve(200),
      now: () => now,
      schedule: (fn, ms) => {
        scheduled.push({ fn, ms });
        return () => undefined;
      },
    });
    await q.load();
    await q.enqueue(jpeg("c", "d".repeat(64), "RED"), new Uint8Array(3));
    await q.drain();
    expect(scheduled.map((s) => s.ms)).toEqual([2000]);
    net.online = true;
    now += 2000;
    scheduled[0]?.fn();
    await q.drain();
    expect(q.list()[0]?.state).toBe("uploaded");
  });

  describe("when the server refuses the upload request", () => {
    const sha = "e".repeat(64);
    const other = "f".repeat(64);

    /** A queue whose upload request is answered `answer`; records calls, retries and states. */
    async function refusedWith(answer: ApiResult<UploadGrant>) {
      const disk = new Map<string, string>();
      const calls: string[] = [];
      const retries: number[] = [];
      const states: UploadState[] = [];
      const q = new UploadQueue({
        kv: memoryStore(disk),
        photos: photosOn(disk),
        requestUpload: (caseId) => {
          calls.push(`request:${caseId}`);
          return Promise.resolve(answer);
        },
        put: (_g, body) => {
          calls.push(`put:${body.length}`);
          return Promise.resolve(200);
        },
        now: () => 1000,
        schedule: (_fn, ms) => {
          retries.push(ms);
          return () => undefined;
        },
      });
      await q.load();
      q.subscribe(() => {
        const e = q.list().find((x) => x.caseId === "c1");
        if (e && states[states.length - 1] !== e.state) states.push(e.state);
      });
      await q.enqueue(jpeg("c1", sha, "RED"), new Uint8Array(7));
      // A second photo, of another case: drained after the RED one, answered the same way.
      await q.enqueue(jpeg("c2", other, "GREEN"), new Uint8Array(9));
      return { q, disk, calls, retries, states };
    }

    it("names the contract's IMAGE_ALREADY_VERIFIED code, which the server answers with 409", () => {
      expect(IMAGE_ALREADY_VERIFIED).toBe(ErrorCode.IMAGE_ALREADY_VERIFIED);
      const errors = readFileSync(
        path.join(__dirname, "..", "..", "..", "..", "functions", "src", "errors.ts"),
        "utf8",
      );
      expect(errors).toMatch(/\[ErrorCode\.IMAGE_ALREADY_VERIFIED\]: 409,/);
    });

    it("409 SYNC_4001 (already verified) settles the entry: no PUT, no retry, bytes dropped", async () => {
      const { q, disk, calls, retries, states } = await refusedWith({
        kind: "rejected",
        status: 409,
        code: IMAGE_ALREADY_VERIFIED,
      });
      const c1 = q.list()[0]!;
      await q.drain();
      // Both photos were asked for (the same scripted answer); neither was sent.
      expect(calls).toEqual(["request:c1", "request:c2"]);
      expect(q.list()).toEqual([]);
      expect(states).toEqual(["waiting", "uploading", "uploaded"]);
      expect(await q.photoBytes(c1.sha256)).toBeUndefined();
      expect(await q.photoBytes(other)).toBeUndefined();
      expect(retries).toEqual([]);
      // The settled state is what is on disk: a restart does not bring the entry back.
      const restarted = new UploadQueue({
        kv: memoryStore(disk),
        photos: photosOn(disk),
        requestUpload: () => Promise.reject(new Error("must not be called")),
        put: () => Promise.reject(new Error("must not be called")),
        now: () => 2000,
      });
      await restarted.load();
      await restarted.drain();
      expect(restarted.list()).toEqual([]);
    });

    it("keeps the bytes another case's entry still needs when one entry settles on SYNC_4001", async () => {
      const disk = new Map<string, string>();
      let verifiedOn = "c1";
      const q = new UploadQueue({
        kv: memoryStore(disk),
        photos: photosOn(disk),
        requestUpload: (caseId): Promise<ApiResult<UploadGrant>> =>
          Promise.resolve(
            caseId === verifiedOn
              ? { kind: "rejected", status: 409, code: IMAGE_ALREADY_VERIFIED }
              : { kind: "rejected", status: 404, code: "SYNC_3004" },
          ),
        put: () => Promise.resolve(200),
        now: () => 0,
      });
      await q.load();
      for (const caseId of ["c1", "c2"])
        await q.enqueue(jpeg(caseId, sha, "RED"), new Uint8Array(4));
      await q.drain();
      expect(q.list().map((e) => [e.caseId, e.state])).toEqual([["c2", "failed"]]);
      expect(await q.photoBytes(sha)).toHaveLength(4);
      verifiedOn = "c2";
      await q.retryNow();
      await q.drain();
      expect(q.list()).toEqual([]);
      expect(await q.photoBytes(sha)).toBeUndefined();
    });

    for (const [status, code] of [
      [409, "SYNC_4002"], // IMAGE_MISMATCH: another 409 stays a failure
      [409, "SYNC_4005"], // TOO_MANY_IMAGES
      [404, "SYNC_3004"], // the case has not reached the server yet
    ] as const) {
      it(`${status} ${code} stays a failure: backoff retry, bytes kept`, async () => {
        const { q, calls, retries } = await refusedWith({ kind: "rejected", status, code });
        await q.drain();
        expect(calls).toEqual(["request:c1", "request:c2"]);
        expect(
          q.list().map((e) => [e.caseId, e.state, e.attempts, e.lastError, e.nextAttemptAt]),
        ).toEqual([
          ["c1", "failed", 1, code, 1000 + backoffMs(1)],
          ["c2", "failed", 1, code, 1000 + backoffMs(1)],
        ]);
        expect(await q.photoBytes(sha)).toHaveLength(7);
        expect(retries).toEqual([backoffMs(1)]);
      });
    }
  });

  it("backs off between failed attempts, capped at five minutes", () => {
    expect([1, 2, 3].map(backoffMs)).toEqual([2000, 4000, 8000]);
    expect(backoffMs(20)).toBe(300_000);
  });
});
