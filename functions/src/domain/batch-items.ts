import {
  REASONS,
  checkRecord,
  fromWatermelonRaw,
  isId,
  isPushTable,
  resultId,
  tableReason,
} from "@dermadetect/contract";
import type { WatermelonPushRequest } from "@dermadetect/contract";
import type { BatchItem } from "./plan-batch";

/*
 * Turns a request's change sets into the ordered, checked items the core applies. Every record
 * gets an item (a bad one carries its rejection reason), so results line up with what was sent.
 * Tables are taken in a fixed order (patients before the cases that point at them, then any
 * others), so the same batch always chunks the same way.
 */

function tableOrder(tables: string[]): string[] {
  const rank = (t: string) => (t === "patients" ? 0 : t === "cases" ? 1 : 2);
  return [...tables].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Counts the records of a change set before any schema check (for a clear 413). */
export function countRecords(changes: unknown): number {
  if (changes === null || typeof changes !== "object") return 0;
  let n = 0;
  for (const v of Object.values(changes as Record<string, unknown>)) {
    if (Array.isArray(v)) n += v.length;
    else if (v !== null && typeof v === "object") {
      for (const list of Object.values(v as Record<string, unknown>)) {
        if (Array.isArray(list)) n += list.length;
      }
    }
  }
  return n;
}

/** Items of a seed-format change set (`POST /v1/sync`, `syncBatches`). */
export function seedItems(changes: Record<string, unknown[]>, nowMs: number): BatchItem[] {
  const items: BatchItem[] = [];
  for (const table of tableOrder(Object.keys(changes))) {
    (changes[table] ?? []).forEach((raw, i) => {
      // The "new" hint is read before checkRecord, which drops sync_status from the record.
      const claimsNew =
        raw !== null &&
        typeof raw === "object" &&
        (raw as { sync_status?: unknown }).sync_status === "new";
      items.push({
        table,
        resultId: resultId(raw, i),
        change: checkRecord(table, raw, nowMs),
        ...(claimsNew && { claimsNew }),
      });
    });
  }
  return items;
}

/**
 * Items of a WatermelonDB push: created and updated are both upserts (a create for an existing
 * id updates it), deletes are tombstones by id (a delete of a missing id is ignored).
 */
export function watermelonItems(
  changes: WatermelonPushRequest["changes"],
  nowMs: number,
): BatchItem[] {
  const items: BatchItem[] = [];
  for (const table of tableOrder(Object.keys(changes))) {
    const set = changes[table];
    if (!set) continue;
    [...set.created, ...set.updated].forEach((raw, i) => {
      items.push({
        table,
        resultId: resultId(raw, i),
        change: fromWatermelonRaw(table, raw, nowMs),
        ...(i < set.created.length && { claimsNew: true }),
      });
    });
    set.deleted.forEach((id, i) => {
      const resultIdOf = isId(id) ? id : `#${set.created.length + set.updated.length + i}`;
      const bad = tableReason(table);
      if (bad || !isPushTable(table)) {
        items.push({
          table,
          resultId: resultIdOf,
          change: { ok: false, reason: bad ?? REASONS.UNKNOWN_TABLE },
        });
      } else if (!isId(id)) {
        items.push({
          table,
          resultId: resultIdOf,
          change: { ok: false, reason: REASONS.INVALID_RECORD },
        });
      } else {
        items.push({ table, resultId: id, change: { ok: true, table, deleteId: id } });
      }
    });
  }
  return items;
}
