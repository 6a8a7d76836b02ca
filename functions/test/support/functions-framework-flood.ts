import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/*
 * Runs the `api` function under the real Functions Framework (its own `main.js`, the code
 * Cloud Run's nodejs22 runtime starts) in a child process, floods it with large unauthenticated
 * bodies and samples the child's resident memory from /proc. The emulator is not used: it
 * installs its own 32 MB body parser and would measure the wrong host. Linux only (/proc).
 */

const FUNCTIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const REPO_DIR = join(FUNCTIONS_DIR, "..");
const MiB = 1024 * 1024;

export interface FloodOptions {
  /** Concurrent requests, all in flight at once. */
  requests: number;
  /** Body bytes of each request. */
  bodyBytes: number;
  /** Send a Content-Length header (false: chunked transfer, the length is unknown up front). */
  declareLength: boolean;
  /**
   * What the body holds: one long string (cheap to parse), or as many empty arrays as fit
   * (`{"pad":[[],[],…]}`, the most objects per byte at nesting depth 2: the worst case for
   * memory after JSON.parse).
   */
  shape?: "string" | "arrays";
  /** Extra environment for the child (e.g. MAX_BODY_BYTES). */
  env?: Record<string, string>;
  /** Extra node flags for the child (e.g. --max-old-space-size=...). */
  nodeFlags?: string[];
  /** The Origin header of each flood request (a web app on another origin). */
  origin?: string;
}

export interface FloodResult {
  /** Resident set size of the Framework's process, in MiB. */
  rssBeforeMiB: number;
  rssPeakMiB: number;
  rssAfterMiB: number;
  /** Status of every flood request (0 = the connection failed without an answer). */
  statuses: number[];
  /** Error code of each answered flood request's JSON body, when it had one. */
  codes: Array<string | undefined>;
  /** Access-Control-Allow-Origin of each answer, when it had one. */
  allowOrigins: Array<string | undefined>;
  /** Status of the health request sent while every flood request was in flight. */
  healthDuringFlood: number;
  /** The child was still running at the end. */
  alive: boolean;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** VmRSS of a process, in MiB (0 when it is gone). */
export function rssMiB(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

function get(port: number, path: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "GET", timeout: timeoutMs });
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
    req.end();
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitUntilServing(port: number, child: ChildProcess, stderr: () => string) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Functions Framework exited: ${stderr()}`);
    if ((await get(port, "/v1/health", 2_000)) === 200) return;
    await sleep(250);
  }
  throw new Error(`Functions Framework did not answer /v1/health: ${stderr()}`);
}

interface Answer {
  status: number;
  code?: string;
  allowOrigin?: string;
}

/**
 * One large POST to a sync route without a token. Writes the body in 1 MiB slices of one
 * shared buffer (the client holds 1 MiB, not the body), and settles with the status and
 * error code of the answer, or 0 when the connection failed before any answer arrived.
 */
function flood(
  port: number,
  opts: FloodOptions,
  slice: Buffer,
): { sent: Promise<void>; answer: Promise<Answer> } {
  let markSent: () => void = () => undefined;
  const sent = new Promise<void>((r) => (markSent = r));
  const answer = new Promise<Answer>((resolve) => {
    // A JSON document of about bodyBytes bytes: `{"pad":"xxxx…"}` or `{"pad":[[],…,[]]}`.
    const arrays = opts.shape === "arrays";
    const head = Buffer.from(arrays ? '{"pad":[' : '{"pad":"');
    const tail = Buffer.from(arrays ? "[]]}" : '"}');
    let remaining = opts.bodyBytes - head.length - tail.length;
    if (arrays) remaining -= remaining % 3;
    const headers: Record<string, string | number> = { "content-type": "application/json" };
    if (opts.declareLength) headers["content-length"] = head.length + remaining + tail.length;
    if (opts.origin !== undefined) headers.origin = opts.origin;
    const req = request({
      host: "127.0.0.1",
      port,
      path: "/v1/sync/push",
      method: "POST",
      headers,
    });
    let settled = false;
    const done = (v: Answer) => {
      if (settled) return;
      settled = true;
      markSent();
      resolve(v);
    };
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        let code: string | undefined;
        try {
          code = (
            JSON.parse(Buffer.concat(chunks).toString("utf8")) as { error?: { code?: string } }
          ).error?.code;
        } catch {
          code = undefined;
        }
        const allowOrigin = res.headers["access-control-allow-origin"];
        done({ status: res.statusCode ?? 0, code, allowOrigin });
        // The server may answer before the body is sent; what is left to send does not matter.
        req.destroy();
      });
    });
    req.on("error", () => done({ status: 0 }));
    req.write(head);
    const pump = () => {
      while (remaining > 0) {
        const n = Math.min(remaining, slice.length);
        remaining -= n;
        if (!req.write(n === slice.length ? slice : slice.subarray(0, n))) {
          req.once("drain", pump);
          return;
        }
      }
      req.end(tail);
      markSent();
    };
    pump();
  });
  return { sent, answer };
}

/**
 * Starts the Framework on `api`, measures RSS, sends `requests` concurrent bodies of
 * `bodyBytes`, asks /v1/health while they are all in flight, then measures again.
 */
export async function floodApi(opts: FloodOptions): Promise<FloodResult> {
  const port = await freePort();
  const require = createRequire(import.meta.url);
  // The package's `bin` (what `functions-framework` runs); its exports map hides main.js.
  const main = join(dirname(require.resolve("@google-cloud/functions-framework")), "main.js");
  const child = spawn(
    process.execPath,
    [
      ...(opts.nodeFlags ?? []),
      "--import",
      "tsx",
      main,
      "--target=api",
      `--source=${join(FUNCTIONS_DIR, "src", "triggers", "api.ts")}`,
      `--port=${port}`,
    ],
    {
      cwd: REPO_DIR,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: process.env.HOME ?? "",
        NODE_ENV: "production",
        GCLOUD_PROJECT: "demo-dermadetect",
        FUNCTION_SIGNATURE_TYPE: "http",
        // Set by Cloud Run's Functions runtime (and the emulator) to the entry point.
        FUNCTION_TARGET: "api",
        // terraform's default (var.max_body_bytes); params have no default outside the CLI.
        MAX_BODY_BYTES: "2000000",
        ...opts.env,
      },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => {
    stderr = (stderr + c.toString("utf8")).slice(-4000);
  });
  const pid = child.pid!;
  try {
    await waitUntilServing(port, child, () => stderr);
    await sleep(500);
    const rssBeforeMiB = rssMiB(pid);
    let rssPeakMiB = rssBeforeMiB;
    const sampler = setInterval(() => {
      rssPeakMiB = Math.max(rssPeakMiB, rssMiB(pid));
    }, 20);

    // 1 MiB of filler, a whole number of `[],` units for the arrays shape.
    const slice =
      opts.shape === "arrays" ? Buffer.alloc(3 * 349_525, "[],") : Buffer.alloc(MiB, "x");
    const floods = Array.from({ length: opts.requests }, () => flood(port, opts, slice));
    // Health is asked once every flood request has started sending, so it competes with all.
    await sleep(200);
    const healthDuringFlood = await get(port, "/v1/health", 120_000);
    const answers = await Promise.all(floods.map((f) => f.answer));
    await Promise.all(floods.map((f) => f.sent));
    await sleep(1_000);
    clearInterval(sampler);
    rssPeakMiB = Math.max(rssPeakMiB, rssMiB(pid));
    const rssAfterMiB = rssMiB(pid);
    return {
      rssBeforeMiB,
      rssPeakMiB,
      rssAfterMiB,
      statuses: answers.map((a) => a.status),
      codes: answers.map((a) => a.code),
      allowOrigins: answers.map((a) => a.allowOrigin),
      healthDuringFlood,
      alive: child.exitCode === null && rssAfterMiB > 0,
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise<void>((r) => {
      if (child.exitCode !== null) r();
      else child.once("exit", () => r());
      setTimeout(r, 5_000).unref();
    });
  }
}

export { MiB };
