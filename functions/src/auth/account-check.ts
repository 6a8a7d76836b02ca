import { AppError, ErrorCode } from "../errors";
import type { AuthContext, Authenticator, HttpRequest } from "../http/router";

/** What `users/{uid}` says about an account (written by `npm run users`). */
export interface AccountRecord {
  role?: unknown;
  disabled?: unknown;
}

/** Reads `users/{uid}`; undefined when there is no document. */
export type AccountLookup = (uid: string) => Promise<AccountRecord | undefined>;

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
 * docs/decisions/2026-11-access-control.md. A failed lookup fails closed (503).
 */
export function withAccountCheck(
  inner: Authenticator,
  lookup: AccountLookup,
  opts: { ttlMs?: number; now?: () => number } = {},
): Authenticator {
  const ttl = opts.ttlMs ?? ACCOUNT_CACHE_MS;
  const now = opts.now ?? Date.now;
  const cache = new Map<string, { at: number; record: AccountRecord | undefined }>();

  async function recordOf(uid: string): Promise<AccountRecord | undefined> {
    const hit = cache.get(uid);
    if (hit && now() - hit.at < ttl) return hit.record;
    let record: AccountRecord | undefined;
    try {
      record = await lookup(uid);
    } catch (e) {
      throw new AppError(ErrorCode.UNAVAILABLE, "Account status is unavailable; retry later", {
        original: e,
      });
    }
    // Bounded memory: an instance serving many accounts starts over rather than growing.
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(uid, { at: now(), record });
    return record;
  }

  return {
    async authenticate(req: HttpRequest): Promise<AuthContext> {
      const auth = await inner.authenticate(req);
      const record = await recordOf(auth.uid);
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
