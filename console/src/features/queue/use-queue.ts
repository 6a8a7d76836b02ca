import { useEffect, useState } from "react";
import { collection, doc, getDoc, onSnapshot, query, where } from "firebase/firestore";
import type { Firestore, QueryConstraint } from "firebase/firestore";
import type { StoredCase, StoredPatient } from "@/lib/case-types";
import type { QueueItem } from "./queue-model";

/** The live queue: the rows, and the first listener error (other listeners keep working). */
export interface QueueData {
  loading: boolean;
  items: QueueItem[];
  error?: string;
}

/**
 * Live listeners on what firestore.rules let this user list: cases that need a doctor, cases
 * awaiting diagnosis, the doctor's own diagnosed cases, and the patients under review. Each
 * query carries the constraint the rules check, so it is allowed as a whole. Patients the
 * listeners did not bring (an earlier diagnosis) are read once by id.
 */
export function useQueue(db: Firestore, who: { uid: string; role: "doctor" | "admin" }): QueueData {
  const [cases, setCases] = useState<Map<string, Map<string, StoredCase>>>(new Map());
  const [patients, setPatients] = useState<Map<string, StoredPatient>>(new Map());
  const [loaded, setLoaded] = useState(0);
  const [error, setError] = useState<string>();

  useEffect(() => {
    const caseQueries: [string, QueryConstraint][] = [
      ["needs_doctor", where("needs_doctor", "==", true)],
      ["pending", where("status", "==", "PENDING_DIAGNOSIS")],
      [
        "mine",
        who.role === "admin"
          ? where("status", "==", "DIAGNOSED")
          : where("doctor_id", "==", who.uid),
      ],
    ];
    const stops = caseQueries.map(([name, constraint]) =>
      onSnapshot(
        query(collection(db, "cases"), constraint),
        (snap) => {
          setCases((prev) => {
            const next = new Map(prev);
            next.set(
              name,
              new Map(snap.docs.map((d) => [d.id, { ...(d.data() as StoredCase), id: d.id }])),
            );
            return next;
          });
          setLoaded((n) => n + 1);
        },
        (e) => {
          setError(e.message);
          setLoaded((n) => n + 1);
        },
      ),
    );
    stops.push(
      onSnapshot(
        query(collection(db, "patients"), where("review_pending", "==", true)),
        (snap) =>
          setPatients((prev) => {
            const next = new Map(prev);
            for (const d of snap.docs) next.set(d.id, { ...(d.data() as StoredPatient), id: d.id });
            return next;
          }),
        (e) => setError(e.message),
      ),
    );
    return () => stops.forEach((stop) => stop());
  }, [db, who.uid, who.role]);

  // A case listed by several queries is one row; the newest copy wins.
  const merged = new Map<string, StoredCase>();
  for (const group of cases.values())
    for (const [id, c] of group) {
      const have = merged.get(id);
      if (!have || (c.last_modified_at ?? 0) >= (have.last_modified_at ?? 0)) merged.set(id, c);
    }
  // Cases that left every query (diagnosed by someone else) drop out with their snapshot.

  const missing = [...merged.values()]
    .map((c) => c.patient_id)
    .filter((id) => !patients.has(id))
    .join(",");
  useEffect(() => {
    if (!missing) return;
    let live = true;
    for (const id of missing.split(",")) {
      getDoc(doc(db, "patients", id))
        .then((snap) => {
          if (live && snap.exists())
            setPatients((prev) => new Map(prev).set(id, { ...(snap.data() as StoredPatient), id }));
        })
        .catch(() => undefined); // not readable to this doctor: the row shows "not readable"
    }
    return () => {
      live = false;
    };
  }, [db, missing]);

  return {
    loading: loaded < 1,
    items: [...merged.values()].map((c) => ({ case: c, patient: patients.get(c.patient_id) })),
    error,
  };
}
