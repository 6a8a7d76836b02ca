import { onObjectFinalized } from "firebase-functions/v2/storage";
import type { DocumentData, Firestore, Transaction } from "firebase-admin/firestore";
import { MAX_IMAGE_BYTES } from "@dermadetect/contract";
import { jobKeyFor, jobsExist, requestAnalysis } from "../adapters/analysis-jobs";
import { writeAudit } from "../adapters/audit";
import { db } from "../adapters/firebase";
import { imageStore } from "../adapters/image-store";
import { declaredPixels } from "../adapters/model-images";
import { ScopeWriter } from "../adapters/scope-writer";
import { withReview } from "../adapters/case-review";
import { answerRequest } from "@dermadetect/contract";
import { params } from "../config";
import type { CaseView } from "../domain/case-view";
import {
  MAX_IMAGE_PIXELS,
  isVerifiedState,
  normalizeCaseImage,
  parseImageKey,
  verifyImageBytes,
} from "../domain/images";
import type { CaseImage, ImageRejectReason, ImageVerdict } from "../domain/images";
import type { ImageStore } from "../domain/image-store";
import { log } from "../logger";

/** The part of a finalized object the verification needs. */
export interface FinalizedObject {
  name: string;
  size: number;
}

/** What verification needs; the local image store passes its own. */
export interface VerifyDeps {
  db: Firestore;
  store: ImageStore;
  now: () => number;
}

/** What happened to one finalized object. */
export type VerifyOutcome = "verified" | "rejected" | "duplicate" | "orphan" | "ignored";

type Located = { caseId: string; entry: CaseImage; have: CaseView };

/** Reads the case and its entry for `key`, or undefined when the object belongs to no live entry. */
async function locate(
  tx: Transaction,
  firestore: Firestore,
  caseId: string,
  sha256: string,
  key: string,
): Promise<Located | undefined> {
  const snap = await tx.get(firestore.doc(`cases/${caseId}`));
  const have = snap.data() as CaseView | undefined;
  if (!have || have.deleted_at != null) return undefined;
  const raw = (have.images ?? []).find((e) => e.sha256 === sha256);
  const entry = raw ? normalizeCaseImage(caseId, raw) : undefined;
  if (!entry || entry.image_key !== key) return undefined;
  return { caseId, entry, have };
}

/** The case's image list with one entry replaced. */
function withImage(have: CaseView, caseId: string, next: CaseImage): Partial<CaseImage>[] {
  return (have.images ?? []).map((e) =>
    e.sha256 === next.sha256 ? next : (normalizeCaseImage(caseId, e) ?? e),
  );
}

/** Step 1: the object arrived; `queued` (or a retried `rejected`) becomes `uploaded`. */
async function markUploaded(
  firestore: Firestore,
  caseId: string,
  sha256: string,
  key: string,
): Promise<Located | undefined> {
  return firestore.runTransaction(async (tx) => {
    const found = await locate(tx, firestore, caseId, sha256, key);
    if (!found || found.entry.state === "uploaded" || isVerifiedState(found.entry.state)) {
      return found;
    }
    const scope = await ScopeWriter.open(tx, firestore, found.have.chw_id);
    const next: CaseImage = { ...found.entry, state: "uploaded" };
    delete next.reason;
    scope.put("cases", caseId, { images: withImage(found.have, caseId, next) }, found.have);
    scope.commit();
    return found;
  });
}

/**
 * Step 2: record the verdict. A verified image bumps `content_version`; on a live RED case it
 * also queues a new analysis job (new `job_key`) in the same transaction as the case write.
 * Returns undefined when the entry changed meanwhile (already settled: a redelivery).
 */
async function settle(
  deps: VerifyDeps,
  caseId: string,
  sha256: string,
  key: string,
  verdict: ImageVerdict,
): Promise<VerifyOutcome> {
  const firestore = deps.db;
  return firestore.runTransaction(async (tx) => {
    const found = await locate(tx, firestore, caseId, sha256, key);
    if (!found) return "orphan";
    if (isVerifiedState(found.entry.state)) return "duplicate";
    const { have, entry } = found;
    const now = deps.now();
    const version = (have.content_version ?? 0) + 1;
    const queueAnalysis = verdict.ok && have.risk_level === "RED";
    const jobKey = jobKeyFor(caseId, version);
    const [jobExists = false] = queueAnalysis ? await jobsExist(tx, firestore, [jobKey]) : [];
    const scope = await ScopeWriter.open(tx, firestore, have.chw_id);
    let update: Record<string, unknown>;
    if (verdict.ok) {
      const next: CaseImage = { ...entry, state: "verified" };
      delete next.reason;
      update = { images: withImage(have, caseId, next), content_version: version };
      if (queueAnalysis) {
        const request = requestAnalysis(tx, firestore, {
          caseId,
          chwId: have.chw_id,
          contentVersion: version,
          now,
          exists: jobExists,
        });
        update.analysis = request.analysis;
        update.timeline = { analysis_requested_at: now };
      }
    } else {
      const next: CaseImage = { ...entry, state: "rejected", reason: verdict.reason };
      update = { images: withImage(have, caseId, next) };
    }
    // A new verified photo answers the doctor's open request (the case returns to the queue).
    const answer = verdict.ok ? answerRequest(have as DocumentData, now) : undefined;
    if (answer) Object.assign(update, answer);
    scope.put("cases", caseId, answer ? update : withReview(have, update, now), have);
    scope.commit();
    writeAudit(tx, firestore, {
      actor: "system",
      role: "system",
      action: "case.image.verify",
      resource: { collection: "cases", ids: [caseId] },
      outcome: verdict.ok ? "ok" : "rejected",
      request_id: `image:${sha256.slice(0, 16)}`,
    });
    return verdict.ok ? "verified" : "rejected";
  });
}

/**
 * Verifies a photo that arrived in the image store: size, type by magic bytes and sha256 equal
 * to the one in its name. The image becomes `verified` on the case, or the object is deleted
 * and the image marked `rejected` with a reason. Idempotent: a redelivered event for a settled
 * image changes nothing. Objects that belong to no live case entry are deleted. Transient
 * failures throw, so the trigger (retry on) runs it again.
 */
export async function handleObjectFinalized(
  obj: FinalizedObject,
  deps: VerifyDeps,
): Promise<VerifyOutcome> {
  const parsed = parseImageKey(obj.name);
  if (!parsed) {
    log.warn("object outside the image layout left alone", { stage: "image_verify" });
    return "ignored";
  }
  const { caseId, sha256 } = parsed;
  const found = await markUploaded(deps.db, caseId, sha256, obj.name);
  if (!found) {
    await deps.store.remove(obj.name);
    log.warn("orphan image deleted", { case_id: caseId, stage: "image_verify", outcome: "orphan" });
    return "orphan";
  }
  if (isVerifiedState(found.entry.state)) return "duplicate";
  let verdict: ImageVerdict;
  if (obj.size > MAX_IMAGE_BYTES) {
    verdict = { ok: false, reason: "too_large" };
  } else {
    const bytes = await deps.store.read(obj.name);
    if (!bytes) {
      // Deleted between finalize and now (a newer event settles it); nothing to verify.
      return "ignored";
    }
    verdict = verifyImageBytes(bytes, found.entry);
    // Header only, never a decode: a small file declaring billions of pixels is refused here,
    // so the analysis never opens it (issue 17).
    const pixels = verdict.ok ? await declaredPixels(bytes) : undefined;
    if (pixels !== undefined && pixels > MAX_IMAGE_PIXELS)
      verdict = { ok: false, reason: "too_many_pixels" };
  }
  const outcome = await settle(deps, caseId, sha256, obj.name, verdict);
  // Marked first, deleted second: if the delete fails, the retry finds the object again.
  if (outcome === "rejected" || outcome === "orphan") await deps.store.remove(obj.name);
  log.info("image verification", {
    case_id: caseId,
    stage: "image_verify",
    outcome,
    code: verdict.ok ? undefined : (verdict.reason satisfies ImageRejectReason),
  });
  return outcome;
}

/** Storage trigger on the images bucket (deployed as `verifyImage`). */
export const verifyImage = onObjectFinalized(
  { bucket: params.imagesBucket, retry: true, memory: "512MiB", timeoutSeconds: 120 },
  (event) =>
    handleObjectFinalized(
      { name: event.data.name, size: Number(event.data.size) },
      { db: db(), store: imageStore(), now: () => Date.now() },
    ),
);
