/// <reference types="vite/client" />
/// <reference types="vite-plugin-pwa/client" />

type BundledWebConfig = import("./web-config").WebConfig; // eslint-disable-line @typescript-eslint/consistent-type-imports

/** The web config bundled at build time (vite.config.mts). */
declare const __DD_WEB_CONFIG__: BundledWebConfig;
/** This build's id (a new build is a new app version). */
declare const __DD_BUILD_ID__: string;
