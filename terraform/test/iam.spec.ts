import { expect } from "chai";
import type { Module } from "./hcl";
import { loadTerraform, parseModule } from "./hcl";
import { firestoreGrantsWiderThanNeeded } from "./policy";

// Issue 17, finding 7: every function held roles/datastore.user. Firestore IAM stops at the
// database (no collection-level role or IAM condition), so the narrowing left is read-only
// (roles/datastore.viewer) for a function that never writes; each grant's reason says which.

describe("terraform: Firestore grants per function", function () {
  this.timeout(120_000);
  let stack: Module;

  before(async () => {
    stack = (await loadTerraform()).get("modules/dermadetect")!;
  });

  it("grants read-write only to functions that write, and nothing wider than datastore.user", () => {
    expect(firestoreGrantsWiderThanNeeded(stack)).to.deep.equal([]);
    const roles = stack.locals.function_project_roles as Record<string, string>;
    const firestore = Object.keys(roles).filter((k) => k.includes("|roles/datastore."));
    // Every function uses Firestore, through exactly one grant.
    const fns = Object.keys(stack.locals.functions as object).sort();
    expect(firestore.map((k) => k.split("|")[0]).sort()).to.deep.equal(fns);
  });

  it("flags a read-only function holding datastore.user, and an admin role (the check can fail)", async () => {
    const bad = await parseModule("fixture", [
      {
        file: "fixture/main.tf",
        text: `
locals {
  function_project_roles = {
    "report|roles/datastore.user"  = "reads cases for the weekly report"
    "export|roles/datastore.owner" = "writes exports"
    "fine|roles/datastore.viewer"  = "reads cases"
  }
}`,
      },
    ]);
    expect(firestoreGrantsWiderThanNeeded(bad)).to.have.members([
      'fixture: report|roles/datastore.user reads only ("reads cases for the weekly report"): grant roles/datastore.viewer',
      "fixture: export|roles/datastore.owner is an admin role",
    ]);
  });
});
