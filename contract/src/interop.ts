import type { PushTable, SyncTable } from "./records";

/*
 * Compatibility with clients we did not write and with newer versions of our own app
 * (docs/sync-protocol.md "Compatibility"): client bookkeeping is dropped silently, top-level
 * fields this server does not store are dropped and named, keys inside the open maps
 * (`demographics`, `triage_data`) are kept verbatim and in place.
 */

/** Client bookkeeping: the seed format's `sync_status`, WatermelonDB's `_status`/`_changed`. */
export const CLIENT_BOOKKEEPING_FIELDS: readonly string[] = ["sync_status", "_status", "_changed"];

/** The CHW-owned top-level fields the server stores, per table (everything else is ignored). */
export const CHW_FIELDS: Record<PushTable, readonly string[]> = {
  patients: ["id", "demographics", "last_modified_at", "deleted_at"],
  cases: [
    "id",
    "patient_id",
    "triage_data",
    "risk_level",
    "images",
    "last_modified_at",
    "deleted_at",
  ],
};

/** The device's fields of one image entry (the server adds `state`, `image_key`, `reason`). */
export const IMAGE_ENTRY_FIELDS: readonly string[] = ["sha256", "content_type", "bytes"];

/** The open maps of each table: unknown keys inside them are kept. */
export const OPEN_MAPS: Record<PushTable, readonly string[]> = {
  patients: ["demographics"],
  cases: ["triage_data"],
};

/** The keys the contract itself types inside each open map (the rest are a newer app's). */
export const KNOWN_MAP_KEYS: Record<string, readonly string[]> = {
  demographics: ["name", "sex", "age_years", "village", "phone"],
  triage_data: [
    "body_site",
    "duration_days",
    "symptoms",
    "danger_signs",
    "notes",
    "lesion",
    "on_device",
  ],
};

/**
 * Server bookkeeping on stored documents that pulls never return: `key_order` is folded back
 * into the maps; the doctor-access facts are for the rules, not for the CHW's device.
 */
export const UNPULLED_FIELDS: readonly string[] = [
  "key_order",
  "review_pending",
  "review_doctor_ids",
];

/** Serialized size of a value as UTF-8 JSON, in bytes. */
export function jsonBytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value) ?? "").length;
}

/** The record without the fields the server does not store, and the names of those dropped. */
export function splitRecord(
  table: PushTable,
  raw: Record<string, unknown>,
): { record: Record<string, unknown>; ignored: string[] } {
  const record: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const key of Object.keys(raw)) {
    if (CLIENT_BOOKKEEPING_FIELDS.includes(key)) continue;
    if (!CHW_FIELDS[table].includes(key)) {
      ignored.push(key);
      continue;
    }
    record[key] = raw[key];
  }
  if (table === "cases" && Array.isArray(record.images)) {
    const dropped = new Set<string>();
    record.images = (record.images as unknown[]).map((img) => {
      if (img === null || typeof img !== "object" || Array.isArray(img)) return img;
      const entry: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(img)) {
        if (IMAGE_ENTRY_FIELDS.includes(k)) entry[k] = v;
        else dropped.add(`images[].${k}`);
      }
      return entry;
    });
    ignored.push(...dropped);
  }
  return { record, ignored };
}

/**
 * Firestore does not keep the order of a map's keys. For a record whose open maps carry keys
 * this server does not know, the order of every object inside them is kept here (JSON pointer
 * → keys) so pulls return the maps exactly as sent. Undefined when there is nothing to keep:
 * maps with known keys only are returned in the server's order.
 */
export function keyOrderOf(table: PushTable, record: Record<string, unknown>): string | undefined {
  const order: Record<string, string[]> = {};
  for (const field of OPEN_MAPS[table]) {
    const map = record[field];
    if (!isObject(map)) continue;
    const known = KNOWN_MAP_KEYS[field] ?? [];
    if (Object.keys(map).every((k) => known.includes(k))) continue;
    collectOrder(map, `/${field}`, order);
  }
  return Object.keys(order).length > 0 ? JSON.stringify(order) : undefined;
}

function collectOrder(value: unknown, path: string, out: Record<string, string[]>): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => collectOrder(v, `${path}/${i}`, out));
    return;
  }
  if (!isObject(value)) return;
  const keys = Object.keys(value);
  if (keys.length > 1) out[path] = keys;
  for (const k of keys) collectOrder(value[k], `${path}/${k}`, out);
}

/** Reorders the objects of `doc` as `key_order` (from keyOrderOf) says; other keys keep theirs. */
export function applyKeyOrder(
  doc: Record<string, unknown>,
  keyOrder: unknown,
): Record<string, unknown> {
  if (typeof keyOrder !== "string") return doc;
  let order: Record<string, string[]>;
  try {
    order = JSON.parse(keyOrder) as Record<string, string[]>;
  } catch {
    return doc;
  }
  const walk = (value: unknown, path: string): unknown => {
    if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}/${i}`));
    if (!isObject(value)) return value;
    const wanted = order[path] ?? [];
    const keys = [
      ...wanted.filter((k) => Object.hasOwn(value, k)),
      ...Object.keys(value).filter((k) => !wanted.includes(k)),
    ];
    const out: Record<string, unknown> = {};
    for (const k of keys) out[k] = walk(value[k], `${path}/${k}`);
    return out;
  };
  const out: Record<string, unknown> = { ...doc };
  for (const path of new Set(Object.keys(order).map((p) => p.split("/")[1] ?? ""))) {
    if (path in out) out[path] = walk(out[path], `/${path}`);
  }
  return out;
}

/**
 * A stored document as a pull returns it: server bookkeeping removed, the open maps in the
 * order the device sent them.
 */
export function pullView(_table: SyncTable, doc: Record<string, unknown>): Record<string, unknown> {
  const out = applyKeyOrder(doc, doc.key_order);
  for (const f of UNPULLED_FIELDS) delete out[f];
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
