import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { deleteApp, initializeApp } from "firebase-admin/app";
import type { App } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import {
  LOCAL_TOKEN_PARAM,
  LocalImageStore,
  verifyLocalGrant,
} from "../../functions/src/adapters/local-image-store";
import type { LocalGrant } from "../../functions/src/adapters/local-image-store";
import { handleObjectFinalized } from "../../functions/src/triggers/verify-image";
import type { LocalService } from "./services";
import { PORTS, PROJECT_ID, ROOT } from "./stack";

/** Port of the local image store (docs/decisions/2026-11-data-layout.md). */
export const IMAGE_STORE_PORT = 8092;

/** Reads `KEY=value` from functions/.env.local: the functions emulator reads the same file. */
export function readEnvLocal(name: string, file = join(ROOT, "functions", ".env.local")): string {
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/.exec(line);
    if (m?.[1] === name && m[2] !== undefined) return m[2];
  }
  throw new Error(`${name} is not set in functions/.env.local`);
}

interface StoredObject {
  bytes: Buffer;
  contentType: string;
}

/** Tells why a request was refused, GCS-style: an error code and a status. */
class StoreError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
  ) {
    super(code);
  }
}

/** Reads the body; past `max` bytes it keeps draining (so the client sees the answer) and fails. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
    });
    req.on("end", () =>
      size > max ? reject(new StoreError(400, "EntityTooLarge")) : resolve(Buffer.concat(chunks)),
    );
    req.on("error", reject);
  });
}

/** Consumes whatever is left of the request body before an error answer is sent. */
function drain(req: IncomingMessage): Promise<void> {
  if (req.complete || req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    req.on("end", resolve);
    req.on("error", () => resolve());
    req.resume();
  });
}

/** Options of the local image store; tests pass their own port, secret and verifier. */
export interface LocalImageStoreOptions {
  port?: number;
  secret?: string;
  /** Called after each accepted upload; defaults to the `verifyImage` handler on the emulators. */
  onFinalized?: (obj: { name: string; size: number }) => Promise<unknown>;
  /** Where verification failures are reported. */
  report?: (line: string) => void;
}

/**
 * The local stand-in for Cloud Storage (docs/design.md §7): objects in memory, signed expiring
 * tokens instead of V4 signatures, the same bound headers (Content-Type,
 * x-goog-content-length-range, x-goog-if-generation-match: 0), and after each upload the same
 * verification handler that `verifyImage` runs on `onObjectFinalized` in production (retried
 * on failure, as the trigger is). Objects are lost when the stack stops, as is emulator data.
 */
export function createLocalImageStore(opts: LocalImageStoreOptions = {}) {
  const port = opts.port ?? IMAGE_STORE_PORT;
  let boundPort = port;
  const secret = opts.secret ?? readEnvLocal("LOCAL_IMAGE_STORE_SECRET");
  const report = opts.report ?? ((line: string) => process.stderr.write(`image-store: ${line}\n`));
  const objects = new Map<string, StoredObject>();
  const pending = new Set<Promise<void>>();
  let app: App | undefined;

  function defaultFinalized(obj: { name: string; size: number }): Promise<unknown> {
    // The launcher's child processes got their environment already; these only point this
    // process's Admin SDK at the emulators.
    process.env.FIRESTORE_EMULATOR_HOST ??= `127.0.0.1:${PORTS.firestore}`;
    process.env.METADATA_SERVER_DETECTION ??= "none";
    app ??= initializeApp({ projectId: PROJECT_ID }, "local-image-store");
    const db = getFirestore(app);
    const store = new LocalImageStore(`http://127.0.0.1:${boundPort}`, secret);
    return handleObjectFinalized(obj, { db, store, now: () => Date.now() });
  }
  const onFinalized = opts.onFinalized ?? defaultFinalized;

  function finalize(name: string, size: number): void {
    const run = (async () => {
      for (let attempt = 1; attempt <= 5; attempt++) {
        try {
          await onFinalized({ name, size });
          return;
        } catch (e) {
          report(
            `verification attempt ${attempt} failed (${e instanceof Error ? e.name : "error"})`,
          );
          await new Promise((r) => setTimeout(r, 200 * 2 ** attempt));
        }
      }
    })();
    pending.add(run);
    void run.finally(() => pending.delete(run));
  }

  async function authorise(req: IncomingMessage, url: URL, key: string): Promise<LocalGrant> {
    const token = url.searchParams.get(LOCAL_TOKEN_PARAM);
    if (!token) throw new StoreError(403, "MissingSecurityHeader");
    let grant: LocalGrant;
    try {
      grant = await verifyLocalGrant(secret, token);
    } catch {
      throw new StoreError(403, "SignatureDoesNotMatch");
    }
    if (grant.key !== key || grant.method !== req.method) {
      throw new StoreError(403, "SignatureDoesNotMatch");
    }
    return grant;
  }

  async function put(req: IncomingMessage, key: string, grant: LocalGrant): Promise<number> {
    const range = req.headers["x-goog-content-length-range"];
    if (req.headers["content-type"] !== grant.content_type || range !== grant.length_range) {
      throw new StoreError(403, "SignatureDoesNotMatch");
    }
    if (req.headers["x-goog-if-generation-match"] !== "0") {
      throw new StoreError(403, "SignatureDoesNotMatch");
    }
    const [min, max] = (grant.length_range ?? "0,0").split(",").map(Number) as [number, number];
    if (objects.has(key)) throw new StoreError(412, "PreconditionFailed");
    const bytes = await readBody(req, max);
    if (bytes.length < min) throw new StoreError(400, "EntityTooSmall");
    if (objects.has(key)) throw new StoreError(412, "PreconditionFailed");
    objects.set(key, { bytes, contentType: grant.content_type ?? "application/octet-stream" });
    finalize(key, bytes.length);
    return 200;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const m = /^\/o\/([^/]+)$/.exec(url.pathname);
    if (!m?.[1]) throw new StoreError(404, "NoSuchKey");
    const key = decodeURIComponent(m[1]);
    const grant = await authorise(req, url, key);
    if (req.method === "PUT") {
      res.writeHead(await put(req, key, grant)).end();
      return;
    }
    if (req.method === "GET") {
      const obj = objects.get(key);
      if (!obj) throw new StoreError(404, "NoSuchKey");
      res.writeHead(200, { "content-type": obj.contentType, "content-length": obj.bytes.length });
      res.end(obj.bytes);
      return;
    }
    if (req.method === "DELETE") {
      res.writeHead(objects.delete(key) ? 204 : 404).end();
      return;
    }
    throw new StoreError(405, "MethodNotAllowed");
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(async (e: unknown) => {
      const err = e instanceof StoreError ? e : new StoreError(500, "InternalError");
      await drain(req);
      if (!res.headersSent) {
        res.writeHead(err.status, { "content-type": "application/json", connection: "close" });
        res.end(JSON.stringify({ error: { code: err.code } }));
      }
    });
  });

  const service: LocalService = {
    name: "image-store",
    port,
    start: () =>
      new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, "127.0.0.1", () => {
          boundPort = (server.address() as AddressInfo).port;
          resolve(async () => {
            await Promise.allSettled([...pending]);
            server.closeAllConnections();
            await new Promise<void>((r) => server.close(() => r()));
            if (app) await deleteApp(app);
          });
        });
      }),
  };
  return {
    service,
    /** Base URL once started (port 0 picks a free port). */
    baseUrl: () => `http://127.0.0.1:${boundPort}`,
    /** Stored objects (tests inspect them). */
    objects,
    /** Resolves when every verification started so far has finished. */
    idle: async () => {
      await Promise.allSettled([...pending]);
    },
  };
}
