import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { JSON_COLUMNS, toWatermelonRaw } from "./watermelon";
import type { RecordResult, WatermelonPushRequest } from "./records";

/*
 * The interop fixtures (contract/fixtures/interop/*.json): real payloads of clients we did not
 * write and of older and newer app versions, each with the per-record results every route must
 * give. The unit tier runs them against the contract, the integration tier against the routes.
 * Test support only: nothing in the deployed code imports this file.
 */

/** One fixture as stored. */
export interface InteropFixture {
  name: string;
  description: string;
  /** The shape of `request`: a seed body (`POST /v1/sync`) or a WatermelonDB push body. */
  format: "seed" | "watermelon";
  request: { changes: Record<string, unknown> } & Record<string, unknown>;
  /** Results in request order (table, id, outcome, reason, ignored_fields). */
  expect: Expected[];
  /** Results in the seed format when they differ (a WatermelonDB fixture's device columns are named there). */
  expect_seed?: Expected[];
  /** Results on the WatermelonDB route when they differ (it drops pulled server columns silently). */
  expect_watermelon?: Expected[];
  /** Maps that must come back from every pull exactly as sent (same keys, same order). */
  roundtrip: { table: string; id: string; field: string }[];
}

/** The part of a result a fixture pins. */
export type Expected = Pick<RecordResult, "table" | "id" | "outcome" | "reason" | "ignored_fields">;

/** The folder of the fixtures. */
export const FIXTURE_DIR = fileURLToPath(new URL("../fixtures/interop/", import.meta.url));

/** Every fixture, by file name. */
export function loadFixtures(): InteropFixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => ({
      name: f.replace(/\.json$/, ""),
      ...(JSON.parse(readFileSync(join(FIXTURE_DIR, f), "utf8")) as Omit<InteropFixture, "name">),
    }));
}

/** Seed-format changes of a fixture (a WatermelonDB fixture's JSON columns decoded). */
export function seedChangesOf(f: InteropFixture): Record<string, Record<string, unknown>[]> {
  if (f.format === "seed") return f.request.changes as Record<string, Record<string, unknown>[]>;
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const [table, set] of Object.entries(
    f.request.changes as WatermelonPushRequest["changes"],
  )) {
    const records = [...set.created, ...set.updated].map((raw) => {
      const r: Record<string, unknown> = { ...raw };
      for (const c of JSON_COLUMNS[table] ?? []) {
        if (typeof r[c] === "string") r[c] = JSON.parse(r[c]) as unknown;
      }
      return r;
    });
    if (records.length > 0) out[table] = records;
  }
  return out;
}

/** WatermelonDB push changes of a fixture (a seed fixture's records as `created`). */
export function watermelonChangesOf(f: InteropFixture): WatermelonPushRequest["changes"] {
  if (f.format === "watermelon") return f.request.changes as WatermelonPushRequest["changes"];
  const out: WatermelonPushRequest["changes"] = {};
  for (const [table, records] of Object.entries(seedChangesOf(f))) {
    out[table] = {
      created: records.map((r) => toWatermelonRaw(r)),
      updated: [],
      deleted: [],
    };
  }
  return out;
}

/** A fixture with every record id replaced through `rename` (fresh ids per test run). */
export function withIds(f: InteropFixture, rename: (id: string) => string): InteropFixture {
  const swap = (text: string) =>
    text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, rename);
  return JSON.parse(swap(JSON.stringify(f))) as InteropFixture;
}

/** The pinned part of results, for comparing with a fixture's expectations. */
export function pinned(results: readonly RecordResult[]): Expected[] {
  return results.map((r) => ({
    table: r.table,
    id: r.id,
    outcome: r.outcome,
    ...(r.reason && { reason: r.reason }),
    ...(r.ignored_fields && { ignored_fields: r.ignored_fields }),
  }));
}
