import { expect } from "chai";
import { Database, Model, Q, appSchema, tableSchema } from "@nozbe/watermelondb";
import LokiJSAdapter from "@nozbe/watermelondb/adapters/lokijs";
import { synchronize } from "@nozbe/watermelondb/sync";
import type { SyncDatabaseChangeSet } from "@nozbe/watermelondb/sync";
import { manifestOf } from "@dermadetect/contract";
import type { Manifest } from "@dermadetect/contract";
import { adminDb, api, createUser } from "./sync-helpers";
import type { TestUser } from "./sync-helpers";

/*
 * The real WatermelonDB client (synchronize() with the LokiJS adapter, in memory under Node)
 * syncing two devices of one CHW through GET /v1/sync/pull and POST /v1/sync/push.
 */

const schema = appSchema({
  version: 1,
  tables: [
    tableSchema({
      name: "patients",
      columns: [
        { name: "demographics", type: "string" },
        { name: "last_modified_at", type: "number" },
        { name: "server_seq", type: "number", isOptional: true },
      ],
    }),
    tableSchema({
      name: "cases",
      columns: [
        { name: "patient_id", type: "string", isIndexed: true },
        { name: "triage_data", type: "string" },
        { name: "risk_level", type: "string" },
        { name: "images", type: "string" },
        { name: "last_modified_at", type: "number" },
        { name: "status", type: "string", isOptional: true },
        { name: "analysis", type: "string", isOptional: true },
        { name: "content_version", type: "number", isOptional: true },
        { name: "server_seq", type: "number", isOptional: true },
      ],
    }),
    tableSchema({
      name: "diagnoses",
      columns: [
        { name: "case_id", type: "string" },
        { name: "diagnosis_text", type: "string" },
        { name: "server_seq", type: "number", isOptional: true },
      ],
    }),
  ],
});

class Patient extends Model {
  static table = "patients";
}
class Case extends Model {
  static table = "cases";
}
class Diagnosis extends Model {
  static table = "diagnoses";
}

/** One simulated phone: its own in-memory database, syncing as the CHW. */
class Device {
  readonly db: Database;
  manifest: Manifest | undefined;
  pushResults: { outcome: string; reason?: string }[] = [];

  constructor(
    readonly user: TestUser,
    name: string,
  ) {
    const adapter = new LokiJSAdapter({
      schema,
      dbName: name,
      useWebWorker: false,
      useIncrementalIndexedDB: false,
    });
    this.db = new Database({ adapter, modelClasses: [Patient, Case, Diagnosis] });
  }

  async sync(): Promise<void> {
    for (let round = 0; round < 20; round++) {
      let more = false;
      await synchronize({
        database: this.db,
        pullChanges: async ({ lastPulledAt, schemaVersion }) => {
          const res = await api<{
            changes: SyncDatabaseChangeSet;
            timestamp: number;
            manifest: Manifest;
            has_more: boolean;
          }>(
            "GET",
            `/v1/sync/pull?last_pulled_at=${lastPulledAt ?? "null"}&schema_version=${schemaVersion}`,
            { token: this.user.token },
          );
          if (res.status !== 200) throw new Error(`pull ${res.status}`);
          this.manifest = res.body.manifest;
          more = res.body.has_more;
          return { changes: res.body.changes, timestamp: res.body.timestamp };
        },
        pushChanges: async ({ changes, lastPulledAt }) => {
          const res = await api<{ results: { outcome: string; reason?: string }[] }>(
            "POST",
            `/v1/sync/push?last_pulled_at=${lastPulledAt}`,
            { token: this.user.token, body: { changes } },
          );
          if (res.status !== 200) throw new Error(`push ${res.status}`);
          this.pushResults.push(...res.body.results);
        },
      });
      if (!more) return;
    }
  }

  async raw(table: string): Promise<Record<string, unknown>[]> {
    const all = await this.db
      .get(table)
      .query(Q.where("id", Q.notEq(null)))
      .fetch();
    return all.map((r) => r._raw as unknown as Record<string, unknown>);
  }

  async find(table: string, id: string): Promise<Record<string, unknown> | undefined> {
    return (await this.raw(table)).find((r) => r.id === id);
  }

  /** The manifest of what this device holds, from each record's server_seq. */
  async localManifest(): Promise<Manifest> {
    const entries = [];
    for (const table of ["patients", "cases", "diagnoses"]) {
      for (const r of await this.raw(table)) {
        entries.push({ collection: table, id: String(r.id), serverSeq: Number(r.server_seq) });
      }
    }
    return manifestOf(entries);
  }
}

const demographics = (age: number) =>
  JSON.stringify({ name: "Wm Patient", sex: "female", age_years: age, village: "Loki" });

describe("WatermelonDB synchronize() against the sync endpoints (two devices)", () => {
  let a: Device;
  let b: Device;

  before(async () => {
    const user = await createUser("chw");
    a = new Device(user, `a-${user.uid}`);
    b = new Device(user, `b-${user.uid}`);
  });

  it("creates, edits and deletes across devices without resurrection, and the manifests agree", async () => {
    let patientId = "";
    let caseId = "";
    const t0 = Date.now() - 60_000;
    await a.db.write(async () => {
      const p = await a.db.get<Patient>("patients").create((r) => {
        const raw = r._raw as unknown as Record<string, unknown>;
        raw.demographics = demographics(30);
        raw.last_modified_at = t0;
      });
      patientId = p.id;
      const c = await a.db.get<Case>("cases").create((r) => {
        const raw = r._raw as unknown as Record<string, unknown>;
        raw.patient_id = p.id;
        raw.triage_data = JSON.stringify({
          body_site: "neck",
          duration_days: 4,
          symptoms: [],
          danger_signs: ["bleeding"],
        });
        raw.risk_level = "RED";
        raw.images = "[]";
        raw.last_modified_at = t0;
      });
      caseId = c.id;
    });
    await a.sync();
    expect(a.pushResults.map((r) => r.outcome)).to.deep.equal(["applied", "applied"]);

    // Device B receives both, with the server's fields (status, analysis, server_seq).
    await b.sync();
    const bCase = await b.find("cases", caseId);
    expect(bCase).to.deep.include({ status: "TRIAGED", risk_level: "RED", content_version: 1 });
    expect(JSON.parse(String(bCase!.analysis))).to.deep.include({ state: "queued" });

    // B edits the patient; A pulls the edit.
    await b.db.write(async () => {
      const p = await b.db.get<Patient>("patients").find(patientId);
      await p.update((r) => {
        r._setRaw("demographics", demographics(31));
        r._setRaw("last_modified_at", Date.now());
      });
    });
    await b.sync();
    await a.sync();
    const aPatient = await a.find("patients", patientId);
    const demo = JSON.parse(String(aPatient!.demographics)) as { age_years: number };
    expect(demo.age_years).to.equal(31);

    // A deletes the case while B edits it offline; the delete wins everywhere.
    await a.db.write(async () => {
      await (await a.db.get<Case>("cases").find(caseId)).markAsDeleted();
    });
    await b.db.write(async () => {
      const c = await b.db.get<Case>("cases").find(caseId);
      await c.update((r) => {
        r._setRaw("risk_level", "YELLOW");
        r._setRaw("last_modified_at", Date.now() + 1000);
      });
    });
    await a.sync();
    await b.sync();
    await b.sync();
    await a.sync();
    expect(await a.find("cases", caseId)).to.equal(undefined);
    expect(await b.find("cases", caseId)).to.equal(undefined);
    const stored = (await adminDb().doc(`cases/${caseId}`).get()).data()!;
    expect(stored.deleted_at).to.be.a("number");
    expect(stored.risk_level).to.equal("RED"); // B's offline edit never landed on the tombstone

    // Both devices hold exactly the scope: their manifests equal the server's.
    await a.sync();
    await b.sync();
    expect(await a.localManifest()).to.deep.equal(a.manifest);
    expect(await b.localManifest()).to.deep.equal(b.manifest);
    expect(a.manifest!.count).to.equal(1);
  });
});
