import { getAuth } from "firebase-admin/auth";
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { onDocumentCreatedWithAuthContext } from "firebase-functions/v2/firestore";
import type { FirestoreAuthEvent, QueryDocumentSnapshot } from "firebase-functions/v2/firestore";
import type { SyncBatchDoc } from "@dermadetect/contract";
import { adminApp, db } from "../adapters/firebase";
import { firestoreSyncStore } from "../adapters/sync-store";
import { isRetryable } from "../domain/retry";
import type { SyncStore } from "../domain/sync-store";
import { AppError, ErrorCode, toAppError } from "../errors";
import { errorName, log } from "../logger";
import { revocationOf } from "../auth/account-check";
import { checkEnvelope, receiveBatch } from "../sync/sync-core";

/*
 * The Firestore route (docs/architecture.md): a device creates `syncBatches/{batch_id}` with exactly
 * `{chw_id, device_id, changes}` (works offline through the SDK's queue); this trigger applies
 * it through the same core as the HTTPS routes, which writes `status`, `results` and
 * `expire_at` onto the document in the same commit as the records: the document is the batch's
 * receipt. It is a create trigger, so that update never re-triggers it; a redelivery finds the
 * outcome on the document and writes nothing.
 */

/** How long processed batch documents are kept before the TTL policy on `expire_at` removes them. */
export const BATCH_RETENTION_MS = 30 * 24 * 3600_000;

/**
 * Largest batch document (as JSON) whose outcome is written onto it in the apply commit: the
 * results (up to ~300 bytes a record) must fit with the records under Firestore's 1 MiB
 * document limit. A larger one keeps a separate receipt and gets its outcome written after.
 */
const OUTCOME_IN_COMMIT_MAX_BYTES = 1_048_576 - 200 * 1024;
const RESULT_BYTES_PER_RECORD = 300;

/** Whether the outcome of this batch document fits onto it (see OUTCOME_IN_COMMIT_MAX_BYTES). */
function outcomeFits(doc: unknown, changes: SyncBatchDoc["changes"]): boolean {
  const records = (changes.patients?.length ?? 0) + (changes.cases?.length ?? 0);
  return (
    Buffer.byteLength(JSON.stringify(doc)) + records * RESULT_BYTES_PER_RECORD <=
    OUTCOME_IN_COMMIT_MAX_BYTES
  );
}

/** What the Firestore emulator (gcloud 2025-06) puts in `authid` for every write. */
export const EMULATOR_PLACEHOLDER_AUTH_ID = "fake-auth-id@gmail.com";

/** The parts of the trigger event the handler uses (plain data, so tests can build one). */
export interface SyncBatchEvent {
  batchId: string;
  data: unknown;
  /** Who wrote the document, from the event's auth context. */
  authType: string | undefined;
  authId: string | undefined;
  /** When Firestore created the document (server time); undefined only in hand-made events. */
  createdAtMs?: number;
  /**
   * True when the stranded-batch sweeper re-drives a document whose trigger never ran: there is
   * no event, so no writer identity. The security rules admitted the document only with
   * `chw_id == request.auth.uid`; server code never writes `syncBatches`.
   */
  redrive?: boolean;
}

/** The standing of an account when a batch is applied. */
export interface AccountStanding {
  /** The role claim; undefined when none. */
  role: string | undefined;
  /** Disabled in Auth or in `users/{uid}`. */
  disabled: boolean;
  /**
   * When the account's sessions were last revoked (`tokensValidAfterTime`, e.g. by
   * `npm run users -- disable` or `set-role`); undefined when they never were.
   */
  revokedAtMs?: number;
}

/** Firebase ID tokens live one hour; with skew, no token minted before a revocation outlives this. */
export const ID_TOKEN_LIFETIME_MS = 65 * 60_000;

/**
 * Whether a batch may have been written by a session revoked before it is applied. A batch
 * stamped with its session's `auth_time` (the rules check the stamp is the writing token's) is
 * revoked when that sign-in predates the revocation, the rule the Admin SDK's
 * `verifyIdToken(token, true)` applies. Older apps stamp nothing: a batch they wrote before the
 * revocation came from a valid token, one written more than a token lifetime after it came from a
 * new sign-in, and one in between cannot be told apart, so it is refused with a code (kept in
 * the document, resendable after signing in), never applied and never dropped.
 */
export function sessionRevoked(
  batch: { authTimeS?: number; createdAtMs: number },
  revokedAtMs: number | undefined,
): "revoked" | "unknown-session" | undefined {
  if (revokedAtMs === undefined) return undefined;
  if (batch.authTimeS !== undefined) {
    return batch.authTimeS * 1000 < revokedAtMs ? "revoked" : undefined;
  }
  const sinceRevocation = batch.createdAtMs - revokedAtMs;
  return sinceRevocation >= 0 && sinceRevocation < ID_TOKEN_LIFETIME_MS
    ? "unknown-session"
    : undefined;
}

/** What the handler needs from the outside world. */
export interface SyncBatchDeps {
  /** Where the batch is applied (the same core and store as the HTTPS routes). */
  store: SyncStore;
  /**
   * The standing of a user: the role claim (undefined when none), and whether the account is
   * disabled in Auth or in its `users/{uid}` document. Undefined when the user does not exist.
   */
  accountOf(uid: string): Promise<AccountStanding | undefined>;
  /** Writes the outcome fields onto the batch document. */
  writeBack(batchId: string, fields: Record<string, unknown>): Promise<void>;
  /** True on the functions emulator, whose Firestore events carry a placeholder writer. */
  emulatorWithoutAuthContext: boolean;
  now(): number;
}

function refused(code: ErrorCode, message: string, nowMs: number): Record<string, unknown> {
  return {
    status: "rejected",
    error: { code, message },
    // The marker the stranded-batch sweeper queries: this batch has its result.
    pending: FieldValue.delete(),
    processed_at: FieldValue.serverTimestamp(),
    expire_at: Timestamp.fromMillis(nowMs + BATCH_RETENTION_MS),
  };
}

/** Applies one created `syncBatches` document; permanent problems are written back, transient ones thrown. */
export async function handleSyncBatch(event: SyncBatchEvent, deps: SyncBatchDeps): Promise<void> {
  const nowMs = deps.now();
  const doc = event.data;
  const chwId = (doc as { chw_id?: unknown } | null)?.chw_id;
  const refuse = async (code: ErrorCode, message: string) => {
    log.warn("sync batch refused", { batch_id: event.batchId, code, stage: "outbox" });
    await deps.writeBack(event.batchId, refused(code, message, nowMs));
  };
  // The writer must be the CHW named in the batch: a device can only sync its own scope.
  // The local Firestore emulator sends a fixed placeholder instead of the writer; only there
  // (and only with that placeholder) the security rules' `chw_id == request.auth.uid` carry it.
  const placeholder =
    deps.emulatorWithoutAuthContext && event.authId === EMULATOR_PLACEHOLDER_AUTH_ID;
  if (
    event.redrive !== true &&
    !placeholder &&
    (event.authId === undefined || event.authId !== chwId)
  ) {
    return refuse(ErrorCode.FORBIDDEN, "The batch was not written by the CHW it names");
  }
  // The device's stamps are for the rules and this trigger; the envelope is the rest.
  const stamped = doc !== null && typeof doc === "object" && !Array.isArray(doc);
  const envelopeDoc = stamped ? { ...(doc as Record<string, unknown>) } : doc;
  let authTime: unknown;
  if (stamped) {
    const fields = envelopeDoc as Record<string, unknown>;
    authTime = fields.auth_time;
    delete fields.auth_time;
    delete fields.pending;
  }
  let batch: SyncBatchDoc;
  try {
    if (authTime !== undefined && !Number.isInteger(authTime)) {
      throw new AppError(ErrorCode.BAD_REQUEST, "auth_time must be the session's sign-in time");
    }
    batch = checkEnvelope("outbox", envelopeDoc);
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    return refuse(e.code, e.message);
  }
  // The trigger has no token to check, so the account is read at apply time: a batch a
  // disabled CHW's device writes (or queued offline and delivers later) is refused, not applied.
  // Its changes stay in the rejected document for an operator to export.
  const account = await deps.accountOf(batch.chw_id);
  if (account?.disabled === true) {
    return refuse(ErrorCode.FORBIDDEN, "The account is disabled");
  }
  if (account?.role !== "chw") {
    return refuse(ErrorCode.FORBIDDEN, "Only CHWs sync");
  }
  // A revoked session's token stays valid for the rules until it expires; the batch it wrote
  // is refused here (UNAUTHENTICATED: sign in again and resend), its changes kept in the document.
  const revoked = sessionRevoked(
    {
      ...(typeof authTime === "number" && { authTimeS: authTime }),
      createdAtMs: event.createdAtMs ?? nowMs,
    },
    account.revokedAtMs,
  );
  if (revoked === "revoked") {
    return refuse(
      ErrorCode.UNAUTHENTICATED,
      "The session that wrote this batch was revoked; sign in again and resend",
    );
  }
  if (revoked === "unknown-session") {
    return refuse(
      ErrorCode.UNAUTHENTICATED,
      "The batch names no session and was written soon after the account's sessions were revoked; sign in again and resend",
    );
  }
  const out = await receiveBatch(deps.store, {
    format: "seed",
    chwId: batch.chw_id,
    batchId: event.batchId,
    changes: batch.changes,
    source: "outbox",
    requestId: event.batchId,
    nowMs,
    ...(outcomeFits(doc, batch.changes) && {
      outboxReceipt: { retentionMs: BATCH_RETENTION_MS },
    }),
  });
  // Written with the records, or found there on a redelivery; otherwise (the batch was applied
  // over HTTP first, or its document is too large to carry it) written now.
  if (out.resultWritten === true) return;
  await deps.writeBack(event.batchId, {
    status: "applied",
    results: out.results,
    pending: FieldValue.delete(),
    ...(out.clockSkewMs > 0 && { clock_skew_ms: out.clockSkewMs }),
    processed_at: FieldValue.serverTimestamp(),
    expire_at: Timestamp.fromMillis(nowMs + BATCH_RETENTION_MS),
  });
}

/** Production dependencies: the Auth user, its `users/{uid}` document and the batch document. */
export function defaultSyncBatchDeps(): SyncBatchDeps {
  return {
    store: firestoreSyncStore(db()),
    accountOf: async (uid) => {
      // A uid that is not one path segment cannot name an account document.
      const profile = uid.includes("/")
        ? Promise.resolve(undefined)
        : db()
            .doc(`users/${uid}`)
            .get()
            .then((d) => d.data());
      try {
        const [user, doc] = await Promise.all([getAuth(adminApp()).getUser(uid), profile]);
        const role = (user.customClaims as { role?: unknown } | undefined)?.role;
        return {
          role: typeof role === "string" ? role : undefined,
          disabled: user.disabled || doc?.disabled === true,
          ...revocationOf(user),
        };
      } catch (e) {
        if ((e as { code?: string }).code === "auth/user-not-found") return undefined;
        throw e;
      }
    },
    writeBack: async (batchId, fields) => {
      await db().doc(`syncBatches/${batchId}`).update(fields);
    },
    emulatorWithoutAuthContext: process.env.FUNCTIONS_EMULATOR === "true",
    now: () => Date.now(),
  };
}

/** Adapts the trigger event to the handler's plain event. */
export function toSyncBatchEvent(
  e: FirestoreAuthEvent<QueryDocumentSnapshot | undefined, { batchId: string }>,
): SyncBatchEvent {
  return {
    batchId: e.params.batchId,
    data: e.data?.data(),
    authType: e.authType,
    authId: e.authId,
    ...(e.data && { createdAtMs: e.data.createTime.toMillis() }),
  };
}

/** `applySync`: applies `syncBatches/{batchId}` documents (retried on transient failures). */
export const applySync = onDocumentCreatedWithAuthContext(
  { document: "syncBatches/{batchId}", retry: true },
  async (e) => {
    try {
      await handleSyncBatch(toSyncBatchEvent(e), defaultSyncBatchDeps());
    } catch (err) {
      // Anything unexpected counts as INTERNAL (a 5xx), so it is retried too.
      const app = toAppError(err);
      if (!isRetryable(app)) {
        log.warn("sync batch failed permanently", { batch_id: e.params.batchId, code: app.code });
        return;
      }
      // Transient (Firestore contention, unavailable): throw so the event is redelivered; the
      // receipt makes the retry a replay of whatever already committed.
      log.error("sync batch failed, will retry", {
        batch_id: e.params.batchId,
        error_name: errorName(err),
      });
      throw err;
    }
  },
);
