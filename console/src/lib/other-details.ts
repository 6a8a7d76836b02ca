import { demographicsSchema, triageDataSchema } from "@dermadetect/contract";

/** One key the console does not know, shown as a plain row so nothing recorded is invisible. */
export interface DetailRow {
  key: string;
  value: string;
}

/** Keys the console renders itself, straight from the contract's schemas. */
export const KNOWN_DEMOGRAPHICS = Object.keys(demographicsSchema.properties);
/** Known triage keys. */
export const KNOWN_TRIAGE = Object.keys(triageDataSchema.properties);

function plain(value: unknown): string {
  if (value === null || value === undefined) return "-";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v !== "object" || v === null))
    return value.map((v) => plain(v)).join(", ");
  return JSON.stringify(value);
}

/**
 * The keys of `object` outside `known`, in the order the device sent them (newer CHW apps send
 * extra keys; the server keeps them verbatim), with their values as plain text.
 */
export function otherDetails(object: unknown, known: readonly string[]): DetailRow[] {
  if (typeof object !== "object" || object === null || Array.isArray(object)) return [];
  return Object.entries(object as Record<string, unknown>)
    .filter(([key]) => !known.includes(key))
    .map(([key, value]) => ({ key: key.replace(/_/g, " "), value: plain(value) }));
}
