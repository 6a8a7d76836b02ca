import { expect } from "chai";
import { checkRecord } from "./check-record";
import { loadFixtures, seedChangesOf, watermelonChangesOf } from "./fixtures";
import type { Expected } from "./fixtures";
import { isSeedSyncRequest, isWatermelonPushRequest } from "./validate";
import { fromWatermelonRaw } from "./watermelon";
import type { Checked } from "./check-record";

/*
 * The interop fixtures against the contract alone: every record's verdict in both wire formats.
 * Against an empty store a record the contract accepts is `applied`; the integration tier runs
 * the same fixtures through the three routes and the pulls.
 */

const NOW = 1_800_000_000_000;

function verdicts(table: string, ids: string[], checked: Checked[]): Expected[] {
  return checked.map((c, i) => ({
    table,
    id: ids[i]!,
    outcome: c.ok ? "applied" : "rejected",
    ...(!c.ok && { reason: c.reason }),
    ...(c.ignored && { ignored_fields: c.ignored }),
  }));
}

describe("interop fixtures against the contract", () => {
  const fixtures = loadFixtures();

  it("has the payloads the contract promises to accept", () => {
    expect(fixtures.map((f) => f.name)).to.include.members([
      "seed-example",
      "older-app",
      "newer-app",
      "server-echo",
      "bounds",
      "watermelon-extra-columns",
    ]);
  });

  for (const f of fixtures) {
    it(`${f.name}: seed format gives the expected results`, () => {
      const changes = seedChangesOf(f);
      expect(isSeedSyncRequest({ last_sync_timestamp: null, changes })).to.equal(true);
      const got = Object.entries(changes).flatMap(([table, records]) =>
        verdicts(
          table,
          records.map((r) => String(r.id)),
          records.map((r) => checkRecord(table, r, NOW)),
        ),
      );
      const want = f.expect_seed ?? f.expect;
      expect(got).to.deep.equal(want);
    });

    it(`${f.name}: WatermelonDB format gives the expected results`, () => {
      const changes = watermelonChangesOf(f);
      expect(isWatermelonPushRequest({ changes })).to.equal(true);
      const got = Object.entries(changes).flatMap(([table, set]) => {
        const raws = [...set.created, ...set.updated];
        return verdicts(
          table,
          raws.map((r) => String(r.id)),
          raws.map((r) => fromWatermelonRaw(table, r, NOW)),
        );
      });
      expect(got).to.deep.equal(f.expect_watermelon ?? f.expect);
    });
  }
});
