import type { DeviceStorage, StorageEstimate } from "@/lib/storage/photo-store";
import { StorageMonitor, TYPICAL_PHOTO_BYTES } from "./storage-monitor";

const MB = 1024 * 1024;

/** A platform whose estimate the test sets, as Chromium reports it (which may be untrue). */
function platform(estimate: StorageEstimate | undefined): DeviceStorage & { now: typeof estimate } {
  const p = {
    now: estimate,
    estimate: () => Promise.resolve(p.now),
    requestPersistence: () => Promise.resolve(true),
  };
  return p;
}

describe("StorageMonitor", () => {
  it("warns from the estimate: low below 10 MB free, full when a photo would eat the reserve", async () => {
    const device = platform({ usedBytes: 0, freeBytes: 100 * MB });
    const monitor = new StorageMonitor(device);
    expect((await monitor.refresh()).verdict).toBe("ok");
    device.now = { usedBytes: 0, freeBytes: 5 * MB };
    expect((await monitor.refresh()).verdict).toBe("low");
    expect(await monitor.verdictFor(3.5 * MB)).toBe("full");
    device.now = undefined;
    expect((await monitor.refresh()).verdict).toBe("unknown");
  });

  it("a refused write means full whatever the estimate says, until uploads free space", async () => {
    // Chromium reports usage + 10 GiB however small the real quota is.
    const device = platform({ usedBytes: 3 * MB, freeBytes: 10 * 1024 * MB });
    const monitor = new StorageMonitor(device);
    const seen: string[] = [];
    monitor.subscribe(() => seen.push(monitor.getSnapshot().verdict));
    await monitor.refresh();
    monitor.reportRefused();
    expect(monitor.getSnapshot()).toMatchObject({ verdict: "full", refused: true });
    expect((await monitor.refresh()).verdict).toBe("full");
    expect(await monitor.verdictFor(TYPICAL_PHOTO_BYTES)).toBe("full");
    monitor.spaceFreed();
    expect(monitor.getSnapshot().refused).toBe(false);
    expect(await monitor.verdictFor(TYPICAL_PHOTO_BYTES)).toBe("ok");
    expect(seen).toContain("full");
  });

  it("persistence is asked once it is granted, and a platform that cannot tell stays unknown", async () => {
    const device = platform(undefined);
    const ask = jest.spyOn(device, "requestPersistence");
    const monitor = new StorageMonitor(device);
    await monitor.requestPersistence();
    await monitor.requestPersistence();
    expect(ask).toHaveBeenCalledTimes(1);
    expect(monitor.getSnapshot().persisted).toBe(true);
  });
});
