import { createServer } from "node:http";
import type { Server } from "node:http";
import { PORTS, PROJECT_ID } from "./stack";

/**
 * A stand-in for Cloud Scheduler. The functions emulator registers an `onSchedule` function as a
 * Pub/Sub trigger on `firebase-schedule-{name}` but never publishes to it, so scheduled
 * functions would not run locally. This publishes to those topics on each schedule, and
 * `POST /run/{name}` runs one at once (like `gcloud scheduler jobs run`), for tests.
 */

/** Scheduled functions and their local period. */
export const LOCAL_SCHEDULES: ReadonlyArray<{ name: string; everyMs: number }> = [
  { name: "sweepAnalysisJobs", everyMs: 60_000 },
];

/** Publishes one tick to a scheduled function's topic; false while the emulator is not ready. */
export async function runScheduledFunction(name: string): Promise<boolean> {
  const url =
    `http://127.0.0.1:${PORTS.pubsub}/v1/projects/${PROJECT_ID}` +
    `/topics/firebase-schedule-${name}:publish`;
  try {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ data: Buffer.from("{}").toString("base64") }] }),
    });
    return res.ok;
  } catch {
    return false;
  }
}

/** Starts the ticker and its trigger route on 127.0.0.1:`port`. */
export async function startLocalScheduler(port: number): Promise<() => Promise<void>> {
  const timers = LOCAL_SCHEDULES.map((s) =>
    setInterval(() => void runScheduledFunction(s.name), s.everyMs),
  );
  const server: Server = createServer((req, res) => {
    const m = /^\/run\/([A-Za-z0-9_-]+)$/.exec(req.url ?? "");
    if (req.method !== "POST" || !m || !LOCAL_SCHEDULES.some((s) => s.name === m[1])) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "not found" }));
      return;
    }
    void runScheduledFunction(m[1]!).then((ok) => {
      res.writeHead(ok ? 200 : 503, { "content-type": "application/json" });
      res.end(JSON.stringify({ published: ok }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return async () => {
    for (const t of timers) clearInterval(t);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
}
