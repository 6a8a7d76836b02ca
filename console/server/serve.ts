import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, request } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ConsoleConfig } from "../src/lib/config";

/*
 * Serves the console build for the local stack: the static files of console/dist,
 * /config.json, and two same-origin proxies, because the `api` function answers without CORS
 * headers and the local image store is on another port: /api/* → the functions emulator,
 * /image-store/* → the local image store (photo URLs are rewritten to it, so a referral PDF can
 * draw them). Security headers as on Firebase Hosting: no framing, no referrer (signed URLs).
 *   node --import tsx console/server/serve.ts   # after `npm run build -w console` and `npm start`
 */

/** Where the stack runs. */
export interface ConsoleServerOptions {
  port: number;
  distDir: string;
  apiTarget: string;
  imageStoreTarget: string;
  config: Omit<ConsoleConfig, "apiBaseUrl" | "photoRewrite">;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".css": "text/css",
  ".png": "image/png",
  ".svg": "image/svg+xml",
};

const HEADERS = {
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

function proxy(req: IncomingMessage, res: ServerResponse, target: string, path: string): void {
  const url = new URL(path, target.endsWith("/") ? target : `${target}/`);
  const upstream = request(
    url,
    { method: req.method, headers: { ...req.headers, host: url.host } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end(
      JSON.stringify({ error: { code: "UPSTREAM_UNAVAILABLE", message: "Upstream unavailable" } }),
    );
  });
  req.pipe(upstream);
}

/** Starts the server; resolves with its URL and a stop function. */
export function startConsoleServer(
  o: ConsoleServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const root = resolve(o.distDir);
  const server: Server = createServer((req, res) => {
    const raw = req.url ?? "/";
    const path = raw.split("?")[0] ?? "/";
    const query = raw.includes("?") ? raw.slice(raw.indexOf("?")) : "";
    if (path.startsWith("/api/")) return proxy(req, res, o.apiTarget, path.slice(5) + query);
    if (path.startsWith("/image-store/"))
      return proxy(req, res, o.imageStoreTarget, path.slice(13) + query);
    if (path === "/config.json") {
      const config: ConsoleConfig = {
        ...o.config,
        apiBaseUrl: "/api",
        photoRewrite: { from: o.imageStoreTarget, to: "/image-store" },
      };
      res.writeHead(200, {
        ...HEADERS,
        "content-type": "application/json",
        "cache-control": "no-store",
      });
      return res.end(JSON.stringify(config));
    }
    const file = normalize(join(root, path === "/" ? "index.html" : path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, HEADERS);
      return res.end();
    }
    res.writeHead(200, {
      ...HEADERS,
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolveStart, reject) => {
    server.once("error", reject);
    server.listen(o.port, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : o.port;
      resolveStart({
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((r) => server.close(() => r())),
      });
    });
  });
}

/** The console's build folder. */
export const DIST_DIR = join(dirname(fileURLToPath(import.meta.url)), "..", "dist");

/** Settings for the local emulator stack. */
export function localConsoleOptions(port: number): ConsoleServerOptions {
  return {
    port,
    distDir: DIST_DIR,
    apiTarget: "http://127.0.0.1:5001/demo-dermadetect/us-central1/api",
    imageStoreTarget: "http://127.0.0.1:8092",
    config: {
      projectId: "demo-dermadetect",
      apiKey: "demo-key",
      authEmulatorUrl: "http://127.0.0.1:9099",
      firestoreEmulator: { host: "127.0.0.1", port: 8080 },
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.env.PORT ?? 8096);
  void startConsoleServer(localConsoleOptions(port)).then(({ url }) => {
    process.stdout.write(`Clinician console: ${url}/\n`);
  });
}
