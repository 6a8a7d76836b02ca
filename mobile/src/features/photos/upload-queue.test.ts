import type { ApiResult, UploadGrant } from "@/lib/api/api-client";
import { memoryStore } from "@/lib/storage/key-value-store";
import { UploadQueue, backoffMs } from "./upload-queue";

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

describe("UploadQueue", () => {
  it("survives a restart and resumes; RED photos go first", async () => {
    const disk = new Map<string, string>();
    const net = { online: false, calls: [] as string[] };
    const before = queueOver(disk, net);
    await before.load();
    await before.enqueue(
      { caseId: "green-case", sha256: "a".repeat(64), contentType: "image/jpeg", risk: "GREEN" },
      new Uint8Array(10),
    );
    await before.enqueue(
      { caseId: "red-case", sha256: "b".repeat(64), contentType: "image/jpeg", risk: "RED" },
      new Uint8Array(20),
    );
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
    const disk = new Map<string, string>();
    const net = { online: true, calls: [] as string[] };
    const q = queueOver(disk, net);
    await q.load();
    await q.enqueue(
      { caseId: "c", sha256: "c".repeat(64), contentType: "image/jpeg", risk: "YELLOW" },
      new Uint8Array(5),
    );
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
    await q.enqueue(
      { caseId: "c", sha256: "d".repeat(64), contentType: "image/jpeg", risk: "RED" },
      new Uint8Array(3),
    );
    await q.drain();
    expect(scheduled.map((s) => s.ms)).toEqual([2000]);
    net.online = true;
    now += 2000;
    scheduled[0]?.fn();
    await q.drain();
    expect(q.list()[0]?.state).toBe("uploaded");
  });

  it("backs off between failed attempts, capped at five minutes", () => {
    expect([1, 2, 3].map(backoffMs)).toEqual([2000, 4000, 8000]);
    expect(backoffMs(20)).toBe(300_000);
  });
});
