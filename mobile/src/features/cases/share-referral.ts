import { Platform, Share } from "react-native";

/** What happened to a shared note: shared, or saved as a file / sent to print instead. */
export type ShareOutcome = "shared" | "downloaded" | "printed" | "cancelled";

interface WebNav {
  share?: (data: { title?: string; text?: string }) => Promise<void>;
}

/**
 * Shares the referral note so the patient can carry it to the clinic: the platform share sheet
 * on a phone (React Native's Share); in a browser `navigator.share` when the browser has it,
 * else a text file download, else the print dialog.
 */
export async function shareReferral(title: string, text: string): Promise<ShareOutcome> {
  if (Platform.OS !== "web") {
    const r = await Share.share({ title, message: text });
    return r.action === Share.dismissedAction ? "cancelled" : "shared";
  }
  const g = globalThis as unknown as {
    navigator?: WebNav;
    document?: Document;
    URL?: typeof URL;
    Blob?: typeof Blob;
    print?: () => void;
  };
  if (typeof g.navigator?.share === "function") {
    try {
      await g.navigator.share({ title, text });
      return "shared";
    } catch (e) {
      if ((e as { name?: string }).name === "AbortError") return "cancelled";
      // Refused (no user gesture, unsupported data): fall back to a file.
    }
  }
  if (g.document && g.Blob && g.URL?.createObjectURL) {
    const url = g.URL.createObjectURL(new g.Blob([text], { type: "text/plain;charset=utf-8" }));
    const a = g.document.createElement("a");
    a.href = url;
    a.download = "referral-note.txt";
    g.document.body.appendChild(a);
    a.click();
    a.remove();
    g.URL.revokeObjectURL(url);
    return "downloaded";
  }
  g.print?.();
  return "printed";
}
