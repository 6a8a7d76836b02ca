import { useCallback, useEffect, useState } from "react";
import type { ApiClient, ApiError } from "@/lib/api-client";
import type { CaseReview, ReviewClaim } from "@/lib/case-types";

/** The review screen's data. */
export type ReviewData =
  | { kind: "loading" }
  | { kind: "error"; error: ApiError | "offline" }
  | { kind: "ok"; review: CaseReview; claim: ClaimState };

/** Whose claim is on the case. */
export type ClaimState =
  { kind: "none" } | { kind: "mine"; claim: ReviewClaim } | { kind: "other"; claim: ReviewClaim };

/** A claim lasts about 10 minutes; renewing every 4 keeps it while the doctor works. */
const RENEW_MS = 4 * 60_000;

async function claimCase(api: ApiClient, caseId: string): Promise<ClaimState> {
  const r = await api.post<ReviewClaim>(`/v1/cases/${encodeURIComponent(caseId)}/claim`, {});
  if (r.kind === "ok") return { kind: "mine", claim: r.value };
  if (r.kind === "error" && r.error.code === "SYNC_4091") {
    const claim = r.error.body.claim as ReviewClaim | undefined;
    if (claim) return { kind: "other", claim };
  }
  return { kind: "none" };
}

/**
 * Loads `GET /v1/cases/{id}/review` (photo URLs, history, diagnoses; the server audits the
 * opening) and, for a doctor, claims the case while the screen is open and releases it on leave.
 */
export function useCaseReview(
  api: ApiClient,
  caseId: string,
  canClaim: boolean,
): { data: ReviewData; reload: () => void } {
  const [data, setData] = useState<ReviewData>({ kind: "loading" });
  const [version, setVersion] = useState(0);
  const reload = useCallback(() => setVersion((v) => v + 1), []);

  useEffect(() => {
    let live = true;
    void (async () => {
      const r = await api.get<CaseReview>(`/v1/cases/${encodeURIComponent(caseId)}/review`);
      if (!live) return;
      if (r.kind !== "ok")
        return setData({ kind: "error", error: r.kind === "offline" ? "offline" : r.error });
      const claim = canClaim ? await claimCase(api, caseId) : { kind: "none" as const };
      if (live) setData({ kind: "ok", review: r.value, claim });
    })();
    return () => {
      live = false;
    };
  }, [api, caseId, canClaim, version]);

  useEffect(() => {
    if (!canClaim) return;
    const t = setInterval(() => {
      void claimCase(api, caseId).then((claim) =>
        setData((d) => (d.kind === "ok" ? { ...d, claim } : d)),
      );
    }, RENEW_MS);
    return () => {
      clearInterval(t);
      // Leaving the case frees it for the others at once instead of at expiry.
      void api.delete(`/v1/cases/${encodeURIComponent(caseId)}/claim`);
    };
  }, [api, caseId, canClaim]);

  return { data, reload };
}
