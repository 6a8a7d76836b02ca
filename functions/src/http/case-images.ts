import type { Firestore } from "firebase-admin/firestore";
import { MAX_IMAGES_PER_CASE } from "@dermadetect/contract";
import type { ImageUploadRequest, ImageUploadResponse } from "@dermadetect/contract";
import { writeAudit } from "../adapters/audit";
import { db } from "../adapters/firebase";
import { imageStore } from "../adapters/image-store";
import { ScopeWriter } from "../adapters/scope-writer";
import type { CaseView } from "../domain/case-view";
import {
  UPLOAD_URL_TTL_MS,
  imageKeyFor,
  isVerifiedState,
  normalizeCaseImage,
} from "../domain/images";
import type { CaseImage } from "../domain/images";
import type { ImageStore } from "../domain/image-store";
import { AppError, ErrorCode } from "../errors";
import { log } from "../logger";
import { parseImageUploadRequest, parseRecordId } from "./image-schemas";
import type { AuthContext, Route } from "./router";

/** What the image routes need; tests pass their own store. */
export interface ImageRouteDeps {
  db: () => Firestore;
  store: () => ImageStore;
  now: () => number;
}

const defaultDeps: ImageRouteDeps = { db, store: imageStore, now: () => Date.now() };

const notFound = () => new AppError(ErrorCode.RESOURCE_NOT_FOUND, "No such case");

/**
 * Lists the image on the caller's case (as `queued`, or back to `queued` after a rejection)
 * in one transaction with its audit record, through the ScopeWriter so the CHW's pull sees the
 * entry. Another CHW's case, a deleted case and a missing case all answer the same 404, so the
 * route does not reveal which case ids exist.
 */
async function listImage(
  firestore: Firestore,
  caseId: string,
  auth: AuthContext,
  image: ImageUploadRequest,
  requestId: string,
): Promise<string> {
  return firestore.runTransaction(async (tx) => {
    const ref = firestore.doc(`cases/${caseId}`);
    const snap = await tx.get(ref);
    const have = snap.data() as CaseView | undefined;
    if (!have || have.chw_id !== auth.uid || have.deleted_at != null) throw notFound();
    const images = (have.images ?? []).map((e) => normalizeCaseImage(caseId, e) ?? e);
    const key = imageKeyFor(caseId, image.sha256, image.content_type);
    const queued: CaseImage = { ...image, state: "queued", image_key: key };
    const idx = images.findIndex((e) => e.sha256 === image.sha256);
    let next: Partial<CaseImage>[] | undefined;
    if (idx < 0) {
      if (images.length >= MAX_IMAGES_PER_CASE) {
        throw new AppError(ErrorCode.TOO_MANY_IMAGES, "The case has the most images allowed");
      }
      next = [...images, queued];
    } else {
      const listed = images[idx] as Partial<CaseImage>;
      if (listed.content_type !== image.content_type || listed.bytes !== image.bytes) {
        throw new AppError(
          ErrorCode.IMAGE_MISMATCH,
          "The case lists this image with another type or size",
        );
      }
      if (listed.state && isVerifiedState(listed.state)) {
        throw new AppError(ErrorCode.IMAGE_ALREADY_VERIFIED, "The image is already verified");
      }
      // A rejected upload may be retried: the entry goes back to queued, without its reason.
      const stored = have.images?.[idx];
      if (listed.state === "rejected" || stored?.image_key !== key || !stored.state) {
        next = images.map((e, i) => (i === idx ? queued : e));
      }
    }
    const scope = await ScopeWriter.open(tx, firestore, auth.uid);
    if (next) scope.put("cases", caseId, { images: next }, snap.exists ? have : undefined);
    scope.commit();
    writeAudit(tx, firestore, {
      actor: auth.uid,
      role: auth.role,
      action: "case.image.upload_url",
      resource: { collection: "cases", ids: [caseId] },
      outcome: "ok",
      request_id: requestId,
    });
    return key;
  });
}

/** Records a refused request (another CHW's or a missing case) in the audit log. */
async function auditDenied(
  firestore: Firestore,
  auth: AuthContext,
  caseId: string,
  requestId: string,
): Promise<void> {
  const batch = firestore.batch();
  writeAudit(batch, firestore, {
    actor: auth.uid,
    role: auth.role,
    action: "case.image.upload_url",
    resource: { collection: "cases", ids: [caseId] },
    outcome: "denied",
    request_id: requestId,
  });
  await batch.commit();
}

/** `POST /v1/cases/{id}/images`: a signed upload URL for one photo of the caller's own case. */
export function caseImagesRoute(deps: ImageRouteDeps = defaultDeps): Route {
  return {
    method: "POST",
    path: "/v1/cases/:id/images",
    roles: ["chw"],
    maxBodyBytes: 4096,
    async handle({ req, params, auth }) {
      const who = auth as AuthContext;
      const caseId = parseRecordId(params.id);
      const image = parseImageUploadRequest(req.body);
      const firestore = deps.db();
      let key: string;
      try {
        key = await listImage(firestore, caseId, who, image, req.requestId);
      } catch (e) {
        if (e instanceof AppError && e.code === ErrorCode.RESOURCE_NOT_FOUND) {
          await auditDenied(firestore, who, caseId, req.requestId);
        }
        throw e;
      }
      const signed = await deps.store().signUpload({
        key,
        contentType: image.content_type,
        now: deps.now(),
        ttlMs: UPLOAD_URL_TTL_MS,
      });
      log.info("image upload url issued", {
        request_id: req.requestId,
        case_id: caseId,
        stage: "image_upload_url",
      });
      const body: ImageUploadResponse = {
        upload_url: signed.url,
        method: "PUT",
        headers: signed.headers,
        expires_at: signed.expiresAt,
        image_key: key,
      };
      return { status: 200, body };
    },
  };
}
