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
  registerSW({
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
      let reloading = false;
      const reload = () => {
        if (reloading) return;
        reloading = true;
        window.location.reload();
      };
      const registration = await navigator.serviceWorker.getRegistration();
      const waiting = registration?.waiting;
      if (waiting) {
        // The page is controlled by the old version: the new one takes over when told to
        // (the generated worker skips waiting on this message, vite-plugin-pwa "prompt" mode),
        // which switches this page's controller.
        navigator.serviceWorker.addEventListener("controllerchange", reload, { once: true });
        whenActivated(waiting, reload);
        waiting.postMessage({ type: "SKIP_WAITING" });
        return;
      }
      // Nothing waits: the new version is already active. That happens when this page is not
      // controlled (a hard reload, or a first visit before the worker claimed it): nothing used
      // the old version, so the browser activated the new one as soon as it installed, and no
      // controllerchange will ever come. Loading the page again runs the new version.
      const active = registration?.active;
      if (active) whenActivated(active, reload);
      else reload();
    },
  };
}

/** Calls `then` once `worker` is activated (navigations wait for activation anyway). */
function whenActivated(worker: ServiceWorker, then: () => void): void {
  if (worker.state === "activated") return then();
  worker.addEventListener("statechange", () => {
    if (worker.state === "activated") then();
  });
}
