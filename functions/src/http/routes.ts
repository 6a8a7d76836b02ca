import { healthRoute } from "./health";
import type { Route } from "./router";

/** The route table of the `api` function. Each feature adds its routes here. */
export function routes(): Route[] {
  return [healthRoute];
}
