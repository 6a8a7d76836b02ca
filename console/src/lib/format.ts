import { format } from "./i18n/strings";
import type { Strings } from "./i18n/strings";

/** "12 min", "2 h 05 min", "3 d 4 h": how long a case has waited. */
export function formatWaiting(ms: number, s: Strings): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 60) return format(s.minutesShort, { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24)
    return format(s.hoursShort, { h: hours, m: String(minutes % 60).padStart(2, "0") });
  return format(s.daysShort, { d: Math.floor(hours / 24), h: hours % 24 });
}

/** A local date and time for a timestamp (epoch ms). */
export function formatTime(ms: number | undefined | null, language: string): string {
  if (ms == null) return "-";
  return new Date(ms).toLocaleString(language === "sw" ? "sw-KE" : "en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
  });
}

/** The patient's sex in the reader's language. */
export function sexLabel(sex: string | undefined, s: Strings): string {
  if (sex === "female") return s.sexFemale;
  if (sex === "male") return s.sexMale;
  if (sex === "other") return s.sexOther;
  return s.sexUnknown;
}
