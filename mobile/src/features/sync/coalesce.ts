import type { CaseRecord, PatientRecord, SeedChanges } from "@dermadetect/contract";

/*
 * Saves made offline are held on the device and leave as one outbox batch when the network
 * returns, instead of one batch per save. Every batch costs the server a fixed set of writes
 * (the batch document, the CHW's scope document, a receipt, an audit entry, the result written
 * back) and one transaction on the scope document, which all of the CHW's batches wait on in
 * turn: a day of 50 saves replayed at once was 50 of each.
 */

/**
 * The most records one coalesced batch carries. The security rules allow 500 per batch, but
 * the batch document (records and the results written back onto it) must stay under
 * Firestore's 1 MiB document limit, and a smaller batch is also a smaller resend.
 */
export const COALESCED_MAX_RECORDS = 100;
/** The most bytes of records (as JSON) one coalesced batch carries, well under 1 MiB. */
export const COALESCED_MAX_BYTES = 256 * 1024;

type AnyRecord = PatientRecord | CaseRecord;

/**
 * Merges held saves, oldest first, into as few batches as the bounds allow. A record saved
 * more than once keeps only its newest version (the server's last-write-wins would discard
 * the others anyway). Patients come before cases, so a case never travels ahead of the patient
 * it belongs to.
 */
export function coalesceChanges(saves: readonly SeedChanges[]): SeedChanges[] {
  const newest = (into: Map<string, AnyRecord>, records: readonly AnyRecord[] | undefined) => {
    for (const r of records ?? []) {
      const had = into.get(r.id);
      // A later save wins a tie: it is what the CHW saw last.
      if (!had || r.last_modified_at >= had.last_modified_at) into.set(r.id, r);
    }
  };
  const patients = new Map<string, AnyRecord>();
  const cases = new Map<string, AnyRecord>();
  for (const s of saves) {
    newest(patients, s.patients);
    newest(cases, s.cases);
  }
  const batches: { patients: PatientRecord[]; cases: CaseRecord[] }[] = [];
  let current: { patients: PatientRecord[]; cases: CaseRecord[] } = { patients: [], cases: [] };
  let count = 0;
  let bytes = 0;
  const add = (table: "patients" | "cases", r: AnyRecord) => {
    const size = JSON.stringify(r).length;
    if (count > 0 && (count + 1 > COALESCED_MAX_RECORDS || bytes + size > COALESCED_MAX_BYTES)) {
      batches.push(current);
      current = { patients: [], cases: [] };
      count = 0;
      bytes = 0;
    }
    (current[table] as AnyRecord[]).push(r);
    count += 1;
    bytes += size;
  };
  for (const r of patients.values()) add("patients", r);
  for (const r of cases.values()) add("cases", r);
  if (count > 0) batches.push(current);
  // Only the tables a batch has: an older client's batch never carried empty lists either.
  return batches.map((b) => ({
    ...(b.patients.length > 0 && { patients: b.patients }),
    ...(b.cases.length > 0 && { cases: b.cases }),
  }));
}
