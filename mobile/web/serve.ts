import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, request } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { extname, join, normalize, resolve } from "node:path";
import { LOCAL_STACK } from "./local-config";

/*
 * Serves the web build for the local stack: the static files of mobile/dist (the config is
 * bundled in them) and two same-origin proxies, because the `api` function answers without CORS headers and the
 * local image store is on another port: /api/* → the functions emulator, /image-store/* → the
 * local image store. (In production the bucket's CORS policy admits uploads instead.)
 *   node --import tsx mobile/web/serve.ts        # after `npm run build:web -w mobile` and `npm start`
 */

/** Where the stack runs. */
export interface WebServerOptions {
  port: number;
  distDir: string;
  apiTarget: string;
  imageStoreTarget: string;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".bin": "application/octet-stream",
  ".css": "text/css",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".webmanifest": "application/manifest+json",
};

/**
 * The service worker, the page and the manifest are revalidated on every load (a stale sw.js
 * would hold an old version back); hashed assets never change under their name.
 */
function cacheControl(path: string): string {
  return path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
}

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
export function startWebServer(
  o: WebServerOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const root = resolve(o.distDir);
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    const query = (req.url ?? "").includes("?")
      ? (req.url ?? "").slice((req.url ?? "").indexOf("?"))
      : "";
    if (path.startsWith("/api/")) return proxy(req, res, o.apiTarget, path.slice(5) + query);
    if (path.startsWith("/image-store/"))
      return proxy(req, res, o.imageStoreTarget, path.slice(13) + query);
    const file = normalize(join(root, path === "/" ? "index.html" : path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, {
      "content-type": TYPES[extname(file)] ?? "application/octet-stream",
      "cache-control": cacheControl(path),
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

/** Settings for the local emulator stack (docs/design.md §3). */
export function localStackOptions(port: number, distDir?: string): WebServerOptions {
  return {
    port,
    distDir: distDir ?? join(__dirname, "..", "dist"),
    apiTarget: LOCAL_STACK.apiTarget,
    imageStoreTarget: LOCAL_STACK.imageStoreTarget,
  };
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 8095);
  void startWebServer(localStackOptions(port)).then(({ url }) => {
    process.stdout.write(`DermaDetect web app: ${url}\n`);
  });
}
