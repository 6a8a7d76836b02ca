import { ErrorCode } from "@dermadetect/contract";
import type { RiskLevel } from "@dermadetect/contract";
import type { ApiResult, UploadGrant } from "@/lib/api/api-client";
import { base64ToBytes } from "@/lib/bytes/base64";
import { readJson, writeJson } from "@/lib/storage/key-value-store";
import type { KeyValueStore } from "@/lib/storage/key-value-store";
import type { PhotoStore } from "@/lib/storage/photo-store";

/*
 * The persisted photo upload queue. Photo bytes never travel through Firestore: each photo is
 * stored on the phone (the photo store: IndexedDB Blobs on the web, files on the device), then
 * sent with a signed URL from `POST /v1/cases/{id}/images`. The queue's entries live in the
 * key-value store, so it resumes after the app is killed, and it is drained
 * on start, on reconnect, when a case is applied and on manual retry. RED cases go first; one
 * upload at a time keeps memory flat on 1–2 GB phones.
 */

/** Local state of one photo upload. */
export type UploadState = "waiting" | "uploading" | "uploaded" | "failed";

/** One queued photo. */
export interface UploadEntry {
  caseId: string;
  sha256: string;
  contentType: string;
  bytes: number;
  risk: RiskLevel;
  createdAt: number;
  state: UploadState;
  attempts: number;
  nextAttemptAt: number;
  /** Why the last attempt did not finish (a code, never a message with patient data). */
  lastError?: string;
}

/** What the queue needs from the outside world. */
export interface UploadDeps {
  kv: KeyValueStore;
  photos: PhotoStore;
  requestUpload(
    caseId: string,
    image: { sha256: string; content_type: string; bytes: number },
  ): Promise<ApiResult<UploadGrant>>;
  /** Sends the bytes as the grant says; resolves with the HTTP status, rejects when offline. */
  put(grant: UploadGrant, body: Uint8Array, contentType: string): Promise<number>;
  now(): number;
  /**
   * Runs `fn` after `ms` (the app passes setTimeout), so a photo that failed is retried when its
   * backoff ends even if nothing else happens; without it, only explicit drains retry (tests).
   */
  schedule?(fn: () => void, ms: number): () => void;
}

/**
 * The API's IMAGE_ALREADY_VERIFIED, answered with 409 by `POST /v1/cases/{id}/images`: the
 * case already lists this exact photo as verified.
 */
export const IMAGE_ALREADY_VERIFIED: string = ErrorCode.IMAGE_ALREADY_VERIFIED;

const QUEUE_KEY = "uploads:queue";
/** Where builds before the photo store kept photo bytes (base64 in the key-value store). */
const legacyPhotoKey = (sha: string) => `uploads:photo:${sha}`;
const RISK_ORDER: Record<RiskLevel, number> = { RED: 0, YELLOW: 1, GREEN: 2 };
/** Backoff ceiling between attempts. */
const MAX_BACKOFF_MS = 5 * 60_000;

/** Backoff after `attempts` failures: 2 s doubling to 5 min (no jitter needed: one device). */
export function backoffMs(attempts: number): number {
  return Math.min(MAX_BACKOFF_MS, 2000 * 2 ** Math.max(0, attempts - 1));
}

/** Orders entries RED first, then oldest first. */
export function uploadOrder(a: UploadEntry, b: UploadEntry): number {
  return RISK_ORDER[a.risk] - RISK_ORDER[b.risk] || a.createdAt - b.createdAt;
}

/** The persisted queue. */
export class UploadQueue {
  private entries: UploadEntry[] = [];
  private draining: Promise<void> | undefined;
  private listeners = new Set<() => void>();
  private cancelRetry: (() => void) | undefined;

  constructor(private readonly deps: UploadDeps) {}

  /** Loads the queue from storage; an upload interrupted by a restart is retried. */
  async load(): Promise<void> {
    const stored = await readJson<UploadEntry[]>(this.deps.kv, QUEUE_KEY, []);
    this.entries = stored.map((e) => (e.state === "uploading" ? { ...e, state: "waiting" } : e));
    await this.migrateLegacyBytes();
    this.emit();
  }

  /**
   * Moves photo bytes that older builds kept in the key-value store into the photo store; the
   * old copy is removed only once the new one is stored. A photo that cannot be moved now (storage
   * full) stays where it is and uploads from there.
   */
  private async migrateLegacyBytes(): Promise<void> {
    for (const sha of new Set(this.entries.map((e) => e.sha256))) {
      const raw = await this.deps.kv.getItem(legacyPhotoKey(sha));
      if (raw == null) continue;
      const entry = this.entries.find((e) => e.sha256 === sha);
      try {
        await this.deps.photos.put(sha, base64ToBytes(raw), entry?.contentType ?? "image/jpeg");
        await this.deps.kv.removeItem(legacyPhotoKey(sha));
      } catch {
        // Kept in the key-value store; photoBytes reads it from there.
      }
    }
  }

  /** Current entries, in upload order. */
  list(): UploadEntry[] {
    return [...this.entries].sort(uploadOrder);
  }

  /** Notifies on every change. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }

  private async persist(): Promise<void> {
    await writeJson(this.deps.kv, QUEUE_KEY, this.entries);
    this.emit();
  }

  /**
   * Stores the photo's bytes durably (rejects with a PhotoStoreError when they could not be
   * stored). Call before the case is reported saved.
   */
  storeBytes(p: { sha256: string; contentType: string }, bytes: Uint8Array): Promise<void> {
    return this.deps.photos.put(p.sha256, bytes, p.contentType);
  }

  /**
   * Stores the photo on the phone and queues it; resolves once both are on disk, rejects (with
   * a PhotoStoreError) when the bytes could not be stored, and then nothing is queued.
   */
  async enqueue(
    p: { caseId: string; sha256: string; contentType: string; risk: RiskLevel },
    bytes: Uint8Array,
  ): Promise<void> {
    await this.storeBytes(p, bytes);
    await this.track(p, bytes.length);
  }

  /** Queues a photo whose bytes `storeBytes` has already stored; resolves once it is on disk. */
  async track(
    p: { caseId: string; sha256: string; contentType: string; risk: RiskLevel },
    size: number,
  ): Promise<void> {
    const existing = this.entries.find((e) => e.caseId === p.caseId && e.sha256 === p.sha256);
    if (existing) return;
    this.entries.push({
      ...p,
      bytes: size,
      createdAt: this.deps.now(),
      state: "waiting",
      attempts: 0,
      nextAttemptAt: 0,
    });
    await this.persist();
  }

  /** Raises the priority of a case's photos when its risk changes. */
  async setRisk(caseId: string, risk: RiskLevel): Promise<void> {
    let changed = false;
    this.entries = this.entries.map((e) => {
      if (e.caseId !== caseId || e.risk === risk) return e;
      changed = true;
      return { ...e, risk };
    });
    if (changed) await this.persist();
  }

  /** Reads a stored photo (for display and upload). */
  async photoBytes(sha: string): Promise<Uint8Array | undefined> {
    const stored = await this.deps.photos.get(sha);
    if (stored) return stored;
    const raw = await this.deps.kv.getItem(legacyPhotoKey(sha));
    return raw == null ? undefined : base64ToBytes(raw);
  }

  /** Makes every waiting or failed entry eligible now (manual retry, reconnect). */
  async retryNow(): Promise<void> {
    this.entries = this.entries.map((e) =>
      e.state === "uploaded" ? e : { ...e, nextAttemptAt: 0 },
    );
    await this.persist();
  }

  /**
   * Drops the local copy of photos the server has verified (or rejected for good): the server's
   * state decides, not the fact that a PUT returned 200.
   */
  async settle(serverStates: ReadonlyMap<string, string>): Promise<void> {
    const done = this.entries.filter((e) => {
      const s = serverStates.get(`${e.caseId}/${e.sha256}`);
      return s === "verified" || s === "analysed";
    });
    if (done.length === 0) return;
    this.entries = this.entries.filter((e) => !done.includes(e));
    for (const e of done) {
      if (!this.entries.some((o) => o.sha256 === e.sha256)) {
        await this.deps.photos.delete(e.sha256);
        await this.deps.kv.removeItem(legacyPhotoKey(e.sha256));
      }
    }
    await this.persist();
  }

  /** Uploads every eligible entry, one at a time, RED first. Concurrent calls share one run. */
  drain(): Promise<void> {
    this.draining ??= this.runDrain().finally(() => {
      this.draining = undefined;
      this.scheduleRetry();
    });
    return this.draining;
  }

  /** Cancels the pending retry timer (sign-out, tests). */
  stop(): void {
    this.cancelRetry?.();
    this.cancelRetry = undefined;
  }

  private scheduleRetry(): void {
    if (!this.deps.schedule) return;
    this.stop();
    const waiting = this.entries.filter((e) => e.state === "waiting" || e.state === "failed");
    if (waiting.length === 0) return;
    const next = Math.min(...waiting.map((e) => e.nextAttemptAt));
    this.cancelRetry = this.deps.schedule(
      () => void this.drain(),
      Math.max(0, next - this.deps.now()),
    );
  }

  private async runDrain(): Promise<void> {
    for (;;) {
      const now = this.deps.now();
      const next = this.list().find(
        (e) => (e.state === "waiting" || e.state === "failed") && e.nextAttemptAt <= now,
      );
      if (!next) return;
      const outcome = await this.uploadOne(next);
      if (outcome === "offline") return; // no point trying the rest until the network is back
    }
  }

  private async update(entry: UploadEntry, patch: Partial<UploadEntry>): Promise<void> {
    this.entries = this.entries.map((e) => {
      if (e.caseId !== entry.caseId || e.sha256 !== entry.sha256) return e;
      const next = { ...e, ...patch };
      if (next.state === "uploaded") delete next.lastError;
      return next;
    });
    await this.persist();
  }

  private async fail(entry: UploadEntry, code: string): Promise<void> {
    const attempts = entry.attempts + 1;
    await this.update(entry, {
      state: "failed",
      attempts,
      lastError: code,
      nextAttemptAt: this.deps.now() + backoffMs(attempts),
    });
  }

  private async uploadOne(entry: UploadEntry): Promise<"done" | "offline" | "failed"> {
    const bytes = await this.photoBytes(entry.sha256);
    if (!bytes) {
      await this.fail(entry, "PHOTO_MISSING_ON_DEVICE");
      return "failed";
    }
    await this.update(entry, { state: "uploading" });
    const grant = await this.deps.requestUpload(entry.caseId, {
      sha256: entry.sha256,
      content_type: entry.contentType,
      bytes: bytes.length,
    });
    if (grant.kind === "offline") {
      await this.fail(entry, "OFFLINE");
      return "offline";
    }
    if (
      grant.kind === "rejected" &&
      grant.status === 409 &&
      grant.code === IMAGE_ALREADY_VERIFIED
    ) {
      // The server answers this only when the case lists this sha256, with the same type and
      // size, in state verified or analysed (functions/src/http/case-images.ts): the very
      // server state `settle` waits for before it drops the local bytes. So the 409 is that
      // proof and the entry settles now, without waiting for the case to arrive by sync;
      // retrying could never succeed (a verified image cannot be uploaded again). It passes
      // through "uploaded" first so the sync history records the photo like any upload.
      await this.update(entry, { state: "uploaded" });
      await this.settle(new Map([[`${entry.caseId}/${entry.sha256}`, "verified"]]));
      return "done";
    }
    if (grant.kind !== "ok") {
      // 404 while the case is still on its way to the server is normal: back off and retry.
      await this.fail(entry, grant.kind === "rejected" ? grant.code : "BAD_DATA");
      return "failed";
    }
    let status: number;
    try {
      status = await this.deps.put(grant.value, bytes, entry.contentType);
    } catch {
      await this.fail(entry, "OFFLINE");
      return "offline";
    }
    if (status >= 200 && status < 300) {
      await this.update(entry, { state: "uploaded" });
      return "done";
    }
    // 412: the object already exists (an earlier attempt landed): the server will verify it.
    if (status === 412) {
      await this.update(entry, { state: "uploaded" });
      return "done";
    }
    await this.fail(entry, `UPLOAD_HTTP_${status}`);
    return "failed";
  }
}

/** Sends photo bytes with `fetch` as a grant says. `rewrite` maps the URL (web dev proxy). */
export function fetchPut(rewrite: (url: string) => string = (u) => u) {
  return async (grant: UploadGrant, body: Uint8Array, contentType: string): Promise<number> => {
    // The grant's headers are bound into the signature: send them exactly, and add a
    // Content-Type only when the grant has none (two would be joined into one bad value).
    const headers = new Headers(grant.headers);
    if (!headers.has("content-type")) headers.set("content-type", contentType);
    const res = await fetch(rewrite(grant.upload_url), {
      method: grant.method,
      headers,
      body: new Uint8Array(body),
    });
    return res.status;
  };
}
