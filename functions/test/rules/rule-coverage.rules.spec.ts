import {
  assertFails,
  assertSucceeds,
  initializeTestEnvironment,
} from "@firebase/rules-unit-testing";
import type { RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { expect } from "chai";
import { doc, getDoc, setLogLevel } from "firebase/firestore";
import { PORTS } from "../../../infra/src/stack";
import { fetchRuleCoverage, unevaluatedExpressions } from "./rule-coverage";

// The coverage gate of access-matrix.rules.spec.ts must be able to fail: on a project of its
// own (coverage is per project), a rule set with a branch the test never reaches is reported.
describe("rule coverage gate", () => {
  const projectId = "demo-coverage-gate";
  let env: RulesTestEnvironment;

  before(async () => {
    setLogLevel("silent");
    env = await initializeTestEnvironment({
      projectId,
      firestore: {
        host: "127.0.0.1",
        port: PORTS.firestore,
        rules: `rules_version = '2';
service cloud.firestore {
  match /databases/{database}/documents {
    match /reached/{id} { allow get: if request.auth != null; }
    match /unreached/{id} { allow get: if request.auth.uid == 'nobody'; }
  }
}`,
      },
    });
  });
  after(() => env.cleanup());

  it("reports the expressions of a rule no request evaluated, and only those", async () => {
    await assertSucceeds(getDoc(doc(env.authenticatedContext("u1").firestore(), "reached/x")));
    await assertFails(getDoc(doc(env.unauthenticatedContext().firestore(), "reached/x")));
    const report = await fetchRuleCoverage(projectId, PORTS.firestore);
    const missed = unevaluatedExpressions(report);
    expect(missed.length).to.be.greaterThan(0);
    expect(missed.every((m) => m.startsWith("5:"))).to.equal(true, missed.join("; "));
  });
});
