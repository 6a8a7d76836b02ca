import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, request } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { extname, join, normalize, resolve } from "node:path";

/*
 * The local server of a web app's production build (the clinician console, the CHW web app):
 * its static files, generated JSON answers such as the console's /config.json, and same-origin
 * proxies, because the `api` function answers without CORS headers and the local image store
 * is on another port. Only for the local stack: in production Firebase Hosting serves the
 * builds. No CommonJS/ESM-only globals here: the CHW app's Jest (Babel, CommonJS) and the
 * console's Vitest (ESM) both load it.
 */

/** What to serve and where to forward. */
export interface StaticServerOptions {
  /** 0 picks a free port. */
  port: number;
  distDir: string;
  /** Same-origin proxies: a path prefix ending in "/" → the upstream it is forwarded to. */
  proxies: Record<string, string>;
  /** Headers of a file answer (and of the JSON answers) for a path. */
  headers?: (path: string) => Record<string, string>;
  /** Headers of a 404. */
  notFoundHeaders?: Record<string, string>;
  /** JSON answered at an exact path, never cached. */
  json?: Record<string, () => unknown>;
}

/** A running server. */
export interface StaticServer {
  url: string;
  close(): Promise<void>;
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

/** Starts the server on 127.0.0.1; resolves with its URL and a stop function. */
export function startStaticServer(o: StaticServerOptions): Promise<StaticServer> {
  const root = resolve(o.distDir);
  const headers = o.headers ?? (() => ({}));
  const server: Server = createServer((req, res) => {
    const raw = req.url ?? "/";
    const path = raw.split("?")[0] ?? "/";
    const query = raw.includes("?") ? raw.slice(raw.indexOf("?")) : "";
    for (const [prefix, target] of Object.entries(o.proxies)) {
      if (path.startsWith(prefix))
        return proxy(req, res, target, path.slice(prefix.length) + query);
    }
    const json = o.json?.[path];
    if (json) {
      res.writeHead(200, {
        ...headers(path),
        "content-type": "application/json",
        "cache-control": "no-store",
      });
      return res.end(JSON.stringify(json()));
    }
    const file = normalize(join(root, path === "/" ? "index.html" : path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, o.notFoundHeaders ?? {});
      return res.end();
    }
    res.writeHead(200, {
      ...headers(path),
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
