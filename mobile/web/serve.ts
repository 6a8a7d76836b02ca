import { join } from "node:path";
import { startStaticServer } from "../../infra/src/static-server";
import type { StaticServer } from "../../infra/src/static-server";
import { LOCAL_STACK } from "./local-config";

/*
 * Serves the web build for the local stack (infra/src/static-server.ts): the static files of
 * mobile/dist (the config is bundled in them) and two same-origin proxies: /api/* → the
 * functions emulator, /image-store/* → the local image store. (In production the bucket's CORS
 * policy admits uploads instead.)
 *   node --import tsx mobile/web/serve.ts        # after `npm run build:web -w mobile` and `npm start`
 */

/** Where the stack runs. */
export interface WebServerOptions {
  port: number;
  distDir: string;
  apiTarget: string;
  imageStoreTarget: string;
}

/**
 * The service worker, the page and the manifest are revalidated on every load (a stale sw.js
 * would hold an old version back); hashed assets never change under their name.
 */
function cacheControl(path: string): string {
  return path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache";
}

/** Starts the server; resolves with its URL and a stop function. */
export function startWebServer(o: WebServerOptions): Promise<StaticServer> {
  return startStaticServer({
    port: o.port,
    distDir: o.distDir,
    proxies: { "/api/": o.apiTarget, "/image-store/": o.imageStoreTarget },
    headers: (path) => ({ "cache-control": cacheControl(path) }),
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
