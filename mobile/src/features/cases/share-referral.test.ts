import { Platform, Share } from "react-native";
import { shareReferral } from "./share-referral";

const g = globalThis as unknown as { navigator?: { share?: unknown } };

describe("shareReferral", () => {
  const os = Platform.OS;
  afterEach(() => {
    Platform.OS = os;
    jest.restoreAllMocks();
    delete g.navigator?.share;
  });

  it("uses the platform share sheet on a phone", async () => {
    Platform.OS = "android";
    const spy = jest
      .spyOn(Share, "share")
      .mockResolvedValue({ action: Share.sharedAction, activityType: undefined });
    await expect(shareReferral("Referral", "Go to the clinic")).resolves.toBe("shared");
    expect(spy).toHaveBeenCalledWith({ title: "Referral", message: "Go to the clinic" });
  });

  it("uses navigator.share in a browser that has it", async () => {
    Platform.OS = "web";
    const share = jest.fn().mockResolvedValue(undefined);
    g.navigator = { ...(g.navigator ?? {}), share };
    await expect(shareReferral("Referral", "note")).resolves.toBe("shared");
    expect(share).toHaveBeenCalledWith({ title: "Referral", text: "note" });
  });

  it("falls back to print when the browser can neither share nor download", async () => {
    Platform.OS = "web";
    const print = jest.fn();
    (globalThis as unknown as { print: () => void }).print = print;
    await expect(shareReferral("Referral", "note")).resolves.toBe("printed");
    expect(print).toHaveBeenCalledTimes(1);
  });
});
