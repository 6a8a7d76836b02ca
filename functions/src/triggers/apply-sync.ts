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
import { checkEnvelope, receiveBatch } from "../sync/sync-core";

/*
 * The Firestore route (docs/architecture.md): a device creates `syncBatches/{batch_id}` with exactly
 * `{chw_id, device_id, changes}` (works offline through the SDK's queue); this trigger applies
 * it through the same core as the HTTPS routes and writes `status`, `results` and `expire_at`
 * back. It is a create trigger, so its own update never re-triggers it; redeliveries replay
 * through the batch's receipt and write the same results again.
 */

/** How long processed batch documents are kept before the TTL policy on `expire_at` removes them. */
export const BATCH_RETENTION_MS = 30 * 24 * 3600_000;

/** What the Firestore emulator (gcloud 2025-06) puts in `authid` for every write. */
export const EMULATOR_PLACEHOLDER_AUTH_ID = "fake-auth-id@gmail.com";

/** The parts of the trigger event the handler uses (plain data, so tests can build one). */
export interface SyncBatchEvent {
  batchId: string;
  data: unknown;
  /** Who wrote the document, from the event's auth context. */
  authType: string | undefined;
  authId: string | undefined;
}

/** What the handler needs from the outside world. */
export interface SyncBatchDeps {
  /** Where the batch is applied (the same core and store as the HTTPS routes). */
  store: SyncStore;
  /**
   * The standing of a user: the role claim (undefined when none), and whether the account is
   * disabled in Auth or in its `users/{uid}` document. Undefined when the user does not exist.
   */
  accountOf(uid: string): Promise<{ role: string | undefined; disabled: boolean } | undefined>;
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
  if (!placeholder && (event.authId === undefined || event.authId !== chwId)) {
    return refuse(ErrorCode.FORBIDDEN, "The batch was not written by the CHW it names");
  }
  let batch: SyncBatchDoc;
  try {
    batch = checkEnvelope("outbox", doc);
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
  const out = await receiveBatch(deps.store, {
    format: "seed",
    chwId: batch.chw_id,
    batchId: event.batchId,
    changes: batch.changes,
    source: "outbox",
    requestId: event.batchId,
    nowMs,
  });
  await deps.writeBack(event.batchId, {
    status: "applied",
    results: out.results,
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
