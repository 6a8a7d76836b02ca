import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ConsoleConfig } from "@dermadetect/contract";
import { startStaticServer } from "../../infra/src/static-server";
import type { StaticServer } from "../../infra/src/static-server";

/*
 * Serves the console build for the local stack (infra/src/static-server.ts): the static files
 * of console/dist, /config.json, and two same-origin proxies: /api/* → the functions emulator,
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

const HEADERS = {
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

/** Starts the server; resolves with its URL and a stop function. */
export function startConsoleServer(o: ConsoleServerOptions): Promise<StaticServer> {
  const config: ConsoleConfig = {
    ...o.config,
    apiBaseUrl: "/api",
    photoRewrite: { from: o.imageStoreTarget, to: "/image-store" },
  };
  return startStaticServer({
    port: o.port,
    distDir: o.distDir,
    proxies: { "/api/": o.apiTarget, "/image-store/": o.imageStoreTarget },
    headers: () => HEADERS,
    notFoundHeaders: HEADERS,
    json: { "/config.json": () => config },
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
