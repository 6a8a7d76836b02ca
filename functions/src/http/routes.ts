import { caseImagesRoute } from "./case-images";
import { caseReviewRoutes } from "./case-review";
import { diagnosesRoute } from "./diagnoses";
import { doctorQueueRoute } from "./doctor-queue";
import { healthRoute } from "./health";
import type { Route } from "./router";
import { syncRoutes } from "./sync-routes";

/** The route table of the `api` function. Each feature adds its routes here. */
export function routes(): Route[] {
  return [
    healthRoute,
    ...syncRoutes,
    caseImagesRoute(),
    diagnosesRoute(),
    doctorQueueRoute(),
    ...caseReviewRoutes(),
  ];
}
