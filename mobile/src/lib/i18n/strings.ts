/**
 * Every user-visible string of the app, in one place, per language. English is the reference;
 * a translation must carry exactly the same keys (checked by a test).
 */
export const en = {
  appName: "DermaDetect",
  offlineBanner: "Offline: changes are saved on this phone and will sync later",
  onlineBanner: "Online",
} as const;

/** Kiswahili. */
export const sw: Record<keyof typeof en, string> = {
  appName: "DermaDetect",
  offlineBanner: "Nje ya mtandao: mabadiliko yamehifadhiwa kwenye simu hii na yatasawazishwa baadaye",
  onlineBanner: "Mtandaoni",
};

/** Languages the app ships. */
export const STRINGS = { en, sw } as const;

/** A language code the app supports. */
export type Language = keyof typeof STRINGS;
