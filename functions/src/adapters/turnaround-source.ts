import type { Firestore, QueryDocumentSnapshot } from "firebase-admin/firestore";
import type { CaseTimes } from "@dermadetect/contract";

const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** Reads the timeline of every case captured since `since`, page by page. */
export async function readCaseTimes(db: Firestore, since: number): Promise<CaseTimes[]> {
  const delivered = new Map<string, number>();
  const deliveries = await db
    .collection("diagnosisDeliveries")
    .where("delivered_at", ">=", since)
    .get();
  for (const d of deliveries.docs) {
    const caseId = d.get("case_id") as unknown;
    const at = num(d.get("delivered_at"));
    if (typeof caseId !== "string" || at === undefined) continue;
    delivered.set(caseId, Math.min(at, delivered.get(caseId) ?? Infinity));
  }
  const rows: CaseTimes[] = [];
  let last: QueryDocumentSnapshot | undefined;
  for (;;) {
    let q = db
      .collection("cases")
      .where("timeline.captured_at", ">=", since)
      .orderBy("timeline.captured_at")
      .select("chw_id", "timeline")
      .limit(1000);
    if (last) q = q.startAfter(last);
    const page = await q.get();
    for (const doc of page.docs) {
      const t = (doc.get("timeline") ?? {}) as Record<string, unknown>;
      rows.push({
        case_id: doc.id,
        chw_id: String(doc.get("chw_id") ?? "unknown"),
        captured_at: num(t.captured_at),
        synced_at: num(t.synced_at),
        analysed_at: num(t.analysed_at),
        diagnosed_at: num(t.diagnosed_at),
        delivered_at: delivered.get(doc.id),
      });
    }
    if (page.docs.length < 1000) break;
    last = page.docs[page.docs.length - 1];
  }
  return rows;
}
