import { assertFails } from "@firebase/rules-unit-testing";
import type { RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { doc, getDoc, setDoc } from "firebase/firestore";
import { projectRulesEnv } from "./rules-env";

describe("firestore.rules: deny by default", () => {
  let env: RulesTestEnvironment;

  before(async () => {
    env = await projectRulesEnv();
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
