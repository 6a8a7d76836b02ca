import { storageVerdict } from "@/lib/storage/photo-store";
import type { DeviceStorage, StorageEstimate, StorageVerdict } from "@/lib/storage/photo-store";

/** A typical stored photo (1024 px JPEG), for "is there room for the next one". */
export const TYPICAL_PHOTO_BYTES = 300 * 1024;

/** What the screens show about storage. */
export interface StorageStatus {
  estimate: StorageEstimate | undefined;
  /** True when the platform agreed not to evict the app's data; undefined when not asked/known. */
  persisted: boolean | undefined;
  /** Verdict for one more typical photo. */
  verdict: StorageVerdict;
  /**
   * The platform refused a photo for lack of space since space was last freed. Its estimate
   * can say otherwise (Chromium reports usage + up to 10 GiB whatever the real quota is): the
   * refusal is the fact, so storage counts as full until uploads free space.
   */
  refused: boolean;
}

/**
 * Polls the device's storage (every 30 s, and after every photo and save) so the app warns
 * while there is still room, not after a photo was lost.
 */
export class StorageMonitor {
  private status: StorageStatus = {
    estimate: undefined,
    persisted: undefined,
    verdict: "unknown",
    refused: false,
  };
  private listeners = new Set<() => void>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly storage: DeviceStorage,
    private readonly intervalMs = 30_000,
  ) {}

  /** Starts polling; returns the stop function. */
  start(): () => void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    return () => {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
    };
  }

  subscribe = (l: () => void): (() => void) => {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  };

  getSnapshot = (): StorageStatus => this.status;

  /** Reads the estimate again. */
  async refresh(): Promise<StorageStatus> {
    let estimate: StorageEstimate | undefined;
    try {
      estimate = await this.storage.estimate();
    } catch {
      estimate = undefined;
    }
    this.set({ estimate, verdict: this.verdictOf(estimate, TYPICAL_PHOTO_BYTES) });
    return this.status;
  }

  /** Fresh verdict for a photo of `bytes` (checked before the photo is accepted). */
  async verdictFor(bytes: number): Promise<StorageVerdict> {
    const s = await this.refresh();
    return this.verdictOf(s.estimate, bytes);
  }

  /** A photo write was refused for lack of space: full until space is freed. */
  reportRefused(): void {
    this.set({ refused: true, verdict: "full" });
  }

  /** Space was freed (uploaded photos removed from the phone): trust the estimate again. */
  spaceFreed(): void {
    if (!this.status.refused) return;
    this.set({ refused: false });
    void this.refresh();
  }

  private verdictOf(e: StorageEstimate | undefined, bytes: number): StorageVerdict {
    return this.status.refused ? "full" : storageVerdict(e, bytes);
  }

  /** Asks the platform to keep the app's data (called on the first photo: a user gesture). */
  async requestPersistence(): Promise<void> {
    if (this.status.persisted) return;
    try {
      this.set({ persisted: await this.storage.requestPersistence() });
    } catch {
      this.set({ persisted: undefined });
    }
  }

  private set(patch: Partial<StorageStatus>): void {
    this.status = { ...this.status, ...patch };
    for (const l of this.listeners) l();
  }
}

/** Bytes for people: "2.4 MB". */
export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${Math.round(n / 1024)} KB`;
}
