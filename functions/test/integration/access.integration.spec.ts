import { expect } from "chai";
import { randomUUID } from "node:crypto";
import type { Role } from "@dermadetect/contract";
import { routes } from "../../src/http/routes";
import type { Route } from "../../src/http/router";
import { account, call, captureLogs } from "./access-helpers";
import type { Account, Answer, LogCapture } from "./access-helpers";

// Function-level authorization of every route of the `api` function, over HTTP on the
// functions emulator: who may call what (docs/design.md §5 route table), that a role in the request
// counts for nothing, that disabled or demoted accounts are refused, and that no token or
// patient value reaches a log line or an error body.

/** The contract: who may call each route. Every route in the table must appear here. */
const SPEC_ROLES: Record<string, readonly Role[] | "public"> = {
  "GET /v1/health": "public",
  "POST /v1/sync": ["chw"],
  "GET /v1/sync/pull": ["chw"],
  "POST /v1/sync/push": ["chw"],
  "POST /v1/cases/:id/images": ["chw"],
  "POST /v1/cases/:id/diagnoses": ["doctor"],
  // Images/diagnoses decision: the doctor queue, also open to admins.
  "GET /v1/cases": ["doctor", "admin"],
  // The clinician console (docs/console-api.md): admins read, only doctors write.
  "GET /v1/cases/:id/review": ["doctor", "admin"],
  "POST /v1/cases/:id/claim": ["doctor"],
  "DELETE /v1/cases/:id/claim": ["doctor"],
  "POST /v1/cases/:id/requests": ["doctor"],
  "GET /v1/reports/turnaround": ["doctor", "admin"],
};

const keyOf = (r: Route) => `${r.method} ${r.path}`;
const concrete = (path: string) => path.replace(/:[a-z_]+/g, () => randomUUID());

type Who = "chw" | "doctor" | "admin" | "noRole" | "anonymous" | "disabledChw" | "demotedDoctor";

/** The status class each caller must get on a route allowing `allowed`. */
function expected(who: Who, allowed: readonly Role[] | "public"): "through" | 401 | 403 {
  if (allowed === "public") return "through";
  if (who === "anonymous") return 401;
  if (who === "noRole" || who === "disabledChw" || who === "demotedDoctor") return 403;
  return allowed.includes(who) ? "through" : 403;
}

describe("api access control (functions emulator)", function () {
  this.timeout(120_000);
  const table = routes();
  const callers = {} as Record<Who, Account | undefined>;
  const tokens: string[] = [];

  before(async () => {
    callers.chw = await account("chw", { role: "chw" });
    callers.doctor = await account("doctor", { role: "doctor" });
    callers.admin = await account("admin", { role: "admin" });
    callers.noRole = await account(undefined);
    callers.anonymous = undefined;
    // Valid tokens whose account was disabled, or demoted from doctor to CHW, after sign-in.
    callers.disabledChw = await account("chw", { role: "chw", disabled: true });
    callers.demotedDoctor = await account("doctor", { role: "chw" });
    for (const c of Object.values(callers)) if (c) tokens.push(c.token);
  });

  it("the route table matches the contract's roles, route by route", () => {
    for (const r of table) {
      expect(SPEC_ROLES, `route ${keyOf(r)} has no row in SPEC_ROLES`).to.have.property(keyOf(r));
      expect(r.roles, keyOf(r)).to.deep.equal(SPEC_ROLES[keyOf(r)]);
    }
  });

  for (const r of table) {
    const allowed = SPEC_ROLES[keyOf(r)] ?? [];
    it(`${keyOf(r)}: ${allowed === "public" ? "public" : allowed.join(", ")}; everyone else 401/403, whatever the body says`, async () => {
      const wrong: string[] = [];
      for (const who of Object.keys(callers) as Who[]) {
        // The request claims the most powerful role everywhere a client could put one.
        const path = `${concrete(r.path)}?role=admin`;
        const res = await call(r.method, path, {
          token: callers[who]?.token,
          body: { role: "admin", claims: { role: "admin" }, auth: { role: "admin" }, uid: "x" },
        });
        const want = expected(who, allowed);
        const ok =
          want === "through" ? res.status !== 401 && res.status !== 403 : res.status === want;
        if (!ok) wrong.push(`${who}: got ${res.status}, want ${want}`);
      }
      expect(wrong).to.deep.equal([]);
    });
  }

  describe("log hygiene: no token or patient value in logs or error bodies", () => {
    const S = `SENTINEL${randomUUID().replace(/-/g, "")}`;
    const sentinels = {
      name: `${S}NAME`,
      village: `${S}VILLAGE`,
      phone: `+999${S.slice(-8)}`,
      notes: `${S}NOTES`,
      diagnosis: `${S}DIAGNOSIS`,
      prescription: `${S}RX`,
      bearer: `${S}TOKEN.${S}.${S}`,
    };
    let logs: LogCapture;
    const answers: Answer[] = [];
    const requestIds: string[] = [];

    const patient = () => ({
      id: randomUUID(),
      demographics: {
        name: sentinels.name,
        sex: "female",
        age_years: 41,
        village: sentinels.village,
        phone: sentinels.phone,
      },
      last_modified_at: Date.now() - 1000,
    });
    const kase = (patientId: string) => ({
      id: randomUUID(),
      patient_id: patientId,
      triage_data: {
        body_site: "arm",
        duration_days: 3,
        symptoms: [sentinels.notes],
        danger_signs: [],
        notes: sentinels.notes,
      },
      risk_level: "RED",
      images: [],
      last_modified_at: Date.now() - 1000,
    });
    /** Bodies every route gets: a valid-looking one full of sentinels, and broken ones. */
    const bodies = () => {
      const p = patient();
      const c = kase(p.id);
      return [
        { last_sync_timestamp: null, changes: { patients: [p], cases: [c] } },
        { changes: { patients: { created: [p], updated: [], deleted: [] } } },
        {
          id: randomUUID(),
          diagnosis_text: sentinels.diagnosis,
          prescription: sentinels.prescription,
        },
        { sha256: sentinels.notes, content_type: sentinels.name, bytes: sentinels.village },
        {
          changes: {
            patients: [{ ...p, demographics: sentinels.name }],
            cases: [{ ...c, risk_level: sentinels.notes }],
          },
        },
        { [sentinels.name]: sentinels.village },
      ];
    };

    before(async () => {
      logs = await captureLogs();
    });
    after(() => logs.stop());

    it("sends sentinel-laden requests through every route, valid and broken", async () => {
      for (const r of table) {
        const allowed = SPEC_ROLES[keyOf(r)] ?? [];
        const who: Who = allowed === "public" ? "chw" : (allowed[0] as Who);
        for (const body of bodies()) {
          for (const auth of [
            { token: callers[who]?.token },
            { authorization: `Bearer ${sentinels.bearer}` },
            { token: callers.noRole?.token },
          ]) {
            const requestId = `acc-${randomUUID()}`;
            requestIds.push(requestId);
            const query = `?last_pulled_at=${sentinels.phone}&schema_version=${sentinels.name}`;
            answers.push(
              await call(r.method, `${concrete(r.path)}${query}`, { ...auth, body, requestId }),
            );
          }
        }
      }
      expect(answers.length).to.equal(table.length * 6 * 3);
    });

    it("the log stream carried these requests (the capture works)", async () => {
      // Function logs reach the stream asynchronously; wait for the last request's line.
      const last = requestIds[requestIds.length - 1] ?? "";
      const until = Date.now() + 15_000;
      while (!logs.lines().some((l) => l.includes(last)) && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 250));
      }
      const seen = requestIds.filter((id) => logs.lines().some((l) => l.includes(id)));
      expect(seen.length, "request ids found in the function logs").to.equal(requestIds.length);
    });

    it("no sentinel and no bearer token appears in any log line", () => {
      const all = logs.lines().join("\n");
      for (const [what, value] of Object.entries(sentinels)) {
        expect(all.includes(value), `${what} sentinel in logs`).to.equal(false);
      }
      expect(all.includes(S), "any sentinel fragment in logs").to.equal(false);
      for (const t of tokens) expect(all.includes(t), "an ID token in logs").to.equal(false);
    });

    it("no error body echoes a sentinel, a token or a stack trace", () => {
      for (const a of answers.filter((x) => x.status >= 400)) {
        expect(a.text.includes(S), `error body ${a.text}`).to.equal(false);
        for (const t of tokens) expect(a.text.includes(t)).to.equal(false);
        expect(a.text).to.not.match(/\bat .+:\d+:\d+\)/);
        expect(a.body)
          .to.have.nested.property("error.code")
          .that.matches(/^SYNC_\d{4}$/);
      }
    });
  });
});
