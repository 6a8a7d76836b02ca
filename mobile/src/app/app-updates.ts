/** Whether a new version of the app has been downloaded and waits for the CHW. */
export type UpdateState = "none" | "ready" | "applying";

/**
 * App updates the CHW accepts (web build: the service worker's waiting version). Nothing is
 * applied on its own: the app shows "update available" and calls `apply` only when the CHW
 * presses it with no form open. Device builds update through the store and pass none.
 */
export interface AppUpdates {
  /** Calls back with the current state now and on every change. */
  subscribe(cb: (state: UpdateState) => void): () => void;
  /** Activates the waiting version and reloads the app. */
  apply(): Promise<void>;
}
