import { FieldValue } from "firebase-admin/firestore";
import type { Firestore, Transaction, WriteBatch } from "firebase-admin/firestore";
import type { Role } from "@dermadetect/contract";

/** One audit record: who did what to which records, with what outcome. Never the data itself. */
export interface AuditEntry {
  actor: string;
  role: Role | "system";
  /** e.g. `sync.push`, `sync.pull`, `case.image.upload_url`, `diagnosis.create`, `cases.list`. */
  action: string;
  resource: { collection: string; ids: string[] };
  outcome: "ok" | "denied" | "rejected" | "partial";
  request_id: string;
}

/** Largest id list kept per entry; a 500-record batch is summarised by count beyond that. */
const MAX_IDS = 500;

/**
 * Adds an `auditLogs` document to the same transaction or batch as the change it describes,
 * so an audited change and its audit record commit together or not at all.
 */
export function writeAudit(tx: Transaction | WriteBatch, db: Firestore, entry: AuditEntry): void {
  const ref = db.collection("auditLogs").doc();
  const ids = entry.resource.ids.slice(0, MAX_IDS);
  (tx as Transaction).set(ref, {
    ...entry,
    resource: { collection: entry.resource.collection, ids, id_count: entry.resource.ids.length },
    at: FieldValue.serverTimestamp(),
  });
}

/**
 * Records a read of patient data (a pull). There is no change to commit it with, so it is
 * committed on its own before the answer leaves: if it cannot be written the request fails,
 * and no patient data is served unaudited.
 */
export async function auditRead(db: Firestore, entry: AuditEntry): Promise<void> {
  const batch = db.batch();
  writeAudit(batch, db, entry);
  await batch.commit();
}
