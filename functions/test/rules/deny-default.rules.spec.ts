import { assertFails, initializeTestEnvironment } from "@firebase/rules-unit-testing";
import type { RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { doc, getDoc, setDoc } from "firebase/firestore";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PORTS, PROJECT_ID, ROOT } from "../../../infra/src/stack";

describe("firestore.rules: deny by default", () => {
  let env: RulesTestEnvironment;

  before(async () => {
    env = await initializeTestEnvironment({
      projectId: PROJECT_ID,
      firestore: {
        rules: readFileSync(join(ROOT, "firestore.rules"), "utf8"),
        host: "127.0.0.1",
        port: PORTS.firestore,
      },
    });
  });
  after(() => env.cleanup());

  it("refuses an unknown collection to signed-in and signed-out callers", async () => {
    const signedIn = env.authenticatedContext("chw-amina", { role: "chw" }).firestore();
    const signedOut = env.unauthenticatedContext().firestore();
    await assertFails(getDoc(doc(signedIn, "somethingElse/x")));
    await assertFails(setDoc(doc(signedIn, "somethingElse/x"), { a: 1 }));
    await assertFails(getDoc(doc(signedOut, "somethingElse/x")));
  });
});
