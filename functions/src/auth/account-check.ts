import { AppError, ErrorCode } from "../errors";
import type { AuthContext, Authenticator, HttpRequest } from "../http/router";

/** What `users/{uid}` says about an account (written by `npm run users`). */
export interface AccountRecord {
  role?: unknown;
  disabled?: unknown;
}

/** Reads `users/{uid}`; undefined when there is no document. */
export type AccountLookup = (uid: string) => Promise<AccountRecord | undefined>;

/** What Auth says about an account's sessions. */
export interface SessionRecord {
  /** The Auth account is disabled (or gone). */
  disabled: boolean;
  /** When its sessions were last revoked (`tokensValidAfterTime`, ms); undefined if never. */
  revokedAtMs?: number;
}

/** Reads the Auth account; `{disabled: true}` when it no longer exists. */
export type SessionLookup = (uid: string) => Promise<SessionRecord>;

/** How long a `users/{uid}` answer is reused: the longest a demotion or disable takes to bite. */
export const ACCOUNT_CACHE_MS = 30_000;
const MAX_CACHED = 5_000;

/**
 * A role claim lives in the ID token for up to an hour after an admin changes it, and a
 * disabled account's existing tokens stay valid until they expire (reference §1.2). For PHI
 * that is too long, so after the token is verified the caller's `users/{uid}` document is
 * checked too (cached for 30 s per instance): `disabled: true`, or a role other than the
 * token's, is 403. No document at all leaves the claim in charge, because the role claim itself
 * can only be set with the Admin SDK and `npm run users` always writes both; see
 * docs/decisions/2026-11-access-control.md. A failed lookup fails closed (503). With `sessions`,
 * the Auth account is read with it: disabled there is 403 too, and a token signed in before the
 * account's sessions were revoked is 401, so a revocation bites within the same 30 s.
 */
export function withAccountCheck(
  inner: Authenticator,
  lookup: AccountLookup,
  opts: { ttlMs?: number; now?: () => number; sessions?: SessionLookup } = {},
): Authenticator {
  const ttl = opts.ttlMs ?? ACCOUNT_CACHE_MS;
  const now = opts.now ?? Date.now;
  type Entry = { record: AccountRecord | undefined; session: SessionRecord | undefined };
  const cache = new Map<string, { at: number } & Entry>();

  async function recordOf(uid: string): Promise<Entry> {
    const hit = cache.get(uid);
    if (hit && now() - hit.at < ttl) return hit;
    let entry: Entry;
    try {
      const [record, session] = await Promise.all([lookup(uid), opts.sessions?.(uid)]);
      entry = { record, session };
    } catch (e) {
      throw new AppError(ErrorCode.UNAVAILABLE, "Account status is unavailable; retry later", {
        original: e,
      });
    }
    // Bounded memory: an instance serving many accounts starts over rather than growing.
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(uid, { at: now(), ...entry });
    return entry;
  }

  return {
    async authenticate(req: HttpRequest): Promise<AuthContext> {
      const auth = await inner.authenticate(req);
      const { record, session } = await recordOf(auth.uid);
      // What `verifyIdToken(token, true)` checks, from the same 30 s cache: a token whose
      // sign-in predates the account's last revocation (`npm run users -- disable`/`set-role`,
      // or any revokeRefreshTokens) is refused although it has not expired.
      if (session?.disabled === true) {
        throw new AppError(ErrorCode.FORBIDDEN, "The account is disabled");
      }
      if (
        session?.revokedAtMs !== undefined &&
        (auth.authTime === undefined || auth.authTime * 1000 < session.revokedAtMs)
      ) {
        throw new AppError(ErrorCode.UNAUTHENTICATED, "The session was revoked; sign in again");
      }
      if (record === undefined) return auth;
      if (record.disabled === true) {
        throw new AppError(ErrorCode.FORBIDDEN, "The account is disabled");
      }
      if (record.role !== auth.role) {
        throw new AppError(ErrorCode.FORBIDDEN, "The account's role has changed; sign in again");
      }
      return auth;
    },
  };
}

/**
 * When an Auth user's sessions were revoked. Auth sets `tokensValidAfterTime` when the account
 * is created too, so only a time after the creation second is a revocation (a revocation within
 * the account's first second goes unseen, when it has no session to revoke).
 */
export function revocationOf(user: {
  tokensValidAfterTime?: string;
  metadata: { creationTime: string };
}): { revokedAtMs?: number } {
  const validAfter = user.tokensValidAfterTime ? Date.parse(user.tokensValidAfterTime) : NaN;
  const created = Date.parse(user.metadata.creationTime);
  if (!Number.isFinite(validAfter)) return {};
  // Auth keeps whole seconds: at creation the valid-after time is the creation second.
  if (Number.isFinite(created) && validAfter <= Math.floor(created / 1000) * 1000) return {};
  return { revokedAtMs: validAfter };
}
