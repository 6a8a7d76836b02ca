import {
  EMPTY_MANIFEST,
  isCaseRecord,
  isPatientRecord,
  isSyncBatchDoc,
} from "@dermadetect/contract";
import type {
  CaseRecord,
  Manifest,
  PatientRecord,
  SeedChanges,
  SyncBatchDoc,
} from "@dermadetect/contract";
import type { FirestorePort, PortDoc, Unsubscribe } from "@/lib/firebase/firestore-port";
import { readJson, writeJson } from "@/lib/storage/key-value-store";
import type { KeyValueStore } from "@/lib/storage/key-value-store";
import { PhotoStoreError } from "@/lib/storage/photo-store";
import type { PhotoStoreErrorCode } from "@/lib/storage/photo-store";
import type { UploadEntry, UploadQueue } from "@/features/photos/upload-queue";
import { coalesceChanges } from "./coalesce";
import { deriveView, discardKey, localManifest, toBatchView } from "./record-state";
import type { BatchView, RecordsView, RejectedItem } from "./record-state";

/*
 * The sync engine: the only place that talks to Firestore. Saves become `syncBatches` outbox
 * documents (created without awaiting: offline, the SDK keeps them in its persisted queue and
 * the promise would not settle for days). Saves made while the device is offline are held on
 * the device instead and leave as one batch when the network returns (coalesce.ts): the server
 * pays per batch. Screens read the CHW's canonical documents from
 * listeners, overlaid with the batches still travelling (record-state.ts). Sync status comes
 * from server receipts: per-record results on the batch, the server's clock-skew report and
 * the scope manifest in `syncScopes/{uid}`, which the engine checks against what it holds.
 */

/** Who is syncing from which device. */
export interface SyncSession {
  chwId: string;
  deviceId: string;
  /**
   * The session's sign-in time (the ID token's `auth_time`, epoch seconds). Stamped on each
   * batch so the server can refuse batches of a session revoked before they arrive.
   */
  authTime?: number;
}

/**
 * A batch that will not reach the server as it is: refused by the security rules (the SDK
 * drops such a write), lost from the SDK's queue, or refused by the server as a whole. The app
 * keeps its own copy until the CHW resends or exports it.
 */
export interface RefusedBatch {
  id: string;
  /** `WRITE_REFUSED:<sdk code>`, `NOT_SENT`, or the server's error code. */
  code: string;
  /** Records in the batch. */
  count: number;
  /** Who refused it: the device's Firestore SDK (rules, lost queue) or the server. */
  by: "device" | "server";
}

/** The device's own copy of a batch, kept until the server has a result for it. */
interface OutboxEntry {
  id: string;
  changes: SeedChanges;
  queuedAt: number;
  /** Set when the write will not arrive (rules refused it, or the SDK lost it). */
  refused?: string;
  /**
   * Saved offline and not yet handed to the SDK: it leaves, merged with the other held saves,
   * when the network returns. Held only while this copy is stored on the device.
   */
  held?: true;
}

/** Kinds of sync-history entries. */
export type HistoryKind =
  | "saved"
  | "write-refused"
  | "copy-not-stored"
  | "batch-applied"
  | "batch-rejected"
  | "complete"
  | "incomplete"
  | "repull"
  | "retry"
  | "online"
  | "offline"
  | "photo-uploaded"
  | "photo-failed"
  | "photo-not-stored"
  | "listener-error";

/** One line of sync history (counts and codes only: no patient data). */
export interface HistoryEntry {
  at: number;
  kind: HistoryKind;
  detail?: string;
}

/** The completeness check against the server's manifest. */
export type Completeness =
  | { kind: "unknown" }
  | { kind: "checking" }
  | { kind: "complete"; at: number; count: number }
  | { kind: "incomplete"; at: number; local: Manifest; server: Manifest };

/** Everything the screens read. */
export interface SyncSnapshot {
  online: boolean;
  records: RecordsView;
  batches: BatchView[];
  uploads: UploadEntry[];
  completeness: Completeness;
  /** Batches that need the CHW: resend or export (never silently lost). */
  refused: RefusedBatch[];
  /** Last time the server had confirmed every local change and the manifest matched. */
  lastConfirmedAt: number | undefined;
  /** Last time the server processed one of this CHW's batches. */
  lastReceiptAt: number | undefined;
  /** Clock skew the server reported on the newest processed batch (ms ahead; 0 when none). */
  clockSkewMs: number;
  history: HistoryEntry[];
}

/** A save that could not be queued: the contract's validators refused it before queuing. */
export type SaveResult = { kind: "ok"; id: string } | { kind: "bad-data" };

/** A case save: also refused (nothing queued) when a photo's bytes could not be stored. */
export type SaveCaseResult =
  | SaveResult
  | { kind: "photos-not-stored"; failed: { sha256: string; code: PhotoStoreErrorCode }[] };

/** What the engine needs. */
export interface SyncDeps {
  firestore: FirestorePort;
  kv: KeyValueStore;
  uploads: UploadQueue;
  now(): number;
  newId(): string;
  /** Delay before a mismatching manifest triggers a full re-pull (listeners arrive apart). */
  repullDelayMs?: number;
  /**
   * First delay before a listener the SDK ended with an error is attached again (doubled on each
   * failure in a row, up to LISTENER_RETRY_MAX_MS). Default 5 s.
   */
  listenerRetryMs?: number;
}

/** The longest wait between attempts to attach a failed listener again. */
export const LISTENER_RETRY_MAX_MS = 5 * 60_000;

const HISTORY_KEY = "sync:history";
const CONFIRMED_KEY = "sync:last-confirmed";
const DISCARDED_KEY = "sync:discarded";
const OUTBOX_KEY = "sync:outbox";
const RESOLVED_KEY = "sync:resolved-batches";
const HISTORY_LIMIT = 100;
const COLLECTIONS = ["patients", "cases", "diagnoses"] as const;
type Collection = (typeof COLLECTIONS)[number];

/** The sync engine for one signed-in CHW. */
export class SyncEngine {
  private docs: Record<Collection, PortDoc[]> = { patients: [], cases: [], diagnoses: [] };
  private fresh: Record<Collection | "scope" | "batches", boolean> = {
    patients: false,
    cases: false,
    diagnoses: false,
    scope: false,
    batches: false,
  };
  private scopeManifest: Manifest | undefined;
  private batches: BatchView[] = [];
  /** Batches created by this engine that the listener has not delivered yet (a tick or two). */
  private justQueued: BatchView[] = [];
  private seenProcessed = new Set<string>();
  private discarded = new Set<string>();
  /** This device's copy of every batch without a server result (persisted). */
  private outbox = new Map<string, OutboxEntry>();
  /** Rejected batches the CHW resent or exported and dismissed. */
  private resolved = new Set<string>();
  private history: HistoryEntry[] = [];
  private lastConfirmedAt: number | undefined;
  private completeness: Completeness = { kind: "unknown" };
  private online = true;
  private unsubscribers: Unsubscribe[] = [];
  /** The Firestore listeners by name, each re-attachable after the SDK ends it with an error. */
  private watches = new Map<string, { stop: Unsubscribe; retry?: ReturnType<typeof setTimeout> }>();
  private stopped = false;
  private listeners = new Set<() => void>();
  private snapshot: SyncSnapshot;
  private repullTimer: ReturnType<typeof setTimeout> | undefined;
  private repulling = false;

  constructor(
    private readonly session: SyncSession,
    private readonly deps: SyncDeps,
  ) {
    this.snapshot = this.build();
  }

  /** Restores local state and attaches the listeners. */
  async start(): Promise<void> {
    this.stopped = false;
    this.history = await readJson<HistoryEntry[]>(this.deps.kv, HISTORY_KEY, []);
    this.lastConfirmedAt = await readJson<number | undefined>(
      this.deps.kv,
      CONFIRMED_KEY,
      undefined,
    );
    this.discarded = new Set(await readJson<string[]>(this.deps.kv, DISCARDED_KEY, []));
    this.resolved = new Set(await readJson<string[]>(this.deps.kv, RESOLVED_KEY, []));
    for (const e of await readJson<OutboxEntry[]>(this.deps.kv, OUTBOX_KEY, [])) {
      this.outbox.set(e.id, e);
    }
    await this.deps.uploads.load();
    const photoStates = new Map(
      this.deps.uploads.list().map((e) => [`${e.caseId}/${e.sha256}`, e.state]),
    );
    this.unsubscribers.push(
      this.deps.uploads.subscribe(() => {
        for (const e of this.deps.uploads.list()) {
          const key = `${e.caseId}/${e.sha256}`;
          const before = photoStates.get(key);
          if (before !== e.state && e.state === "uploaded") this.log("photo-uploaded");
          if (before !== e.state && e.state === "failed") this.log("photo-failed", e.lastError);
          photoStates.set(key, e.state);
        }
        this.changed();
      }),
    );
    const { firestore } = this.deps;
    const uid = this.session.chwId;
    for (const c of COLLECTIONS) {
      this.watch(c, (delivered, failed) =>
        firestore.watchWhere(
          c,
          "chw_id",
          uid,
          (s) => {
            delivered();
            this.docs[c] = s.docs;
            this.fresh[c] = !s.fromCache;
            this.changed();
          },
          failed,
        ),
      );
    }
    this.watch("syncBatches", (delivered, failed) =>
      firestore.watchWhere(
        "syncBatches",
        "chw_id",
        uid,
        (s) => {
          delivered();
          this.batches = s.docs.map(toBatchView);
          const seen = new Set(this.batches.map((b) => b.id));
          this.justQueued = this.justQueued.filter((b) => !seen.has(b.id));
          this.fresh.batches = !s.fromCache;
          this.reconcileOutbox(seen, !s.fromCache);
          this.noteProcessedBatches();
          this.changed();
        },
        failed,
      ),
    );
    this.watch("syncScopes", (delivered, failed) =>
      firestore.watchDoc(
        "syncScopes",
        uid,
        (d, fromCache) => {
          delivered();
          this.scopeManifest = d ? manifestFrom(d.data) : EMPTY_MANIFEST;
          this.fresh.scope = !fromCache;
          this.changed();
        },
        failed,
      ),
    );
    // Saves held by an earlier session that ended offline (this one may start offline too:
    // then they wait in the SDK's persisted queue instead, as any save made online does).
    if (this.online) this.sendHeld();
    void this.deps.uploads.drain();
  }

  /** Detaches every listener. */
  stop(): void {
    this.stopped = true;
    for (const u of this.unsubscribers.splice(0)) u();
    for (const w of this.watches.values()) {
      if (w.retry) clearTimeout(w.retry);
      w.stop();
    }
    this.watches.clear();
    this.deps.uploads.stop();
    if (this.repullTimer) clearTimeout(this.repullTimer);
  }

  /** Subscribes to snapshot changes (for useSyncExternalStore). */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The current snapshot (stable between changes). */
  getSnapshot = (): SyncSnapshot => this.snapshot;

  /** Saves a patient (new or edited): queued as an outbox batch, never awaited. */
  savePatient(input: Omit<PatientRecord, "last_modified_at" | "id"> & { id?: string }): SaveResult {
    const record: PatientRecord = {
      ...input,
      id: input.id ?? this.deps.newId(),
      last_modified_at: this.deps.now(),
    };
    if (!isPatientRecord(record)) return { kind: "bad-data" };
    // Not awaited: the form moves on at once; offline, the device's copy is on disk a moment
    // later (saveCase, whose photos make it async anyway, waits for it).
    if (!this.queue({ patients: [record] })) return { kind: "bad-data" };
    return { kind: "ok", id: record.id };
  }

  /**
   * Saves a case and queues its photos; photos of RED cases upload first. The photos' bytes are
   * stored durably first: only when every one is on disk is the case queued, and "ok" is
   * answered only once the case itself is kept too (offline: the device's copy on disk), so a
   * tab closed or an app killed right after "saved" loses nothing.
   * When a photo cannot be stored nothing is queued and the answer names the photos and why
   * (the form keeps them, so nothing is lost and the CHW decides).
   */
  async saveCase(
    input: Omit<CaseRecord, "last_modified_at" | "id"> & { id?: string },
    photos: { sha256: string; contentType: string; bytes: Uint8Array }[] = [],
  ): Promise<SaveCaseResult> {
    const record: CaseRecord = {
      ...input,
      id: input.id ?? this.deps.newId(),
      last_modified_at: this.deps.now(),
    };
    if (!isCaseRecord(record)) return { kind: "bad-data" };
    const failed: { sha256: string; code: PhotoStoreErrorCode }[] = [];
    for (const p of photos) {
      try {
        await this.deps.uploads.storeBytes(p, p.bytes);
      } catch (e) {
        failed.push({
          sha256: p.sha256,
          code: e instanceof PhotoStoreError ? e.code : "STORAGE_FAILED",
        });
      }
    }
    if (failed.length > 0) {
      for (const f of failed) this.log("photo-not-stored", f.code);
      this.changed();
      return { kind: "photos-not-stored", failed };
    }
    const kept = this.queue({ cases: [record] });
    if (!kept) return { kind: "bad-data" };
    await kept;
    for (const p of photos) {
      await this.deps.uploads.track(
        {
          caseId: record.id,
          sha256: p.sha256,
          contentType: p.contentType,
          risk: record.risk_level,
        },
        p.bytes.length,
      );
    }
    await this.deps.uploads.setRisk(record.id, record.risk_level);
    void this.deps.uploads.drain();
    return { kind: "ok", id: record.id };
  }

  /** Discards a rejected record: the server's version (if any) is shown again. */
  async discard(item: RejectedItem): Promise<void> {
    this.discarded.add(discardKey(item.batchId, item.table, item.id));
    await writeJson(this.deps.kv, DISCARDED_KEY, [...this.discarded]);
    this.changed();
  }

  /** Reports connectivity from NetInfo; reconnecting retries photos and re-checks. */
  setOnline(online: boolean): void {
    if (online === this.online) return;
    this.online = online;
    this.log(online ? "online" : "offline");
    if (online) {
      this.sendHeld();
      void this.deps.uploads.retryNow().then(() => this.deps.uploads.drain());
    }
    this.changed();
  }

  /**
   * Manual retry: reconnects Firestore (its queue resends), drains the photo queue and runs a
   * full re-pull with the completeness check, so the status on screen is re-proven from the
   * server, not assumed.
   */
  async retry(): Promise<void> {
    this.log("retry");
    if (this.online) this.sendHeld();
    try {
      await this.deps.firestore.setNetworkEnabled(false);
      await this.deps.firestore.setNetworkEnabled(true);
    } catch {
      // The SDK refuses network toggles only while shutting down; the re-pull below still runs.
    }
    await this.deps.uploads.retryNow();
    await Promise.all([this.deps.uploads.drain(), this.fullRepull()]);
  }

  /** Reads the whole scope and its manifest from the server and checks completeness. */
  async fullRepull(): Promise<Completeness> {
    if (this.repulling) return this.completeness;
    this.repulling = true;
    this.completeness = { kind: "checking" };
    this.changed();
    try {
      const uid = this.session.chwId;
      const [patients, cases, diagnoses, scope] = await Promise.all([
        this.deps.firestore.readWhereFromServer("patients", "chw_id", uid),
        this.deps.firestore.readWhereFromServer("cases", "chw_id", uid),
        this.deps.firestore.readWhereFromServer("diagnoses", "chw_id", uid),
        this.deps.firestore.readDocFromServer("syncScopes", uid),
      ]);
      this.docs = { patients, cases, diagnoses };
      this.scopeManifest = scope ? manifestFrom(scope.data) : EMPTY_MANIFEST;
      this.log("repull", `${patients.length + cases.length + diagnoses.length} records`);
      this.compare(true);
    } catch {
      // Offline or refused: the status stays "unknown" rather than claiming anything.
      this.completeness = { kind: "unknown" };
    } finally {
      this.repulling = false;
      this.changed();
    }
    return this.completeness;
  }

  /**
   * Sends a refused or rejected batch's changes again as a new batch (after the cause is fixed,
   * e.g. the account re-enabled or the CHW signed in again). Records keep their timestamps, so
   * the server's last-write-wins makes a resend of something it already has a duplicate.
   */
  async resend(batchId: string): Promise<boolean> {
    const batch = this.allBatches().find((b) => b.id === batchId);
    if (!batch) return false;
    const kept = this.queue(batch.changes);
    if (!kept) return false;
    await kept;
    await this.resolve(batchId);
    return true;
  }

  /**
   * The batch as JSON the CHW can share or save (a file, a message to a supervisor): the
   * records exactly as saved on this phone, so nothing is lost even if it is never resent.
   */
  exportBatch(batchId: string): string | undefined {
    const batch = this.allBatches().find((b) => b.id === batchId);
    if (!batch) return undefined;
    const refused = this.refusedBatches().find((r) => r.id === batchId);
    return JSON.stringify(
      {
        format: "dermadetect-sync-batch",
        version: 1,
        batch_id: batch.id,
        chw_id: this.session.chwId,
        device_id: this.session.deviceId,
        exported_at: new Date(this.deps.now()).toISOString(),
        ...(refused && { refused: refused.code }),
        changes: batch.changes,
      },
      null,
      2,
    );
  }

  /** Stops showing a refused batch once the CHW has exported it and chooses to let it go. */
  async dismiss(batchId: string): Promise<void> {
    await this.resolve(batchId);
  }

  private async resolve(batchId: string): Promise<void> {
    this.resolved.add(batchId);
    this.outbox.delete(batchId);
    await Promise.all([
      writeJson(this.deps.kv, RESOLVED_KEY, [...this.resolved]),
      this.saveOutbox(),
    ]);
    this.changed();
  }

  /**
   * Persists the device's copies. On a full disk the write fails: the copies stay in memory and
   * the SDK's own persisted queue still holds every write, so say so in the history instead of
   * failing the save (an unhandled rejection here used to surface as a page error).
   */
  private saveOutbox(): Promise<boolean> {
    return writeJson(this.deps.kv, OUTBOX_KEY, [...this.outbox.values()]).then(
      () => true,
      (e: unknown) => {
        this.log("copy-not-stored", codeOf(e));
        return false;
      },
    );
  }

  /**
   * Drops the copies of batches the server has answered; when the listener is fresh from the
   * server (its view includes the SDK's own queued writes), a copy the SDK no longer has and the
   * server never answered was lost (e.g. the app's storage was cleared): it needs a resend.
   */
  private reconcileOutbox(delivered: Set<string>, fromServer: boolean): void {
    let dirty = false;
    for (const b of this.batches) {
      if (b.status && this.outbox.delete(b.id)) dirty = true;
    }
    if (fromServer) {
      const travelling = new Set(this.justQueued.map((b) => b.id));
      for (const e of this.outbox.values()) {
        if (!e.refused && !e.held && !delivered.has(e.id) && !travelling.has(e.id)) {
          e.refused = "NOT_SENT";
          dirty = true;
        }
      }
    }
    if (dirty) void this.saveOutbox();
  }

  /**
   * Queues `changes` as a batch; undefined when they do not make a valid batch. The promise
   * settles once the save is kept: offline, when the device's copy is on disk (or, when it
   * cannot be written, handed to the SDK's persisted queue); online, at once (the SDK's queue
   * holds it). It never rejects.
   */
  private queue(changes: SeedChanges): Promise<void> | undefined {
    const batchId = this.deps.newId();
    if (!isSyncBatchDoc(this.batchDoc(changes))) return undefined;
    this.log(
      "saved",
      `${(changes.patients?.length ?? 0) + (changes.cases?.length ?? 0)} record(s)`,
    );
    if (!this.online) {
      // Held on the device until the network returns, then sent with the other held saves.
      this.outbox.set(batchId, { id: batchId, changes, queuedAt: this.deps.now(), held: true });
      const kept = this.saveOutbox().then((stored) => {
        // Without a stored copy a held save would not survive a restart: the SDK's persisted
        // queue takes it now instead.
        if (!stored) this.sendHeld();
      });
      this.changed();
      return kept;
    }
    // Our own copy first: the SDK discards a write the rules refuse, and this is what is left.
    this.outbox.set(batchId, { id: batchId, changes, queuedAt: this.deps.now() });
    void this.saveOutbox();
    this.send(batchId, changes);
    this.changed();
    return Promise.resolve();
  }

  private batchDoc(changes: SeedChanges): SyncBatchDoc {
    return { chw_id: this.session.chwId, device_id: this.session.deviceId, changes };
  }

  /**
   * Hands the held saves to the SDK, merged into as few batches as the bounds allow. Each
   * merged batch replaces the held copies in this device's outbox before it is sent.
   */
  private sendHeld(): void {
    const held = [...this.outbox.values()].filter((e) => e.held && !e.refused);
    if (held.length === 0) return;
    const queuedAt = Math.min(...held.map((e) => e.queuedAt));
    const merged = coalesceChanges(held.map((e) => e.changes)).map((changes) => ({
      id: this.deps.newId(),
      changes,
      queuedAt,
    }));
    for (const e of held) this.outbox.delete(e.id);
    for (const e of merged) this.outbox.set(e.id, e);
    void this.saveOutbox();
    for (const e of merged) this.send(e.id, e.changes);
    this.changed();
  }

  /** Creates the batch document through the SDK's persisted queue (never awaited). */
  private send(batchId: string, changes: SeedChanges): void {
    // Shown as pending right away; the listener delivers the same batch from the cache shortly.
    this.justQueued.push({ id: batchId, pending: true, changes });
    // `pending` lets the server's sweeper find a batch whose trigger never ran; `auth_time`
    // names the session, which the rules check is the writing token's.
    const stamped = {
      ...this.batchDoc(changes),
      pending: true,
      ...(this.session.authTime !== undefined && { auth_time: this.session.authTime }),
    };
    // Not awaited: the write is in the SDK's persisted queue now; offline it settles days later.
    this.deps.firestore.create("syncBatches", batchId, stamped).catch((e: unknown) => {
      this.log("write-refused", codeOf(e));
      const entry = this.outbox.get(batchId);
      if (entry) {
        entry.refused = `WRITE_REFUSED:${codeOf(e)}`;
        void this.saveOutbox();
      }
      this.justQueued = this.justQueued.filter((b) => b.id !== batchId);
      this.changed();
    });
  }

  private noteProcessedBatches(): void {
    for (const b of this.batches) {
      if (!b.status || this.seenProcessed.has(b.id)) continue;
      this.seenProcessed.add(b.id);
      if (b.status === "rejected") {
        this.log("batch-rejected", b.error?.code);
        continue;
      }
      const counts: Record<string, number> = {};
      for (const r of b.results ?? []) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
      this.log(
        "batch-applied",
        Object.entries(counts)
          .map(([k, v]) => `${v} ${k}`)
          .join(", "),
      );
      // A case just reached the server: its photos can be uploaded now.
      if (b.changes.cases?.length) void this.deps.uploads.drain();
    }
  }

  /**
   * Attaches the listener `name` and keeps it attached: the SDK ends a listener for good on an
   * error (permission denied while an account is disabled, a token the server refuses, an
   * internal error), and the lists would then stay as they were until the app restarts. So it
   * is attached again after a delay that doubles on each failure in a row and resets once a
   * snapshot arrives.
   */
  private watch(
    name: string,
    attach: (delivered: () => void, failed: (e: Error) => void) => Unsubscribe,
  ): void {
    let failures = 0;
    const start = () => {
      if (this.stopped) return;
      const entry: { stop: Unsubscribe; retry?: ReturnType<typeof setTimeout> } = {
        stop: () => undefined,
      };
      this.watches.set(name, entry);
      entry.stop = attach(
        () => {
          failures = 0;
        },
        (e) => {
          failures++;
          const first = this.deps.listenerRetryMs ?? 5000;
          const delay = Math.min(LISTENER_RETRY_MAX_MS, first * 2 ** (failures - 1));
          this.listenerError(name, e, delay);
          if (!this.stopped) entry.retry = setTimeout(start, delay);
        },
      );
    };
    start();
  }

  private listenerError(what: string, e: Error, retryInMs: number): void {
    this.log(
      "listener-error",
      `${what}: ${codeOf(e)}, retrying in ${Math.round(retryInMs / 1000)} s`,
    );
    this.changed();
  }

  private log(kind: HistoryKind, detail?: string): void {
    // History is rebuilt from receipts on each start, so replays on start would duplicate:
    // processed batches are logged once per session only (seenProcessed).
    this.history = [
      { at: this.deps.now(), kind, ...(detail && { detail }) },
      ...this.history,
    ].slice(0, HISTORY_LIMIT);
    // The history is advisory: on a full disk it stays in memory (never an unhandled rejection).
    void writeJson(this.deps.kv, HISTORY_KEY, this.history).catch(() => undefined);
  }

  private allFresh(): boolean {
    return Object.values(this.fresh).every(Boolean);
  }

  /** Compares what the device holds with the server's manifest. */
  private compare(afterRepull: boolean): void {
    if (!this.scopeManifest) return;
    const local = localManifest(this.docs);
    const server = this.scopeManifest;
    const now = this.deps.now();
    if (local.count === server.count && local.hash === server.hash) {
      // A mismatch that was only the listeners arriving apart has resolved: no re-pull. Each
      // re-pull reads the whole scope from the server (every record billed, every byte sent).
      if (this.repullTimer) {
        clearTimeout(this.repullTimer);
        this.repullTimer = undefined;
      }
      const wasComplete = this.completeness.kind === "complete";
      this.completeness = { kind: "complete", at: now, count: local.count };
      if (!wasComplete) this.log("complete", `${local.count} records`);
      const view = deriveView({
        ...this.docs,
        batches: this.allBatches(),
        discarded: this.discarded,
      });
      const photosOut = this.deps.uploads.list().some((u) => u.state !== "uploaded");
      if (view.unconfirmed === 0 && !photosOut) {
        this.lastConfirmedAt = now;
        void writeJson(this.deps.kv, CONFIRMED_KEY, now).catch(() => undefined);
      }
      return;
    }
    if (afterRepull) {
      this.completeness = { kind: "incomplete", at: now, local, server };
      this.log("incomplete", `device ${local.count}, server ${server.count}`);
      return;
    }
    // Listeners deliver collections and the manifest separately, so a mismatch can be a
    // moment's lag: re-pull everything from the server after a short delay to decide.
    if (!this.repullTimer && !this.repulling) {
      this.repullTimer = setTimeout(() => {
        this.repullTimer = undefined;
        void this.fullRepull();
      }, this.deps.repullDelayMs ?? 2000);
    }
  }

  /**
   * The batches the screens derive from: the SDK's view, the ones just queued, and this device's
   * own copies the SDK no longer has (refused or lost), shown as rejected so their records stay
   * visible with the reason. Batches the CHW resent or dismissed are left out.
   */
  private allBatches(): BatchView[] {
    const byId = new Map<string, BatchView>();
    for (const b of [...this.batches, ...this.justQueued]) {
      if (byId.has(b.id) || this.resolved.has(b.id)) continue;
      byId.set(b.id, b);
    }
    for (const e of this.outbox.values()) {
      if (this.resolved.has(e.id)) continue;
      const sdk = byId.get(e.id);
      // The SDK's view wins once the server answered. A refusal of ours also wins over the SDK's
      // last "pending" view: when the rules refuse a disabled account, the batch listener can
      // fail before the SDK rolls the write back, leaving that stale view as its last word.
      if (sdk && (sdk.status || !e.refused)) continue;
      byId.set(
        e.id,
        e.refused
          ? {
              id: e.id,
              pending: false,
              changes: e.changes,
              status: "rejected",
              error: { code: e.refused, message: "The write did not reach the server" },
            }
          : { id: e.id, pending: true, changes: e.changes },
      );
    }
    return [...byId.values()];
  }

  /** Batches rejected as a whole (by the rules, a lost queue or the server), not yet resolved. */
  private refusedBatches(): RefusedBatch[] {
    return this.allBatches()
      .filter((b) => b.status === "rejected")
      .map((b) => {
        const own = this.outbox.get(b.id)?.refused;
        return {
          id: b.id,
          code: own ?? b.error?.code ?? "BATCH_REJECTED",
          count: (b.changes.patients?.length ?? 0) + (b.changes.cases?.length ?? 0),
          by: own ? ("device" as const) : ("server" as const),
        };
      });
  }

  private changed(): void {
    const settled = this.allBatches().every((b) => !b.pending && b.status);
    if (this.online && this.allFresh() && settled && !this.repulling) this.compare(false);
    void this.deps.uploads.settle(serverImageStates(this.docs.cases));
    this.snapshot = this.build();
    for (const l of this.listeners) l();
  }

  private build(): SyncSnapshot {
    const processed = this.batches.filter((b) => b.processedAt !== undefined);
    const newest = processed.reduce<BatchView | undefined>(
      (a, b) => (a && (a.processedAt ?? 0) >= (b.processedAt ?? 0) ? a : b),
      undefined,
    );
    return {
      online: this.online,
      records: deriveView({ ...this.docs, batches: this.allBatches(), discarded: this.discarded }),
      batches: this.allBatches(),
      uploads: this.deps.uploads.list(),
      completeness: this.completeness,
      refused: this.refusedBatches(),
      lastConfirmedAt: this.lastConfirmedAt,
      lastReceiptAt: newest?.processedAt,
      clockSkewMs: newest?.clockSkewMs ?? 0,
      history: this.history,
    };
  }
}

function manifestFrom(data: Record<string, unknown>): Manifest {
  const count = typeof data.count === "number" ? data.count : 0;
  const hash = typeof data.hash === "string" ? data.hash : EMPTY_MANIFEST.hash;
  return { count, hash };
}

/** `caseId/sha256` → server image state, from the canonical cases. */
export function serverImageStates(cases: PortDoc[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of cases) {
    const images = c.data.images;
    if (!Array.isArray(images)) continue;
    for (const img of images as { sha256?: string; state?: string }[]) {
      if (img.sha256 && img.state) out.set(`${c.id}/${img.sha256}`, img.state);
    }
  }
  return out;
}

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "UNKNOWN";
}
