import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { doc, setDoc } from "firebase/firestore";
import type { Firestore as WebFirestore } from "firebase/firestore";
import { JSON_COLUMNS, SERVER_OWNED_FIELDS } from "@dermadetect/contract";
import type { RecordResult } from "@dermadetect/contract";
import {
  loadFixtures,
  pinned,
  seedChangesOf,
  watermelonChangesOf,
  withIds,
} from "../../../contract/src/fixtures";
import type { InteropFixture } from "../../../contract/src/fixtures";
import {
  adminDb,
  api,
  closeDevice,
  createUser,
  device,
  eventually,
  processed,
  seedSync,
} from "./sync-helpers";
import type { Device, TestUser } from "./sync-helpers";

/*
 * The interop fixtures (contract/fixtures/interop) through every way a batch arrives: POST
 * /v1/sync, POST /v1/sync/push and a syncBatches document, each with fresh ids and its own CHW.
 * Every route must give the fixture's per-record results, store none of the ignored fields,
 * and return the open maps of the round-trip records exactly as sent (same keys, same order)
 * from both pulls.
 */

type Route = "seed" | "watermelon" | "outbox";

interface WmdbPull {
  changes: Record<
    string,
    { created: Record<string, unknown>[]; updated: Record<string, unknown>[] }
  >;
}

function fresh(f: InteropFixture): InteropFixture {
  const ids = new Map<string, string>();
  return withIds(f, (id) => ids.get(id) ?? (ids.set(id, randomUUID()), ids.get(id)!));
}

async function send(route: Route, f: InteropFixture, user: TestUser, dev: WebFirestore) {
  if (route === "seed") {
    const res = await seedSync(user.token, { changes: seedChangesOf(f) });
    expect(res.status, JSON.stringify(res.body.error)).to.equal(200);
    return res.body.results as RecordResult[];
  }
  if (route === "watermelon") {
    const res = await api<{ results: RecordResult[] }>(
      "POST",
      "/v1/sync/push?last_pulled_at=null",
      { token: user.token, body: { changes: watermelonChangesOf(f) } },
    );
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.results;
  }
  const batchId = randomUUID();
  await setDoc(doc(dev, "syncBatches", batchId), {
    chw_id: user.uid,
    device_id: "interop-phone",
    changes: seedChangesOf(f),
  });
  const done = await processed(batchId);
  expect(done.status).to.equal("applied");
  return done.results as RecordResult[];
}

function expected(route: Route, f: InteropFixture) {
  if (route === "watermelon") return f.expect_watermelon ?? f.expect;
  return f.expect_seed ?? f.expect;
}

describe("interop fixtures on every route (seed, WatermelonDB, syncBatches)", function () {
  this.timeout(120_000);
  const fixtures = loadFixtures();
  let users: Record<Route, TestUser>;
  let devs: Device[] = [];

  before(async () => {
    users = {
      seed: await createUser("chw", "interop-seed"),
      watermelon: await createUser("chw", "interop-wmdb"),
      outbox: await createUser("chw", "interop-outbox"),
    };
    devs = [await device(users.outbox)];
  });

  after(async () => {
    for (const d of devs) await closeDevice(d);
  });

  for (const route of ["seed", "watermelon", "outbox"] as const) {
    for (const original of fixtures) {
      it(`${original.name} via ${route}`, async () => {
        const f = fresh(original);
        const results = await send(route, f, users[route], devs[0]!.db);
        expect(pinned(results)).to.deep.equal(expected(route, f));

        const db = adminDb();
        for (const r of results) {
          const stored = await db.doc(`${r.table}/${r.id}`).get();
          if (r.outcome === "rejected") {
            expect(stored.exists, `${r.id} rejected but stored`).to.equal(false);
            continue;
          }
          expect(stored.get("chw_id")).to.equal(users[route].uid);
          for (const field of r.ignored_fields ?? []) {
            if (field.startsWith("images[].")) {
              const key = field.slice("images[].".length);
              // The server's own image fields exist; the client's values were not taken.
              if (key === "state") {
                expect(
                  (stored.get("images") as { state: string }[]).map((i) => i.state),
                ).to.not.include("verified");
              }
              continue;
            }
            const sentValue = seedChangesOf(f)[r.table]!.find((x) => x.id === r.id)![field];
            if (
              (SERVER_OWNED_FIELDS as Record<string, readonly string[]>)[r.table]!.includes(field)
            ) {
              // The server's own value stands, never the client's.
              expect(stored.get(field), `${field} taken from the client`).to.not.deep.equal(
                sentValue,
              );
              continue;
            }
            expect(stored.get(field), `${field} stored`).to.equal(undefined);
          }
          for (const bookkeeping of ["sync_status", "_status", "_changed"]) {
            expect(stored.get(bookkeeping)).to.equal(undefined);
          }
        }

        if (f.roundtrip.length === 0) return;
        const sent = seedChangesOf(f);
        const sentMap = (t: string, id: string, field: string) =>
          JSON.stringify(sent[t]!.find((r) => r.id === id)![field]);
        // Seed-format pull: the maps as JSON objects, keys in the order sent.
        const seedPull = await seedSync(users[route].token, { changes: {} });
        // WatermelonDB pull: the maps as JSON-string columns, byte for byte.
        const wmdb = await api<WmdbPull>(
          "GET",
          "/v1/sync/pull?last_pulled_at=null&schema_version=1",
          {
            token: users[route].token,
          },
        );
        for (const { table, id, field } of f.roundtrip) {
          const viaSeed = seedPull.body.server_updates[table]!.find((r) => r.id === id);
          expect(JSON.stringify(viaSeed?.[field]), `${table}/${id} via seed pull`).to.equal(
            sentMap(table, id, field),
          );
          expect(viaSeed).to.not.have.property("key_order");
          const set = wmdb.body.changes[table]!;
          const viaWmdb = [...set.created, ...set.updated].find((r) => r.id === id);
          expect(JSON_COLUMNS[table]).to.include(field);
          expect(viaWmdb?.[field], `${table}/${id} via WatermelonDB pull`).to.equal(
            sentMap(table, id, field),
          );
        }
      });
    }
  }

  it("the seed pull answer carries server_updates.diagnoses with the seed's fields", async () => {
    const user = await createUser("chw", "interop-dx");
    const f = fresh(loadFixtures().find((x) => x.name === "seed-example")!);
    await send("seed", f, user, devs[0]!.db);
    const caseId = String(seedChangesOf(f).cases![0]!.id);
    const doctor = await createUser("doctor");
    // The doctor's route needs the case in the queue: the AI pipeline puts it there.
    const dxId = randomUUID();
    await eventually(
      async () =>
        (await adminDb().doc(`cases/${caseId}`).get()).get("status") === "PENDING_DIAGNOSIS"
          ? true
          : undefined,
      60_000,
    );
    const dx = await api("POST", `/v1/cases/${caseId}/diagnoses`, {
      token: doctor.token,
      body: { id: dxId, diagnosis_text: "Suspected basal cell carcinoma", prescription: "Refer" },
    });
    expect(dx.status, JSON.stringify(dx.body)).to.equal(200);
    const pulled = await seedSync(user.token, { changes: {} });
    const got = pulled.body.server_updates.diagnoses!.find((d) => d.id === dxId);
    expect(got).to.deep.include({
      id: dxId,
      case_id: caseId,
      diagnosis_text: "Suspected basal cell carcinoma",
      prescription: "Refer",
    });
    const kase = pulled.body.server_updates.cases!.find((c) => c.id === caseId);
    expect(kase).to.have.property("status");
    expect(kase).to.have.property("ai_analysis");
  });
});

describe("JSON bodies that are not objects", () => {
  it("answer the coded JSON error on every JSON route, never the host's HTML 400", async () => {
    const chw = await createUser("chw", "interop-scalar");
    const doctor = await createUser("doctor", "interop-scalar");
    const routes: [string, string][] = [
      [chw.token, "/v1/sync"],
      [chw.token, "/v1/sync/push?last_pulled_at=null"],
      [chw.token, `/v1/cases/${randomUUID()}/images`],
      [doctor.token, `/v1/cases/${randomUUID()}/diagnoses`],
    ];
    for (const [token, path] of routes) {
      for (const raw of ["null", "5", '"a string"', "[]", "true"]) {
        const res = await api<{ error?: { code?: string; message?: string } }>("POST", path, {
          token,
          raw,
        });
        expect(res.status, `${path} ${raw}: ${JSON.stringify(res.body)}`).to.be.oneOf([400, 404]);
        expect(res.body.error?.code, `${path} ${raw}`).to.match(/^SYNC_\d{4}$/);
      }
    }
  });
});
