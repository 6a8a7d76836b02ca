import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ValidateFunction } from "ajv";
import { compiled } from "./compiled";
import { loadFixtures, seedChangesOf, watermelonChangesOf } from "./fixtures";
import { standaloneValidatorsSource } from "./standalone-validators";
import { VALIDATED_SCHEMAS } from "./validator-registry";

// The CHW web build ships the validators as Ajv standalone code (generated at build time)
// instead of compiling them at start-up: both must give every input the same answer and the
// same first error, which is what the per-record reason codes are read from.

type Compiled = (schema: { $id: string }) => ValidateFunction;

/** The generated module, imported as the browser build gets it. */
async function standalone(): Promise<Compiled> {
  // Inside contract/, so the generated code's Ajv runtime helpers resolve; `require` is what the
  // web bundler resolves for them, given here as Node's.
  const dir = mkdtempSync(join(import.meta.dirname, ".standalone-"));
  try {
    const file = join(dir, "validators.mjs");
    writeFileSync(
      file,
      `import { createRequire } from "node:module";\nconst require = createRequire(import.meta.url);\n${standaloneValidatorsSource()}`,
    );
    return ((await import(pathToFileURL(file).href)) as { compiled: Compiled }).compiled;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Inputs for each schema: the interop fixtures' records and envelopes, and broken copies. */
function inputs(): Map<string, unknown[]> {
  const by = new Map<string, unknown[]>(VALIDATED_SCHEMAS.map((s) => [s.$id, []]));
  const add = (id: string, v: unknown) => by.get(id)!.push(v);
  for (const f of loadFixtures()) {
    const changes = seedChangesOf(f);
    add("seed-sync-request", { batch_id: "b-1", changes });
    add("seed-sync-request", f.request);
    add("watermelon-push-request", { changes: watermelonChangesOf(f) });
    add("sync-batch-doc", { chw_id: "chw-1", batch_id: "b-1", created_at: 1, changes });
    for (const p of changes.patients ?? []) add("patient-record", p);
    for (const c of changes.cases ?? []) add("case-record", c);
  }
  // Every schema also meets values of the wrong type, an empty object, and each collected value
  // with one property removed, retyped or added.
  for (const [id, list] of by) {
    const broken: unknown[] = [null, 7, "x", [], {}];
    for (const v of list.slice(0, 40)) {
      if (v === null || typeof v !== "object" || Array.isArray(v)) continue;
      for (const k of Object.keys(v)) {
        const { [k]: dropped, ...rest } = v as Record<string, unknown>;
        broken.push(rest, { ...rest, [k]: typeof dropped === "string" ? 1 : "1" });
      }
      broken.push({ ...v, zz_unknown: true });
    }
    by.set(id, [...list, ...broken]);
  }
  return by;
}

describe("standalone validators (the CHW web build's)", function () {
  this.timeout(60_000);

  it("answer every input as the start-up compiled validators do, first error included", async () => {
    const generated = await standalone();
    let compared = 0;
    for (const [id, values] of inputs()) {
      const a = compiled({ $id: id });
      const b = generated({ $id: id });
      for (const v of values) {
        const okA = a(v);
        const okB = b(v);
        expect(okB, `${id}: ${JSON.stringify(v).slice(0, 120)}`).to.equal(okA);
        if (!okA) {
          const [ea, eb] = [a.errors?.[0], b.errors?.[0]];
          expect(
            { keyword: eb?.keyword, at: eb?.instancePath, params: eb?.params },
            id,
          ).to.deep.equal({
            keyword: ea?.keyword,
            at: ea?.instancePath,
            params: ea?.params,
          });
        }
        compared++;
      }
    }
    // Enough inputs reached both sides for the comparison to mean something.
    expect(compared).to.be.greaterThan(200);
  });

  it("has a validator for every registered schema and refuses an unknown one", async () => {
    const generated = await standalone();
    for (const s of VALIDATED_SCHEMAS) expect(generated(s), s.$id).to.be.a("function");
    expect(() => generated({ $id: "no-such-schema" })).to.throw(/not registered/);
  });
});
