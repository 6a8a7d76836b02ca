import { expect } from "chai";
import fc from "fast-check";
import { SERVER_OWNED_FIELDS, checkRecord } from "./check-record";
import { LIMITS } from "./limits";
import { REASONS } from "./records";
import {
  inspectJson,
  isPullQuery,
  isSeedSyncRequest,
  isSyncBatchDoc,
  isWatermelonPushRequest,
} from "./validate";
import { fromWatermelonRaw } from "./watermelon";

/*
 * Property-based fuzzing of the contract's validators (issue 9): whatever arrives, they answer
 * with a verdict (never a throw, never a stack overflow), refuse prototype keys at any depth,
 * and never pollute Object.prototype. Run counts are bounded so the unit tier stays fast; the
 * time bound on adversarial input is a benchmark (bench/ajv-adversarial.bench.ts), not a
 * timed assertion here.
 */

const NOW = Date.UTC(2026, 10, 22);
const FORBIDDEN = ["__proto__", "constructor", "prototype"] as const;
const RUNS = { numRuns: 200 };

const idArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,20}$/);
const label = fc.string({ minLength: 1, maxLength: 64 });
const lmt = fc.integer({ min: LIMITS.minTimestampMs, max: NOW });

const patientArb = fc.record({
  id: idArb,
  demographics: fc.record(
    {
      name: fc.string({ minLength: 1, maxLength: 200 }),
      sex: fc.constantFrom("female", "male", "other", "unknown"),
      age_years: fc.integer({ min: 0, max: 130 }),
      village: fc.string({ minLength: 1, maxLength: 200 }),
      phone: fc.stringMatching(/^[+0-9 ()-]{3,32}$/),
    },
    { requiredKeys: ["name", "sex", "age_years", "village"] },
  ),
  last_modified_at: lmt,
});

const caseArb = fc.record({
  id: idArb,
  patient_id: idArb,
  triage_data: fc.record(
    {
      body_site: label,
      duration_days: fc.integer({ min: 0, max: 36_500 }),
      symptoms: fc.array(label, { maxLength: 5 }),
      danger_signs: fc.array(label, { maxLength: 5 }),
      notes: fc.string({ maxLength: 100 }),
      lesion: fc.record(
        { diameter_mm: fc.double({ min: 0, max: 1000, noNaN: true }), bleeding: fc.boolean() },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ["body_site", "duration_days", "symptoms", "danger_signs"] },
  ),
  risk_level: fc.constantFrom("RED", "YELLOW", "GREEN"),
  images: fc.array(
    fc.record({
      sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
      content_type: fc.constantFrom("image/jpeg", "image/png", "image/webp"),
      bytes: fc.integer({ min: 1, max: LIMITS.maxImageBytes }),
    }),
    { maxLength: 3 },
  ),
  last_modified_at: lmt,
});

/** A valid record of either pushable table, as a plain object. */
interface Generated {
  table: "patients" | "cases";
  r: Record<string, unknown>;
}

const recordArb: fc.Arbitrary<Generated> = fc.oneof(
  patientArb.map((r): Generated => ({ table: "patients", r })),
  caseArb.map((r): Generated => ({ table: "cases", r })),
);

/** Every object inside a JSON value (the value itself included), for planting keys. */
function objectsIn(
  v: unknown,
  depth = 1,
  out: { o: Record<string, unknown>; depth: number }[] = [],
) {
  if (v === null || typeof v !== "object") return out;
  if (!Array.isArray(v)) out.push({ o: v as Record<string, unknown>, depth });
  for (const child of Object.values(v)) objectsIn(child, depth + 1, out);
  return out;
}

/** Plants `key` as an OWN property (as JSON.parse creates it), never through the setter. */
function plant(o: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, enumerable: true, configurable: true, writable: true });
}

function expectUnpolluted(): void {
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted, "Object.prototype was polluted").to.equal(undefined);
  expect(Object.prototype).to.not.have.own.property("polluted");
}

describe("contract validators under fuzzing (issue 9)", () => {
  afterEach(expectUnpolluted);

  it("accept the valid records the generators make (so the properties below mean something)", () => {
    fc.assert(
      fc.property(recordArb, ({ table, r }) => {
        const checked = checkRecord(table, r, NOW);
        expect(checked, JSON.stringify(checked)).to.include({ ok: true });
      }),
      RUNS,
    );
  });

  it("refuse a prototype key planted anywhere in a valid record", () => {
    fc.assert(
      fc.property(
        recordArb,
        fc.constantFrom(...FORBIDDEN),
        fc.nat(),
        fc.jsonValue({ maxDepth: 2 }),
        ({ table, r }, key, at, value) => {
          const copy = structuredClone(r);
          const targets = objectsIn(copy);
          const target = targets[at % targets.length]!;
          plant(target.o, key, key === "__proto__" ? { polluted: true, ...Object(value) } : value);
          const checked = checkRecord(table, copy, NOW);
          expect(checked.ok).to.equal(false);
          if (!checked.ok) expect(checked.reason).to.equal(REASONS.FORBIDDEN_KEY);
        },
      ),
      RUNS,
    );
  });

  it("refuse prototype keys that arrive as JSON text, on both wire formats", () => {
    fc.assert(
      fc.property(recordArb, fc.constantFrom(...FORBIDDEN), ({ table, r }, key) => {
        const text = JSON.stringify(r).replace(/^\{/, `{"${key}":{"polluted":true},`);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        expect(checkRecord(table, parsed, NOW)).to.deep.equal({
          ok: false,
          reason: REASONS.FORBIDDEN_KEY,
        });
        // WatermelonDB: the same key as a column, and inside a JSON-encoded column.
        const column = JSON.parse(`{"id":"a1","${key}":"x"}`) as Record<string, string>;
        expect(fromWatermelonRaw(table, column, NOW).ok).to.equal(false);
        const jsonColumn = table === "patients" ? "demographics" : "triage_data";
        const inner = JSON.stringify(r[jsonColumn]).replace(/^\{/, `{"${key}":{"polluted":1},`);
        const raw = { ...r, [jsonColumn]: inner } as Record<string, unknown>;
        for (const k of Object.keys(raw)) {
          if (typeof raw[k] === "object" && raw[k] !== null) raw[k] = JSON.stringify(raw[k]);
        }
        const viaWatermelon = fromWatermelonRaw(table, raw as Record<string, string>, NOW);
        expect(viaWatermelon).to.deep.equal({ ok: false, reason: REASONS.FORBIDDEN_KEY });
      }),
      RUNS,
    );
  });

  it("never store a server-owned field a client adds, and name it in ignored_fields", () => {
    fc.assert(
      fc.property(
        recordArb,
        fc.nat(),
        // Scalars only: a planted value holding a prototype key is refused for that first.
        fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
        ({ table, r }, n, v) => {
          const owned = SERVER_OWNED_FIELDS[table];
          const field = owned[n % owned.length]!;
          const checked = checkRecord(table, { ...r, [field]: v }, NOW);
          expect(checked).to.deep.include({ ok: true, ignored: [field] });
          expect(checked.ok && checked.record).to.not.have.property(field);
        },
      ),
      RUNS,
    );
  });

  it("answer arbitrary JSON with a verdict, never a throw, on every validator", () => {
    const anyJson = fc.jsonValue({ maxDepth: 6 });
    fc.assert(
      fc.property(
        fc.constantFrom("patients", "cases", "diagnoses", "__proto__", "x"),
        anyJson,
        (table, v) => {
          const checked = checkRecord(table, v, NOW);
          expect(checked.ok).to.be.a("boolean");
          if (!checked.ok) expect(Object.values(REASONS)).to.include(checked.reason);
          for (const validate of [
            isSeedSyncRequest,
            isSyncBatchDoc,
            isWatermelonPushRequest,
            isPullQuery,
          ]) {
            expect(validate(v)).to.be.a("boolean");
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("mutating one field of a valid record never lets an out-of-contract value through", () => {
    // Values no field of the contract accepts: wrong types and out-of-range numbers.
    const junk = fc.oneof(
      fc.constant(null),
      fc.constant([]),
      fc.constant({}),
      fc.constant(-1),
      fc.constant(1e15),
      fc.constant(true),
      fc.string({ minLength: 2001, maxLength: 2100 }),
    );
    fc.assert(
      fc.property(recordArb, fc.nat(), junk, ({ table, r }, n, value) => {
        const keys = Object.keys(r).filter((k) => k !== "deleted_at");
        const key = keys[n % keys.length]!;
        // An empty list is a valid image list; everything else here is invalid everywhere.
        fc.pre(!(key === "images" && Array.isArray(value) && value.length === 0));
        const checked = checkRecord(table, { ...r, [key]: value }, NOW);
        expect(checked.ok, `${table}.${key} = ${JSON.stringify(value).slice(0, 40)}`).to.equal(
          false,
        );
      }),
      RUNS,
    );
  });

  it("survive nesting far past the limit without recursion (200,000 levels)", () => {
    const depth = 200_000;
    const text = `{"id":"a1","demographics":${"[".repeat(depth)}1${"]".repeat(depth)},"last_modified_at":${NOW}}`;
    const deep = JSON.parse(text) as Record<string, unknown>;
    expect(inspectJson(deep)).to.equal(REASONS.TOO_DEEP);
    expect(checkRecord("patients", deep, NOW)).to.deep.equal({
      ok: false,
      reason: REASONS.TOO_DEEP,
    });
    const envelope = JSON.parse(
      `{"last_sync_timestamp":null,"changes":{"patients":[${text}]}}`,
    ) as unknown;
    expect(isSeedSyncRequest(envelope)).to.be.a("boolean");
  });
});
