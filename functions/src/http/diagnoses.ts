import type { Firestore } from "firebase-admin/firestore";
import { diagnosisOptionals, diagnosisView, writeDiagnosis } from "../adapters/diagnosis-writer";
import { db } from "../adapters/firebase";
import { log } from "../logger";
import { parseDiagnosisRequest, parseRecordId } from "./image-schemas";
import type { AuthContext, Route } from "./router";

/** What the diagnosis route needs. */
export interface DiagnosisRouteDeps {
  db: () => Firestore;
  now: () => number;
}

/**
 * `POST /v1/cases/{id}/diagnoses` (doctor): stores the diagnosis, sets the case DIAGNOSED and
 * answers the stored diagnosis; idempotent on the diagnosis id.
 */
export function diagnosesRoute(deps: DiagnosisRouteDeps = { db, now: () => Date.now() }): Route {
  return {
    method: "POST",
    path: "/v1/cases/:id/diagnoses",
    roles: ["doctor"],
    maxBodyBytes: 64 * 1024,
    async handle({ req, params, auth }) {
      const who = auth as AuthContext;
      const caseId = parseRecordId(params.id);
      const body = parseDiagnosisRequest(req.body);
      const now = deps.now();
      const name: unknown = (await deps.db().doc(`users/${who.uid}`).get()).get("display_name");
      const { diagnosis, duplicate } = await writeDiagnosis(
        deps.db(),
        {
          id: body.id,
          case_id: caseId,
          doctor_id: who.uid,
          diagnosis_text: body.diagnosis_text,
          prescription: body.prescription ?? null,
          ...diagnosisOptionals(body),
          doctor_name: typeof name === "string" && name ? name.slice(0, 200) : who.uid,
          created_at: now,
          source: "api",
        },
        { actor: who.uid, role: who.role, requestId: req.requestId },
        now,
      );
      log.info("diagnosis stored", {
        request_id: req.requestId,
        case_id: caseId,
        stage: "diagnosed",
        outcome: duplicate ? "duplicate" : "applied",
      });
      return { status: 200, body: diagnosisView(diagnosis) };
    },
  };
}
