import { registerSW } from "virtual:pwa-register";
import type { AppUpdates, UpdateState } from "@/app/app-updates";

/** Checks for a new version this often while the app is open and online. */
const CHECK_EVERY_MS = 60 * 60 * 1000;

/**
 * The service worker's updates as the app's AppUpdates: a new version downloads in the
 * background (the browser installs it; Workbox precaches it) and waits; `apply` tells it to
 * take over and reloads. Firestore's pending writes, the upload queue and photo Blobs live in
 * IndexedDB, which an update does not touch.
 */
export function serviceWorkerUpdates(): AppUpdates {
  let state: UpdateState = "none";
  const listeners = new Set<(s: UpdateState) => void>();
  const set = (s: UpdateState) => {
    state = s;
    for (const l of listeners) l(s);
  };
  if (!("serviceWorker" in navigator)) {
    return { subscribe: (cb) => (cb(state), () => undefined), apply: () => Promise.resolve() };
  }
  const update = registerSW({
    immediate: true,
    onNeedRefresh: () => set("ready"),
    onRegisteredSW: (_url, registration) => {
      if (!registration) return;
      setInterval(() => {
        if (navigator.onLine) void registration.update().catch(() => undefined);
      }, CHECK_EVERY_MS);
    },
  });
  return {
    subscribe: (cb) => {
      listeners.add(cb);
      cb(state);
      return () => listeners.delete(cb);
    },
    apply: async () => {
      set("applying");
      // Reload once the waiting version is active. Not on workbox-window's "controlling" alone:
      // it fires only for a worker it installed itself, and a page from the first visit has no
      // controller at all (no clientsClaim), so it never sees a controllerchange.
      let reloading = false;
      const reload = () => {
        if (reloading) return;
        reloading = true;
        window.location.reload();
      };
      navigator.serviceWorker.addEventListener("controllerchange", reload, { once: true });
      const waiting = (await navigator.serviceWorker.getRegistration())?.waiting;
      if (!waiting) return update(true);
      waiting.addEventListener("statechange", () => {
        if (waiting.state === "activated") reload();
      });
      // The generated worker skips waiting on this message (vite-plugin-pwa "prompt" mode).
      waiting.postMessage({ type: "SKIP_WAITING" });
    },
  };
}
