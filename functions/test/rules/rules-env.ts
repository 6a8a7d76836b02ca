import { initializeTestEnvironment } from "@firebase/rules-unit-testing";
import type { RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PORTS, PROJECT_ID, ROOT } from "../../../infra/src/stack";

/** A rules test environment on the Firestore emulator running the repository's firestore.rules. */
export function projectRulesEnv(): Promise<RulesTestEnvironment> {
  return initializeTestEnvironment({
    projectId: PROJECT_ID,
    firestore: {
      rules: readFileSync(join(ROOT, "firestore.rules"), "utf8"),
      host: "127.0.0.1",
      port: PORTS.firestore,
    },
  });
}
