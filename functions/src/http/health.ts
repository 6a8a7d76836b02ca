import type { Route } from "./router";

/** `GET /v1/health`: liveness only; touches no dependency so it answers during outages. */
export const healthRoute: Route = {
  method: "GET",
  path: "/v1/health",
  roles: "public",
  handle: () => Promise.resolve({ status: 200, body: { status: "ok" } }),
};
