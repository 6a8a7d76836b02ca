import { expect } from "chai";
import { AppError, ErrorCode } from "../errors";
import type { AuthContext, Authenticator, HttpRequest } from "../http/router";
import { withAccountCheck } from "./account-check";
import type { AccountRecord, SessionRecord } from "./account-check";

const req: HttpRequest = {
  method: "GET",
  path: "/",
  query: {},
  headers: {},
  body: undefined,
  requestId: "r",
};

/** One authentication of `req`: the caller it answers, or the AppError it refused with. */
function runner(auth: Authenticator): () => Promise<AuthContext | AppError> {
  return () =>
    auth.authenticate(req).then(
      (a) => a as AuthContext | AppError,
      (e: unknown) => e as AppError,
    );
}

function setup(records: Record<string, AccountRecord | undefined>, caller: AuthContext) {
  let clock = 0;
  let lookups = 0;
  let failing = false;
  const auth = withAccountCheck(
    { authenticate: () => Promise.resolve(caller) },
    (uid) => {
      lookups++;
      return failing ? Promise.reject(new Error("firestore down")) : Promise.resolve(records[uid]);
    },
    { ttlMs: 30_000, now: () => clock },
  );
  return {
    run: runner(auth),
    advance: (ms: number) => (clock += ms),
    lookups: () => lookups,
    fail: () => (failing = true),
  };
}

describe("account check: users/{uid} overrides a stale role claim", () => {
  const chw: AuthContext = { uid: "chw-1", role: "chw" };

  it("passes an enabled account whose role matches the token", async () => {
    const t = setup({ "chw-1": { role: "chw", disabled: false } }, chw);
    expect(await t.run()).to.deep.equal(chw);
  });

  it("refuses a disabled account with 403 although its token is valid", async () => {
    const t = setup({ "chw-1": { role: "chw", disabled: true } }, chw);
    const err = await t.run();
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal(ErrorCode.FORBIDDEN);
  });

  it("refuses a token whose role claim no longer matches the account (demotion)", async () => {
    const t = setup(
      { "doc-1": { role: "chw", disabled: false } },
      { uid: "doc-1", role: "doctor" },
    );
    expect(((await t.run()) as AppError).code).to.equal(ErrorCode.FORBIDDEN);
  });

  it("leaves the claim in charge when there is no users document", async () => {
    const t = setup({}, chw);
    expect(await t.run()).to.deep.equal(chw);
  });

  it("reuses an answer for 30 s, then reads again", async () => {
    const records: Record<string, AccountRecord> = { "chw-1": { role: "chw", disabled: false } };
    const t = setup(records, chw);
    await t.run();
    records["chw-1"] = { role: "chw", disabled: true };
    t.advance(29_000);
    expect(await t.run()).to.deep.equal(chw);
    expect(t.lookups()).to.equal(1);
    t.advance(2_000);
    expect(((await t.run()) as AppError).code).to.equal(ErrorCode.FORBIDDEN);
    expect(t.lookups()).to.equal(2);
  });

  it("fails closed with 503 when the lookup fails", async () => {
    const t = setup({}, chw);
    t.fail();
    const err = (await t.run()) as AppError;
    expect(err.code).to.equal(ErrorCode.UNAVAILABLE);
    expect(err.status).to.equal(503);
    expect(JSON.stringify(err.toJSON())).to.not.contain("firestore down");
  });
});

describe("account check: revoked sessions and disabled Auth accounts (verifyIdToken(token, true))", () => {
  const signedIn = 1_800_000_000; // the token's auth_time, seconds
  const caller: AuthContext = { uid: "chw-1", role: "chw", authTime: signedIn };
  const records = { "chw-1": { role: "chw", disabled: false } };

  function withSessions(session: SessionRecord) {
    let clock = 0;
    let reads = 0;
    const auth = withAccountCheck(
      { authenticate: () => Promise.resolve(caller) },
      (uid) => Promise.resolve(records[uid as "chw-1"]),
      {
        ttlMs: 30_000,
        now: () => clock,
        sessions: () => {
          reads++;
          return Promise.resolve({ ...session });
        },
      },
    );
    return {
      run: runner(auth),
      advance: (ms: number) => (clock += ms),
      reads: () => reads,
      session,
    };
  }

  it("refuses a token signed in before the account's sessions were revoked with 401", async () => {
    const t = withSessions({ disabled: false, revokedAtMs: (signedIn + 5) * 1000 });
    const err = (await t.run()) as AppError;
    expect(err.code).to.equal(ErrorCode.UNAUTHENTICATED);
    expect(err.status).to.equal(401);
  });

  it("passes a token signed in after the revocation, and one of a never-revoked account", async () => {
    expect(
      await withSessions({ disabled: false, revokedAtMs: (signedIn - 5) * 1000 }).run(),
    ).to.deep.equal(caller);
    expect(await withSessions({ disabled: false }).run()).to.deep.equal(caller);
  });

  it("refuses an account disabled in Auth (or deleted) with 403, whatever users/{uid} says", async () => {
    const err = (await withSessions({ disabled: true }).run()) as AppError;
    expect(err.code).to.equal(ErrorCode.FORBIDDEN);
  });

  it("reads Auth with users/{uid}: one lookup per account per 30 s, the stated window", async () => {
    const t = withSessions({ disabled: false });
    await t.run();
    t.session.revokedAtMs = (signedIn + 5) * 1000;
    t.advance(29_000);
    expect(await t.run()).to.deep.equal(caller);
    expect(t.reads()).to.equal(1);
    t.advance(2_000);
    expect(((await t.run()) as AppError).code).to.equal(ErrorCode.UNAUTHENTICATED);
    expect(t.reads()).to.equal(2);
  });
});
