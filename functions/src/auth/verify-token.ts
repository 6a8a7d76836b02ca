import * as jose from "jose";
import { isRole } from "@dermadetect/contract";
import { AppError, ErrorCode } from "../errors";
import type { AuthContext, Authenticator, HttpRequest } from "../http/router";

/** Google's securetoken JWKS: the keys Firebase ID tokens are signed with. */
export const SECURETOKEN_JWKS_URL =
  "https://www.googleapis.com/service_accounts/v1/jwk/securetoken@system.gserviceaccount.com";

/** Clock skew tolerated on exp/iat/auth_time (docs/design.md §4: at most 60 s). */
export const CLOCK_TOLERANCE_S = 60;
/** Firebase ID tokens live one hour; a few minutes more absorbs skew. */
const MAX_TOKEN_AGE = "65m";
/** A Firebase ID token is ~1 KB; anything far larger is not one. */
const MAX_TOKEN_CHARS = 4096;

/** How tokens are checked: production (RS256 via JWKS) or emulator (unsigned, demo- only). */
export interface TokenVerifierOptions {
  projectId: string;
  /** True only when the Auth emulator is configured and the project id starts with `demo-`. */
  emulator: boolean;
  /**
   * Where the signing keys are published; defaults to Google's securetoken JWKS. jose caches
   * the set for 10 minutes and refetches at most every 30 s on an unknown `kid` (it ignores
   * Cache-Control: Google publishes a new key long before signing with it, so a 10-minute cache
   * picks up rotations in time; see docs/decisions/2026-11-access-control.md).
   */
  jwksUrl?: string;
  /** A key source used instead of `jwksUrl` (tests). Its failures count as an outage too. */
  keys?: jose.JWTVerifyGetKey;
  /** Fixed clock for tests. */
  now?: () => Date;
}

const unauthenticated = (message = "Invalid or missing bearer token") =>
  new AppError(ErrorCode.UNAUTHENTICATED, message);

/** Reads `Authorization: Bearer <jwt>`; anything else is 401. */
export function bearerToken(req: Pick<HttpRequest, "headers">): string {
  const header = req.headers.authorization ?? "";
  // The auth scheme is case-insensitive (RFC 9110 §11.1); the token itself is base64url parts.
  const m = /^Bearer ([A-Za-z0-9_\-.]+)$/i.exec(header);
  if (!m?.[1] || m[1].length > MAX_TOKEN_CHARS) throw unauthenticated();
  return m[1];
}

/**
 * Verifies Firebase ID tokens with jose exactly as docs/design.md §4 lists. jose checks alg, kid,
 * signature, iss, aud, exp, iat (via maxTokenAge); `sub` bounds, `auth_time` in the past and the
 * role claim are checked here because jose does not (reference/reliability-security.md §0.1).
 */
export function createTokenVerifier(opts: TokenVerifierOptions): Authenticator & {
  verify(token: string): Promise<AuthContext>;
} {
  const issuer = `https://securetoken.google.com/${opts.projectId}`;
  let keys: jose.JWTVerifyGetKey | undefined;
  const now = opts.now ?? (() => new Date());
  // The claim checks both modes apply; the signed mode adds the algorithm and the key.
  const claimChecks = () => ({
    issuer,
    audience: opts.projectId,
    requiredClaims: ["exp", "iat", "sub", "auth_time"],
    maxTokenAge: MAX_TOKEN_AGE,
    clockTolerance: CLOCK_TOLERANCE_S,
    currentDate: now(),
  });

  async function claimsOf(token: string): Promise<jose.JWTPayload> {
    if (opts.emulator) {
      // Emulator mode trusts only unsigned emulator tokens; an RS256 token is refused without
      // contacting Google (docs/design.md §4).
      let header: jose.ProtectedHeaderParameters;
      try {
        header = jose.decodeProtectedHeader(token);
      } catch {
        throw unauthenticated();
      }
      if (header.alg !== "none") throw unauthenticated();
      try {
        const { payload } = jose.UnsecuredJWT.decode(token, claimChecks());
        return payload;
      } catch {
        throw unauthenticated();
      }
    }
    keys ??= failClosed(
      opts.keys ?? jose.createRemoteJWKSet(new URL(opts.jwksUrl ?? SECURETOKEN_JWKS_URL)),
    );
    // Firebase ID tokens always name their key; a token without `kid` is not one (and jose
    // would otherwise try every key of the set).
    let header: jose.ProtectedHeaderParameters;
    try {
      header = jose.decodeProtectedHeader(token);
    } catch {
      throw unauthenticated();
    }
    if (typeof header.kid !== "string" || header.kid.length === 0) throw unauthenticated();
    try {
      const { payload } = await jose.jwtVerify(token, keys, {
        algorithms: ["RS256"],
        ...claimChecks(),
      });
      return payload;
    } catch (e) {
      // Keys that cannot be fetched must never let a token through, nor look like a bad token.
      if (e instanceof KeysUnavailable) {
        throw new AppError(ErrorCode.AUTH_UNAVAILABLE, "Token keys are unavailable; retry later");
      }
      throw unauthenticated();
    }
  }

  async function verify(token: string): Promise<AuthContext> {
    const claims = await claimsOf(token);
    // jose accepts an `aud` list that merely contains the project; Firebase issues a string.
    if (claims.aud !== opts.projectId) throw unauthenticated();
    const sub = claims.sub;
    if (typeof sub !== "string" || sub.length < 1 || sub.length > 128) throw unauthenticated();
    const nowS = Math.floor(now().getTime() / 1000);
    const authTime = claims.auth_time;
    if (typeof authTime !== "number" || authTime > nowS + CLOCK_TOLERANCE_S) {
      throw unauthenticated();
    }
    if (typeof claims.iat !== "number" || claims.iat > nowS + CLOCK_TOLERANCE_S) {
      throw unauthenticated();
    }
    const role = (claims as { role?: unknown }).role;
    if (!isRole(role)) throw new AppError(ErrorCode.FORBIDDEN, "The account has no role");
    return { uid: sub, role, authTime };
  }

  return { verify, authenticate: (req) => verify(bearerToken(req)) };
}

/** A key source failure that is not about the token: the JWKS could not be fetched or read. */
class KeysUnavailable extends Error {
  constructor(readonly original: unknown) {
    super("signing keys unavailable");
    this.name = "KeysUnavailable";
  }
}

/**
 * Wraps a key source so that every failure except "this token names no (unique) key" becomes
 * KeysUnavailable: a network error, a timeout, a non-200 answer or a malformed key set all fail
 * closed as 503, never as a pass and never as a 401 that would make clients drop their session.
 * jose checks `alg` against the allow-list before it asks for a key, so an unsupported
 * algorithm never reaches here as an outage.
 */
function failClosed(source: jose.JWTVerifyGetKey): jose.JWTVerifyGetKey {
  return async (header, token) => {
    try {
      return await source(header, token);
    } catch (e) {
      if (
        e instanceof jose.errors.JWKSNoMatchingKey ||
        e instanceof jose.errors.JWKSMultipleMatchingKeys ||
        e instanceof jose.errors.JOSENotSupported
      ) {
        throw e;
      }
      throw new KeysUnavailable(e);
    }
  };
}
