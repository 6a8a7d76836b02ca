import { expect } from "chai";
import * as jose from "jose";
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AppError, ErrorCode } from "../errors";
import { isEmulatorAuthMode } from "../config";
import { bearerToken, createTokenVerifier } from "./verify-token";

// Every token here is signed with a locally generated RS256 key served as a JWKS by an HTTP
// server on loopback, so the real jose remote-JWKS path (fetch, cache, refetch) is exercised.

const PROJECT = "demo-tokens";
const ISS = `https://securetoken.google.com/${PROJECT}`;
const NOW_S = 1_800_000_000;
const now = () => new Date(NOW_S * 1000);
const KID = "test-key-1";

interface JwksServer {
  url: string;
  hits: () => number;
  mode: (m: "ok" | "500" | "garbage") => void;
  close: () => Promise<void>;
}

async function serveJwks(jwks: jose.JSONWebKeySet): Promise<JwksServer> {
  let hits = 0;
  let mode: "ok" | "500" | "garbage" = "ok";
  const server: Server = createServer((_req, res) => {
    hits++;
    if (mode === "500") {
      res.writeHead(500).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(mode === "garbage" ? JSON.stringify({ keys: "not-a-list" }) : JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks`,
    hits: () => hits,
    mode: (m) => (mode = m),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function claims(over: Record<string, unknown> = {}): jose.JWTPayload {
  return {
    iss: ISS,
    aud: PROJECT,
    sub: "chw-1",
    user_id: "chw-1",
    iat: NOW_S - 100,
    exp: NOW_S + 3500,
    auth_time: NOW_S - 200,
    role: "chw",
    firebase: { sign_in_provider: "password", identities: {} },
    ...over,
  };
}

/** Removes the named claims (undefined values would still be serialised as absent). */
function without(...names: string[]): jose.JWTPayload {
  const c = claims();
  for (const n of names) delete c[n];
  return c;
}

describe("verify-token: Firebase ID tokens with jose", () => {
  let signingKey: jose.CryptoKey;
  let strangerKey: jose.CryptoKey;
  let jwks: JwksServer;

  const sign = (payload: jose.JWTPayload, header: Partial<jose.JWTHeaderParameters> = {}) =>
    new jose.SignJWT(payload)
      .setProtectedHeader({ alg: "RS256", kid: KID, ...header })
      .sign(signingKey);

  const verifier = (over: Partial<Parameters<typeof createTokenVerifier>[0]> = {}) =>
    createTokenVerifier({ projectId: PROJECT, emulator: false, jwksUrl: jwks.url, now, ...over });

  async function codeOf(p: Promise<unknown>): Promise<string> {
    try {
      await p;
    } catch (e) {
      if (e instanceof AppError) return e.code;
      throw e;
    }
    return "accepted";
  }

  before(async () => {
    const pair = await jose.generateKeyPair("RS256", { extractable: true });
    signingKey = pair.privateKey;
    strangerKey = (await jose.generateKeyPair("RS256")).privateKey;
    const publicJwk = await jose.exportJWK(pair.publicKey);
    const otherPublic = await jose.exportJWK(
      (await jose.generateKeyPair("RS256", { extractable: true })).publicKey,
    );
    jwks = await serveJwks({
      keys: [
        { ...publicJwk, kid: KID, alg: "RS256", use: "sig" },
        { ...otherPublic, kid: "test-key-2", alg: "RS256", use: "sig" },
      ],
    });
  });
  after(() => jwks.close());
  beforeEach(() => jwks.mode("ok"));

  it("accepts a well-formed token and takes uid and role from it", async () => {
    const auth = await verifier().verify(await sign(claims({ role: "doctor", sub: "doc-9" })));
    // The session's sign-in time travels on, for the revocation checks.
    expect(auth).to.deep.equal({ uid: "doc-9", role: "doctor", authTime: NOW_S - 200 });
  });

  // Each row breaks exactly one rule of docs/design.md §4; each must be refused on its own.
  const refused: Array<[string, () => Promise<string>, ErrorCode]> = [
    [
      "alg none",
      () => Promise.resolve(new jose.UnsecuredJWT(claims()).encode()),
      ErrorCode.UNAUTHENTICATED,
    ],
    [
      "HS256 with a shared secret",
      () =>
        new jose.SignJWT(claims())
          .setProtectedHeader({ alg: "HS256", kid: KID })
          .sign(new TextEncoder().encode("a-shared-secret-of-thirty-two-bytes!")),
      ErrorCode.UNAUTHENTICATED,
    ],
    ["an unknown kid", () => sign(claims(), { kid: "no-such-key" }), ErrorCode.UNAUTHENTICATED],
    [
      "no kid",
      () => new jose.SignJWT(claims()).setProtectedHeader({ alg: "RS256" }).sign(signingKey),
      ErrorCode.UNAUTHENTICATED,
    ],
    [
      "a bad signature (another key, known kid)",
      () =>
        new jose.SignJWT(claims()).setProtectedHeader({ alg: "RS256", kid: KID }).sign(strangerKey),
      ErrorCode.UNAUTHENTICATED,
    ],
    [
      "a tampered payload",
      async () => {
        const [h, , s] = (await sign(claims())).split(".");
        const forged = Buffer.from(JSON.stringify(claims({ role: "admin" }))).toString("base64url");
        return `${h}.${forged}.${s}`;
      },
      ErrorCode.UNAUTHENTICATED,
    ],
    ["a wrong aud", () => sign(claims({ aud: "another-project" })), ErrorCode.UNAUTHENTICATED],
    [
      "aud as a list that also names the project",
      () => sign(claims({ aud: [PROJECT, "another-project"] })),
      ErrorCode.UNAUTHENTICATED,
    ],
    [
      "a wrong iss",
      () => sign(claims({ iss: "https://securetoken.google.com/another-project" })),
      ErrorCode.UNAUTHENTICATED,
    ],
    ["expired 61 s ago", () => sign(claims({ exp: NOW_S - 61 })), ErrorCode.UNAUTHENTICATED],
    ["iat 61 s in the future", () => sign(claims({ iat: NOW_S + 61 })), ErrorCode.UNAUTHENTICATED],
    [
      "iat older than the token lifetime",
      () => sign(claims({ iat: NOW_S - 7200 })),
      ErrorCode.UNAUTHENTICATED,
    ],
    [
      "auth_time 61 s in the future",
      () => sign(claims({ auth_time: NOW_S + 61 })),
      ErrorCode.UNAUTHENTICATED,
    ],
    ["no exp", () => sign(without("exp")), ErrorCode.UNAUTHENTICATED],
    ["no iat", () => sign(without("iat")), ErrorCode.UNAUTHENTICATED],
    ["no auth_time", () => sign(without("auth_time")), ErrorCode.UNAUTHENTICATED],
    ["no sub", () => sign(without("sub")), ErrorCode.UNAUTHENTICATED],
    ["an empty sub", () => sign(claims({ sub: "" })), ErrorCode.UNAUTHENTICATED],
    [
      "a 129-character sub",
      () => sign(claims({ sub: "u".repeat(129) })),
      ErrorCode.UNAUTHENTICATED,
    ],
    [
      "a Firebase custom token (signed with a known key)",
      () =>
        sign({
          iss: "firebase-adminsdk@demo-tokens.iam.gserviceaccount.com",
          sub: "firebase-adminsdk@demo-tokens.iam.gserviceaccount.com",
          aud: "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit",
          uid: "chw-1",
          iat: NOW_S - 10,
          exp: NOW_S + 3000,
          claims: { role: "admin" },
        }),
      ErrorCode.UNAUTHENTICATED,
    ],
    ["no role claim", () => sign(without("role")), ErrorCode.FORBIDDEN],
    ["an unknown role", () => sign(claims({ role: "superuser" })), ErrorCode.FORBIDDEN],
  ];
  for (const [label, make, code] of refused) {
    it(`refuses ${label} (${code})`, async () => {
      expect(await codeOf(verifier().verify(await make()))).to.equal(code);
    });
  }

  it("tolerates at most 60 s of clock skew, at both edges", async () => {
    const v = verifier();
    expect(await codeOf(v.verify(await sign(claims({ exp: NOW_S - 59 }))))).to.equal("accepted");
    expect(await codeOf(v.verify(await sign(claims({ iat: NOW_S + 59 }))))).to.equal("accepted");
    expect(await codeOf(v.verify(await sign(claims({ auth_time: NOW_S + 59 }))))).to.equal(
      "accepted",
    );
    expect(await codeOf(v.verify(await sign(claims({ sub: "u".repeat(128) }))))).to.equal(
      "accepted",
    );
  });

  it("fetches the key set once for a burst of unknown kids (jose cooldown)", async () => {
    const v = verifier();
    await v.verify(await sign(claims()));
    const before = jwks.hits();
    for (const kid of ["x1", "x2", "x3"]) {
      expect(await codeOf(v.verify(await sign(claims(), { kid })))).to.equal(
        ErrorCode.UNAUTHENTICATED,
      );
    }
    expect(jwks.hits() - before).to.be.at.most(1);
  });

  it("fails closed with 503 when the key set answers 500", async () => {
    jwks.mode("500");
    const err = await verifier()
      .verify(await sign(claims()))
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(AppError);
    expect((err as AppError).code).to.equal(ErrorCode.AUTH_UNAVAILABLE);
    expect((err as AppError).status).to.equal(503);
  });

  it("fails closed with 503 when the key set is malformed", async () => {
    jwks.mode("garbage");
    expect(await codeOf(verifier().verify(await sign(claims())))).to.equal(
      ErrorCode.AUTH_UNAVAILABLE,
    );
  });

  it("fails closed with 503 when the key server is unreachable", async () => {
    const gone = await serveJwks({ keys: [] });
    await gone.close();
    const v = verifier({ jwksUrl: gone.url });
    expect(await codeOf(v.verify(await sign(claims())))).to.equal(ErrorCode.AUTH_UNAVAILABLE);
  });

  it("refuses an unsigned token in production mode without fetching keys", async () => {
    const before = jwks.hits();
    const token = new jose.UnsecuredJWT(claims()).encode();
    expect(await codeOf(verifier().verify(token))).to.equal(ErrorCode.UNAUTHENTICATED);
    expect(jwks.hits()).to.equal(before);
  });

  describe("emulator mode", () => {
    const emulator = () => verifier({ emulator: true });

    it("accepts an unsigned Auth-emulator token", async () => {
      const token = new jose.UnsecuredJWT(claims({ sub: "chw-7" })).encode();
      expect(await emulator().verify(token)).to.deep.equal({
        uid: "chw-7",
        role: "chw",
        authTime: NOW_S - 200,
      });
    });

    it("still checks iss, aud, expiry and sub on emulator tokens", async () => {
      for (const bad of [
        claims({ aud: "x" }),
        claims({ iss: "x" }),
        claims({ exp: NOW_S - 61 }),
        claims({ sub: "" }),
        without("auth_time"),
      ]) {
        const token = new jose.UnsecuredJWT(bad).encode();
        expect(await codeOf(emulator().verify(token))).to.equal(ErrorCode.UNAUTHENTICATED);
      }
    });

    it("refuses a valid RS256 token without contacting the key server", async () => {
      const before = jwks.hits();
      expect(await codeOf(emulator().verify(await sign(claims())))).to.equal(
        ErrorCode.UNAUTHENTICATED,
      );
      expect(jwks.hits()).to.equal(before);
    });
  });

  describe("emulator mode is only ever on for a demo- project with the Auth emulator", () => {
    const saved = { ...process.env };
    afterEach(() => {
      for (const k of ["FIREBASE_AUTH_EMULATOR_HOST", "GCLOUD_PROJECT", "GOOGLE_CLOUD_PROJECT"]) {
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      }
    });
    const cases: Array<[string | undefined, string, boolean]> = [
      ["127.0.0.1:9099", "demo-dermadetect", true],
      ["127.0.0.1:9099", "dermadetect-prod", false],
      [undefined, "demo-dermadetect", false],
      [undefined, "dermadetect-prod", false],
    ];
    for (const [host, project, want] of cases) {
      it(`auth emulator ${host ? "set" : "unset"}, project ${project}: ${want ? "on" : "off"}`, () => {
        if (host) process.env.FIREBASE_AUTH_EMULATOR_HOST = host;
        else delete process.env.FIREBASE_AUTH_EMULATOR_HOST;
        process.env.GCLOUD_PROJECT = project;
        expect(isEmulatorAuthMode()).to.equal(want);
      });
    }
  });

  describe("bearer header", () => {
    const req = (authorization?: string) => ({ headers: { authorization } });
    it("reads `Bearer <jwt>` (scheme case-insensitive)", () => {
      expect(bearerToken(req("Bearer a.b.c"))).to.equal("a.b.c");
      expect(bearerToken(req("bearer a.b.c"))).to.equal("a.b.c");
    });
    it("refuses a missing, non-bearer or oversize header without echoing it", () => {
      const huge = `Bearer ${"a".repeat(5000)}.b.c`;
      for (const h of [undefined, "", "Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", huge]) {
        let caught: unknown;
        try {
          bearerToken(req(h));
        } catch (e) {
          caught = e;
        }
        expect(caught).to.be.instanceOf(AppError);
        expect((caught as AppError).status).to.equal(401);
        expect(JSON.stringify((caught as AppError).toJSON())).to.not.contain("dXNlcjpwYXNz");
      }
    });
  });
});
