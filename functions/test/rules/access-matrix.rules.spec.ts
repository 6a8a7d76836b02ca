import { assertFails, assertSucceeds } from "@firebase/rules-unit-testing";
import type { RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { expect } from "chai";
import { ID_PATTERN } from "@dermadetect/contract";
import {
  collection,
  deleteDoc,
  doc,
  getDoc,
  getDocs,
  query,
  setDoc,
  setLogLevel,
  updateDoc,
  where,
} from "firebase/firestore";
import type { DocumentData, Firestore, Query } from "firebase/firestore";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PORTS, PROJECT_ID, ROOT } from "../../../infra/src/stack";
import { fetchRuleCoverage, unevaluatedExpressions } from "./rule-coverage";
import { projectRulesEnv } from "./rules-env";

// The full access matrix of firestore.rules: principal × fixture document × operation. The
// expectations below are the specification (docs/design.md §4–5, issue 4), written independently of
// the rules; every cell is generated from these tables and checked against the emulator.

type Op = "get" | "list" | "create" | "update" | "delete";
const OPS: readonly Op[] = ["get", "list", "create", "update", "delete"];

interface Principal {
  name: string;
  uid: string | undefined;
  claims?: { role?: string };
}

const CHW = "chw-a";
const OTHER_CHW = "chw-b";
const DOCTOR = "doctor-1";
const OTHER_DOCTOR = "doctor-2";
const OFF_CHW = "chw-off";

const PRINCIPALS = {
  chw: { name: "CHW (owner)", uid: CHW, claims: { role: "chw" } },
  otherChw: { name: "other CHW", uid: OTHER_CHW, claims: { role: "chw" } },
  doctor: { name: "doctor", uid: DOCTOR, claims: { role: "doctor" } },
  admin: { name: "admin", uid: "admin-1", claims: { role: "admin" } },
  signedOut: { name: "signed out", uid: undefined },
  noRole: { name: "signed in without role", uid: "norole-1" },
  // Accounts whose `users/{uid}` says disabled, holding unexpired tokens with their old claims:
  // they read nothing but their own account document and write nothing.
  offChw: { name: "disabled CHW", uid: OFF_CHW, claims: { role: "chw" } },
  offDoctor: { name: "disabled doctor", uid: "doctor-off", claims: { role: "doctor" } },
  offAdmin: { name: "disabled admin", uid: "admin-off", claims: { role: "admin" } },
} satisfies Record<string, Principal>;
type Who = keyof typeof PRINCIPALS;

/** A fixture document and who may do what with it. `list` is the owner's natural query. */
interface Target {
  path: string;
  data: DocumentData;
  /** The list query this row tries; `undefined` lists the whole collection. */
  listWhere?: [field: string, value: unknown];
  allow: Partial<Record<Op, readonly Who[]>>;
  /** Data for a create of a fresh document by this principal (defaults to `data`). */
  createData?: (uid: string | undefined) => DocumentData;
}

const validBatch = (uid: string | undefined) => ({
  chw_id: uid ?? "nobody",
  device_id: "device-1",
  changes: { patients: [{ id: "p-new", demographics: {}, last_modified_at: 1 }], cases: [] },
});

const TARGETS: readonly Target[] = [
  {
    path: `users/${CHW}`,
    data: { role: "chw", display_name: "A", email: "a@example.test", disabled: false },
    allow: { get: ["chw", "admin"], list: ["admin"] },
  },
  {
    path: "users/norole-1",
    data: { role: null, display_name: "N", email: "n@example.test", disabled: false },
    allow: { get: ["noRole", "admin"], list: ["admin"] },
  },
  {
    path: `users/${OFF_CHW}`,
    data: { role: "chw", display_name: "Off", email: "off@example.test", disabled: true },
    allow: { get: ["offChw", "admin"], list: ["admin"] },
  },
  {
    path: "users/doctor-off",
    data: { role: "doctor", display_name: "Off", email: "doff@example.test", disabled: true },
    allow: { get: ["offDoctor", "admin"], list: ["admin"] },
  },
  {
    path: "users/admin-off",
    data: { role: "admin", display_name: "Off", email: "aoff@example.test", disabled: true },
    allow: { get: ["offAdmin", "admin"], list: ["admin"] },
  },
  {
    path: "patients/p-off",
    data: { id: "p-off", chw_id: OFF_CHW, review_pending: true, review_doctor_ids: [] },
    listWhere: ["chw_id", OFF_CHW],
    allow: { get: ["doctor", "admin"], list: ["admin"] },
  },
  {
    path: "syncBatches/b-off",
    data: { ...validBatch(OFF_CHW), status: "applied", results: [] },
    listWhere: ["chw_id", OFF_CHW],
    allow: { get: ["admin"], list: ["admin"], create: ["chw", "otherChw"] },
    createData: validBatch,
  },
  {
    path: "patients/p-own",
    data: { id: "p-own", chw_id: CHW, review_pending: false, review_doctor_ids: [] },
    listWhere: ["chw_id", CHW],
    allow: { get: ["chw", "admin"], list: ["chw", "admin"] },
  },
  {
    path: "patients/p-pending",
    data: { id: "p-pending", chw_id: CHW, review_pending: true, review_doctor_ids: [] },
    listWhere: ["review_pending", true],
    allow: { get: ["chw", "doctor", "admin"], list: ["doctor", "admin"] },
  },
  {
    path: "patients/p-diagnosed",
    data: { id: "p-diagnosed", chw_id: CHW, review_pending: false, review_doctor_ids: [DOCTOR] },
    allow: { get: ["chw", "doctor", "admin"], list: ["admin"] },
  },
  {
    path: "patients/p-other-doctor",
    data: {
      id: "p-other-doctor",
      chw_id: OTHER_CHW,
      review_pending: false,
      review_doctor_ids: [OTHER_DOCTOR],
    },
    allow: { get: ["otherChw", "admin"], list: ["admin"] },
  },
  {
    path: "cases/c-triaged",
    data: { id: "c-triaged", chw_id: CHW, status: "TRIAGED", risk_level: "GREEN" },
    listWhere: ["chw_id", CHW],
    allow: { get: ["chw", "admin"], list: ["chw", "admin"] },
  },
  {
    path: "cases/c-pending",
    data: { id: "c-pending", chw_id: CHW, status: "PENDING_DIAGNOSIS", risk_level: "RED" },
    listWhere: ["status", "PENDING_DIAGNOSIS"],
    allow: { get: ["chw", "doctor", "admin"], list: ["doctor", "admin"] },
  },
  {
    path: "cases/c-mine",
    data: { id: "c-mine", chw_id: CHW, status: "DIAGNOSED", doctor_id: DOCTOR },
    listWhere: ["doctor_id", DOCTOR],
    allow: { get: ["chw", "doctor", "admin"], list: ["doctor", "admin"] },
  },
  {
    path: "cases/c-other-doctor",
    data: { id: "c-other-doctor", chw_id: OTHER_CHW, status: "DIAGNOSED", doctor_id: OTHER_DOCTOR },
    listWhere: ["doctor_id", OTHER_DOCTOR],
    allow: { get: ["otherChw", "admin"], list: ["admin"] },
  },
  {
    // A RED case whose AI analysis failed or is overdue: in the console's live queue.
    path: "cases/c-needs-doctor",
    data: {
      id: "c-needs-doctor",
      chw_id: CHW,
      status: "TRIAGED",
      risk_level: "RED",
      needs_doctor: true,
      queue_reason: "AI_OVERDUE",
    },
    listWhere: ["needs_doctor", true],
    allow: { get: ["chw", "doctor", "admin"], list: ["doctor", "admin"] },
  },
  {
    // Waiting for the CHW's answer: out of the queue, not readable by doctors meanwhile.
    path: "cases/c-waiting-chw",
    data: {
      id: "c-waiting-chw",
      chw_id: OTHER_CHW,
      status: "TRIAGED",
      risk_level: "RED",
      needs_doctor: false,
      review_state: "waiting_for_chw",
    },
    listWhere: ["needs_doctor", false],
    allow: { get: ["otherChw", "admin"], list: ["admin"] },
  },
  {
    // Amended by another doctor: the first diagnosing doctor keeps reading it.
    path: "cases/c-amended",
    data: {
      id: "c-amended",
      chw_id: CHW,
      status: "DIAGNOSED",
      doctor_id: OTHER_DOCTOR,
      review_doctor_ids: [DOCTOR, OTHER_DOCTOR],
    },
    listWhere: ["review_doctor_ids", DOCTOR],
    allow: { get: ["chw", "doctor", "admin"], list: ["admin"] },
  },
  {
    path: "diagnoses/d-mine",
    data: { id: "d-mine", case_id: "c-mine", chw_id: CHW, doctor_id: DOCTOR, diagnosis_text: "x" },
    listWhere: ["doctor_id", DOCTOR],
    allow: { get: ["chw", "doctor", "admin"], list: ["doctor", "admin"] },
  },
  {
    path: "diagnoses/d-other",
    data: { id: "d-other", case_id: "c-x", chw_id: OTHER_CHW, doctor_id: OTHER_DOCTOR },
    listWhere: ["chw_id", OTHER_CHW],
    allow: { get: ["otherChw", "admin"], list: ["otherChw", "admin"] },
  },
  {
    path: "syncBatches/b-own",
    data: { ...validBatch(CHW), status: "applied", results: [] },
    listWhere: ["chw_id", CHW],
    allow: { get: ["chw", "admin"], list: ["chw", "admin"], create: ["chw", "otherChw"] },
    createData: validBatch,
  },
  {
    path: `syncScopes/${CHW}`,
    data: { seq: 3, count: 2, hash: "00" },
    allow: { get: ["chw", "admin"], list: ["admin"] },
  },
  {
    path: `syncReceipts/${CHW}__b-own`,
    data: { chw_id: CHW, results: [] },
    listWhere: ["chw_id", CHW],
    allow: { get: ["admin"], list: ["admin"] },
  },
  {
    path: "analysisJobs/c-pending.v1",
    data: { case_id: "c-pending", chw_id: CHW, state: "pending", attempts: 0 },
    listWhere: ["chw_id", CHW],
    allow: { get: ["admin"], list: ["admin"] },
  },
  {
    path: "auditLogs/a-1",
    data: { actor: CHW, role: "chw", action: "sync.push", outcome: "ok" },
    listWhere: ["actor", CHW],
    allow: { get: ["admin"], list: ["admin"] },
  },
];

/** Server-owned fields per collection (docs/design.md §5, data-layout decision): no client writes them. */
const SERVER_FIELDS: Record<string, readonly string[]> = {
  patients: [
    "chw_id",
    "created_at",
    "server_updated_at",
    "server_seq",
    "review_pending",
    "review_doctor_ids",
  ],
  cases: [
    "chw_id",
    "status",
    "ai_analysis",
    "analysis",
    "created_at",
    "server_updated_at",
    "server_seq",
    "content_version",
    "doctor_id",
    "timeline",
    "needs_doctor",
    "needs_doctor_since",
    "queue_reason",
    "review_state",
    "review_claim",
    "info_request",
    "review_doctor_ids",
  ],
  diagnoses: ["chw_id", "doctor_id", "created_at", "server_updated_at", "server_seq"],
  syncBatches: ["status", "results"],
  users: ["role", "disabled"],
  syncScopes: ["seq", "count", "hash"],
};

let env: RulesTestEnvironment;
let fresh = 0;

function dbFor(who: Who): Firestore {
  const p: Principal = PRINCIPALS[who];
  if (p.uid === undefined) return env.unauthenticatedContext().firestore() as unknown as Firestore;
  return env.authenticatedContext(p.uid, p.claims).firestore() as unknown as Firestore;
}

function collectionOf(path: string): string {
  return path.split("/")[0] ?? "";
}

function listQuery(db: Firestore, target: Target): Query {
  const col = collection(db, collectionOf(target.path));
  return target.listWhere ? query(col, where(target.listWhere[0], "==", target.listWhere[1])) : col;
}

function attempt(db: Firestore, who: Who, target: Target, op: Op): Promise<unknown> {
  const col = collectionOf(target.path);
  switch (op) {
    case "get":
      return getDoc(doc(db, target.path));
    case "list":
      return getDocs(listQuery(db, target));
    case "create": {
      const data = target.createData?.(PRINCIPALS[who].uid) ?? {
        ...target.data,
        chw_id: PRINCIPALS[who].uid ?? "nobody",
      };
      return setDoc(doc(db, `${col}/new-${who}-${++fresh}-${Date.now()}`), data);
    }
    case "update":
      return updateDoc(doc(db, target.path), { last_modified_at: Date.now() });
    case "delete":
      return deleteDoc(doc(db, target.path));
  }
}

async function seed(): Promise<void> {
  await env.clearFirestore();
  await env.withSecurityRulesDisabled(async (ctx) => {
    const db = ctx.firestore() as unknown as Firestore;
    for (const t of TARGETS) await setDoc(doc(db, t.path), t.data);
  });
}

describe("firestore.rules: access matrix", () => {
  before(async () => {
    // Every refused write is logged by the SDK as an error; the assertions are what matter here.
    setLogLevel("silent");
    env = await projectRulesEnv();
    await seed();
  });
  after(() => env.cleanup());

  const cells = Object.keys(PRINCIPALS).length * TARGETS.length * OPS.length;
  describe(`${cells} cells: principal × document × operation`, () => {
    for (const who of Object.keys(PRINCIPALS) as Who[]) {
      for (const target of TARGETS) {
        const allowed = OPS.filter((op) => target.allow[op]?.includes(who));
        it(`${PRINCIPALS[who].name} on ${target.path}: ${allowed.join(", ") || "nothing"}`, async () => {
          const db = dbFor(who);
          const wrong: string[] = [];
          // Writes last: a permitted create adds a fresh document and must not disturb the reads.
          for (const op of OPS) {
            const expected = allowed.includes(op);
            try {
              await (expected ? assertSucceeds : assertFails)(attempt(db, who, target, op));
            } catch {
              wrong.push(`${op} should ${expected ? "succeed" : "fail"}`);
            }
          }
          expect(wrong, `${PRINCIPALS[who].name} on ${target.path}`).to.deep.equal([]);
        });
      }
    }
  });

  describe("list queries must carry the owner or assignment constraint", () => {
    const collections = [...new Set(TARGETS.map((t) => collectionOf(t.path)))];
    for (const who of ["chw", "otherChw", "doctor", "signedOut", "noRole"] as const) {
      it(`${PRINCIPALS[who].name}: listing any whole collection fails`, async () => {
        const db = dbFor(who);
        for (const col of collections) await assertFails(getDocs(collection(db, col)));
      });
    }

    it("a CHW querying another CHW's chw_id fails", async () => {
      const db = dbFor("otherChw");
      for (const col of ["patients", "cases", "diagnoses", "syncBatches"]) {
        await assertFails(getDocs(query(collection(db, col), where("chw_id", "==", CHW))));
      }
    });

    it("a doctor querying cases by a status other than PENDING_DIAGNOSIS fails", async () => {
      const db = dbFor("doctor");
      await assertFails(getDocs(query(collection(db, "cases"), where("status", "==", "TRIAGED"))));
      await assertFails(
        getDocs(query(collection(db, "cases"), where("doctor_id", "==", OTHER_DOCTOR))),
      );
    });

    it("a doctor lists the patients of cases they diagnosed with array-contains", async () => {
      const db = dbFor("doctor");
      const q = query(
        collection(db, "patients"),
        where("review_doctor_ids", "array-contains", DOCTOR),
      );
      const snap = await assertSucceeds(getDocs(q));
      expect(snap.docs.map((d) => d.id)).to.deep.equal(["p-diagnosed"]);
      await assertFails(
        getDocs(
          query(
            collection(db, "patients"),
            where("review_doctor_ids", "array-contains", OTHER_DOCTOR),
          ),
        ),
      );
    });
  });

  describe("server-owned fields cannot be written by any client", () => {
    const owners: Record<string, string> = {
      patients: "patients/p-own",
      cases: "cases/c-triaged",
      diagnoses: "diagnoses/d-mine",
      syncBatches: "syncBatches/b-own",
      users: `users/${CHW}`,
      syncScopes: `syncScopes/${CHW}`,
    };
    for (const [col, fields] of Object.entries(SERVER_FIELDS)) {
      for (const field of fields) {
        it(`${col}.${field}: the owning CHW cannot set it on create or update`, async () => {
          const db = dbFor("chw");
          const value = field === "role" ? "admin" : "forged";
          await assertFails(updateDoc(doc(db, owners[col] ?? ""), { [field]: value }));
          const created =
            col === "syncBatches"
              ? { ...validBatch(CHW), [field]: value }
              : { chw_id: CHW, [field]: value };
          await assertFails(setDoc(doc(db, `${col}/forged-${field}-${++fresh}`), created));
        });
      }
    }
  });

  describe("syncBatches: a device creates only well-formed batches of its own", () => {
    const records = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r-${i}` }));
    const ok = (over: DocumentData = {}) => ({ ...validBatch(CHW), ...over });
    const cases: Array<[string, DocumentData, boolean, string?]> = [
      ["a valid batch", ok(), true],
      [
        "500 records (250 + 250)",
        ok({ changes: { patients: records(250), cases: records(250) } }),
        true,
      ],
      ["only cases", ok({ changes: { cases: records(1) } }), true],
      ["501 records", ok({ changes: { patients: records(250), cases: records(251) } }), false],
      ["no records", ok({ changes: { patients: [], cases: [] } }), false],
      ["another CHW's chw_id", ok({ chw_id: OTHER_CHW }), false],
      ["an extra top-level key", ok({ note: "x" }), false],
      ["no device_id", { chw_id: CHW, changes: validBatch(CHW).changes }, false],
      ["no changes", { chw_id: CHW, device_id: "d" }, false],
      ["an empty device_id", ok({ device_id: "" }), false],
      ["a 129-character device_id", ok({ device_id: "d".repeat(129) }), false],
      ["a numeric device_id", ok({ device_id: 7 }), false],
      [
        "a diagnoses change set",
        ok({ changes: { patients: records(1), diagnoses: records(1) } }),
        false,
      ],
      ["patients not a list", ok({ changes: { patients: { a: 1 } } }), false],
      ["changes not a map", ok({ changes: [1] }), false],
      ["an invalid batch id", ok(), false, "bad id!"],
      ["a 129-character batch id", ok(), false, "b".repeat(129)],
      [
        "a 64-character batch id (the id pattern's longest)",
        ok(),
        true,
        `b${Date.now()}`.padEnd(64, "x"),
      ],
      ["a 65-character batch id", ok(), false, "b".repeat(65)],
      ["a batch id starting with an underscore", ok(), false, "_b1"],
      ["the pending marker", ok({ pending: true }), true],
      ["a pending marker other than true", ok({ pending: false }), false],
      ["a string pending marker", ok({ pending: "yes" }), false],
    ];
    for (const [label, data, allowed, id] of cases) {
      it(`${allowed ? "accepts" : "refuses"} ${label}`, async () => {
        const db = dbFor("chw");
        const ref = doc(db, `syncBatches/${id ?? `shape-${++fresh}-${Date.now()}`}`);
        await (allowed ? assertSucceeds : assertFails)(setDoc(ref, data));
      });
    }

    // The stamp `applySync` compares with the account's revocation time: it must be the writing
    // session's own sign-in time, or a device could make a revoked session's batch look fresh.
    it("accepts an auth_time stamp only when it is the writing token's auth_time", async () => {
      const signedInAt = Math.floor(Date.now() / 1000) - 600;
      const db = env
        .authenticatedContext(CHW, { role: "chw", auth_time: signedInAt })
        .firestore() as unknown as Firestore;
      const at = (auth_time: unknown) =>
        setDoc(doc(db, `syncBatches/stamp-${++fresh}-${Date.now()}`), {
          ...validBatch(CHW),
          pending: true,
          auth_time,
        });
      await assertSucceeds(at(signedInAt));
      await assertFails(at(signedInAt + 1));
      await assertFails(at(signedInAt - 3600));
      await assertFails(at(String(signedInAt)));
    });

    it("checks batch ids with the contract's one id pattern, character for character", () => {
      const rules = readFileSync(join(ROOT, "firestore.rules"), "utf8");
      const used = [...rules.matchAll(/batchId\.matches\('([^']*)'\)/g)].map((m) => m[1]);
      expect(used).to.deep.equal([ID_PATTERN]);
    });

    it("refuses overwriting an existing batch (a create on an existing id is an update)", async () => {
      const db = dbFor("chw");
      await assertFails(setDoc(doc(db, "syncBatches/b-own"), validBatch(CHW)));
    });
  });

  // Last: every expression of firestore.rules must have been evaluated by the tests above.
  describe("rule coverage", () => {
    it("evaluated every expression of firestore.rules at least once", async () => {
      const report = await fetchRuleCoverage(PROJECT_ID, PORTS.firestore);
      const missed = unevaluatedExpressions(report);
      console.log(
        `      rule coverage: ${report.total - missed.length}/${report.total} expressions evaluated`,
      );
      expect(report.total, "the report lists the rules' expressions").to.be.greaterThan(50);
      expect(missed, "expressions never evaluated").to.deep.equal([]);
    });
  });
});
