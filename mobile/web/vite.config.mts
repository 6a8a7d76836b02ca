// Browser build of the app through react-native-web (docs/design.md §2): `npm run build:web -w mobile`.
// An installable offline PWA: web app manifest, icons rendered at build time, and a Workbox
// service worker (vite-plugin-pwa, generateSW) that precaches the shell, every chunk and the
// triage model files. Updates wait for the CHW ("prompt"), never skipWaiting on their own.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import type { Plugin } from "vite";
import react from "@vitejs/plugin-react";
import { VitePWA } from "vite-plugin-pwa";
import { ICONS, iconPng } from "./icons";
import { LOCAL_WEB_CONFIG } from "./local-config";
import { checkWebConfig } from "./web-config";
import { precompiledValidators } from "./precompiled-validators";

const src = fileURLToPath(new URL("../src", import.meta.url));

/** The bundled config: DD_WEB_CONFIG=<file.json> for another stack, else the local stack. */
const configFile = process.env.DD_WEB_CONFIG;
const webConfig = configFile
  ? checkWebConfig(JSON.parse(readFileSync(configFile, "utf8")) as unknown, configFile)
  : LOCAL_WEB_CONFIG;
/** Identifies this build (shown to tests as <html data-build>); a new build is a new version. */
const buildId = process.env.DD_BUILD_ID ?? new Date().toISOString();

/** Emits the manifest's PNG icons (rendered from SVG with resvg). */
function icons(): Plugin {
  return {
    name: "dermadetect-icons",
    generateBundle() {
      for (const icon of ICONS)
        this.emitFile({
          type: "asset",
          fileName: icon.src,
          source: iconPng(icon.purpose, icon.size),
        });
    },
  };
}

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  plugins: [
    precompiledValidators(),
    react(),
    icons(),
    VitePWA({
      registerType: "prompt",
      injectRegister: false,
      strategies: "generateSW",
      manifest: {
        id: "./",
        name: "DermaDetect CHW",
        short_name: "DermaDetect",
        description: "Skin-lesion triage for community health workers, offline first.",
        start_url: "./",
        scope: "./",
        display: "standalone",
        orientation: "portrait",
        theme_color: "#0b5394",
        background_color: "#ffffff",
        icons: ICONS.map((i) => ({
          src: i.src,
          sizes: `${i.size}x${i.size}`,
          type: "image/png",
          purpose: i.purpose,
        })),
      },
      workbox: {
        // Shell, chunks, icons, and the triage model (model.json, weight shards, metadata).
        globPatterns: ["**/*.{html,js,css,png,svg,json,bin,webmanifest}"],
        // tfjs is one chunk of ~1.5 MB; real model shards are 4 MB each (README, "Model files").
        maximumFileSizeToCacheInBytes: 8 * 1024 * 1024,
        navigateFallback: "index.html",
        navigateFallbackDenylist: [/\/api\//, /\/image-store\//],
        cleanupOutdatedCaches: true,
        // The first worker claims the page that installed it. Unclaimed, that page "uses" no
        // worker, so the browser would activate the next version as soon as it installs, over a
        // page that still runs (and lazily loads chunks of) the old one, and "Update now" would
        // find nothing waiting. Claimed, a new version waits until the CHW accepts it.
        clientsClaim: true,
        // Never on its own: the page asks for it ("Update now", web/sw-updates.ts).
        skipWaiting: false,
      },
    }),
  ],
  resolve: {
    alias: [
      { find: /^react-native$/, replacement: "react-native-web" },
      { find: /^re2js$/, replacement: fileURLToPath(new URL("./stubs/re2js.ts", import.meta.url)) },
      { find: /^@\//, replacement: `${src}/` },
    ],
    extensions: [".web.tsx", ".web.ts", ".web.js", ".tsx", ".ts", ".mjs", ".js", ".json"],
  },
  define: {
    global: "window",
    __DEV__: "false",
    __DD_WEB_CONFIG__: JSON.stringify(webConfig),
    __DD_BUILD_ID__: JSON.stringify(buildId),
  },
  build: {
    outDir: fileURLToPath(new URL("../dist", import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
  },
});
