import { createServer } from "node:http";
import type { Server } from "node:http";
import { PORTS, PROJECT_ID, REGION } from "./stack";

/**
 * A stand-in for Cloud Scheduler. The functions emulator never runs `onSchedule` functions by
 * itself (it subscribes them to `firebase-schedule-{name}`, then refuses to deliver to their
 * HTTP signature), so scheduled functions would not run locally. This calls each one over HTTP
 * on its schedule, as Cloud Scheduler does in production; `POST /run/{name}` runs one at once
 * (like `gcloud scheduler jobs run`).
 */

/** Scheduled functions and their local period. */
export const LOCAL_SCHEDULES: ReadonlyArray<{ name: string; everyMs: number }> = [
  { name: "sweepAnalysisJobs", everyMs: 60_000 },
  { name: "sweepOverdueCases", everyMs: 60_000 },
  { name: "sweepSyncBatches", everyMs: 60_000 },
];

const FUNCTIONS = `http://127.0.0.1:${PORTS.functions}/functions/projects/${PROJECT_ID}/triggers`;

/**
 * The emulator keys a scheduled function's trigger `{region}-{name}-{generation}`, and the
 * generation grows whenever triggers reload; an unknown key answers 404 with the valid keys.
 */
async function triggerKey(name: string): Promise<string | undefined> {
  const res = await fetch(`${FUNCTIONS}/${REGION}-${name}`, { method: "POST" });
  const text = await res.text();
  const keys = [...text.matchAll(new RegExp(`${REGION}-${name}-(\\d+)`, "g"))];
  keys.sort((a, b) => Number(b[1]) - Number(a[1]));
  return keys[0]?.[0];
}

/** Runs a scheduled function once; false while the emulator is not ready (or triggers are off). */
export async function runScheduledFunction(name: string): Promise<boolean> {
  try {
    const key = await triggerKey(name);
    if (!key) return false;
    const res = await fetch(`${FUNCTIONS}/${key}`, {
      method: "POST",
      headers: {
        "x-cloudscheduler": "true",
        "x-cloudscheduler-jobname": `local-${name}`,
        "x-cloudscheduler-scheduletime": new Date().toISOString(),
      },
    });
    await res.arrayBuffer();
    return res.status === 200;
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
