import type { Firestore } from "firebase-admin/firestore";
import { errorName, log } from "../logger";

/** `diagnosisDeliveries/{diagnosis_id}`: when a diagnosis first went back to the CHW's device. */
export interface DiagnosisDelivery {
  diagnosis_id: string;
  case_id: string;
  chw_id: string;
  /** Epoch ms of the first pull answer that carried the diagnosis. */
  delivered_at: number;
  via: "pull";
}

const ALREADY_EXISTS = 6;

/**
 * Records "back on the device" for the turnaround report: the first time a pull answer carries
 * each diagnosis to its CHW. Kept in a server-only collection outside every scope, so the
 * stamp never moves the CHW's cursor or makes the case travel again. Create-if-absent: later
 * pulls that repeat the diagnosis keep the first instant. Call after the pull is answered
 * from, with the diagnoses (live ones) the answer holds; failures here must not fail a pull.
 */
export async function recordDiagnosisDeliveries(
  firestore: Firestore,
  chwId: string,
  diagnoses: ReadonlyArray<{ id: string; case_id: string }>,
  now: number,
): Promise<number> {
  if (diagnoses.length === 0) return 0;
  const items = diagnoses.map((d) => ({ d, ref: firestore.doc(`diagnosisDeliveries/${d.id}`) }));
  const snaps = await firestore.getAll(...items.map((x) => x.ref));
  const known = new Set(snaps.filter((s) => s.exists).map((s) => s.id));
  let recorded = 0;
  await Promise.all(
    items.map(async ({ d, ref }) => {
      if (known.has(d.id)) return;
      const doc: DiagnosisDelivery = {
        diagnosis_id: d.id,
        case_id: d.case_id,
        chw_id: chwId,
        delivered_at: now,
        via: "pull",
      };
      try {
        await ref.create(doc);
        recorded += 1;
      } catch (e) {
        // Another pull recorded it first: the earlier instant stands.
        if ((e as { code?: unknown }).code !== ALREADY_EXISTS) throw e;
      }
    }),
  );
  return recorded;
}

/**
 * The pull routes' hook: records the live diagnoses a pull page carries. Never fails the pull
 * (a lost stamp only leaves one case out of the turnaround report); failures are logged.
 */
export async function noteDiagnosisDeliveries(
  firestore: Firestore,
  chwId: string,
  records: ReadonlyArray<Record<string, unknown>>,
  requestId: string,
): Promise<void> {
  const live = records.filter(
    (r): r is { id: string; case_id: string } =>
      r.deleted_at == null && typeof r.id === "string" && typeof r.case_id === "string",
  );
  try {
    await recordDiagnosisDeliveries(firestore, chwId, live, Date.now());
  } catch (e) {
    log.warn("diagnosis delivery not recorded", {
      request_id: requestId,
      stage: "diagnosis_delivered",
      error_name: errorName(e),
    });
  }
}
