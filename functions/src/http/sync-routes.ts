import { createHash } from "node:crypto";
import {
  LIMITS,
  canonicalJson,
  isPullQuery,
  isSeedSyncRequest,
  isWatermelonPushRequest,
  toWatermelonRaw,
} from "@dermadetect/contract";
import type { PullQuery, RecordResult, SyncTable, WatermelonRaw } from "@dermadetect/contract";
import { auditRead } from "../adapters/audit";
import { db } from "../adapters/firebase";
import { noteDiagnosisDeliveries } from "../adapters/diagnosis-delivery";
import { applySyncBatch, pullScope } from "../adapters/sync-store";
import type { PullPage, SyncBatchOutcome, SyncSource } from "../adapters/sync-store";
import { countRecords, seedItems, watermelonItems } from "../domain/batch-items";
import type { BatchItem } from "../domain/plan-batch";
import { AppError, ErrorCode } from "../errors";
import { log } from "../logger";
import { nestingExceeds } from "./json-depth";
import type { HttpRequest, Route } from "./router";

/*
 * The sync routes (DESIGN.md §5, docs/sync-protocol.md). All three call the same core
 * (applySyncBatch / pullScope); they differ only in wire format. CHWs only: the router's role
 * gate answers 403 to anyone else, and the caller's uid (from the token) is the scope.
 */

function refuseDeepNesting(text: Uint8Array | string): void {
  if (nestingExceeds(text, LIMITS.maxBodyDepth)) {
    throw new AppError(
      ErrorCode.BAD_REQUEST,
      `The body nests deeper than ${LIMITS.maxBodyDepth} levels`,
    );
  }
}

/**
 * Parses the body from the raw bytes, so malformed JSON gets our coded 400 whatever the content
 * type. The nesting scan runs first: a pathologically deep body is refused without parsing it.
 */
export function jsonBody(req: HttpRequest): unknown {
  if (req.rawBody && req.rawBody.length > 0) {
    refuseDeepNesting(req.rawBody);
    try {
      return JSON.parse(req.rawBody.toString("utf8")) as unknown;
    } catch {
      throw new AppError(ErrorCode.BAD_REQUEST, "The body is not valid JSON");
    }
  }
  if (typeof req.body === "string") {
    refuseDeepNesting(req.body);
    try {
      return JSON.parse(req.body) as unknown;
    } catch {
      throw new AppError(ErrorCode.BAD_REQUEST, "The body is not valid JSON");
    }
  }
  return req.body;
}

function checkRecordCount(changes: unknown): void {
  const n = countRecords(changes);
  if (n > LIMITS.maxRecordsPerBatch) {
    throw new AppError(
      ErrorCode.TOO_MANY_RECORDS,
      `A batch may carry at most ${LIMITS.maxRecordsPerBatch} records (got ${n})`,
    );
  }
}

/** A batch id derived from the content, for clients that send none: a resend is a replay. */
export function derivedBatchId(prefix: string, content: unknown): string {
  return `${prefix}-${createHash("sha256").update(canonicalJson(content)).digest("hex").slice(0, 40)}`;
}

/** Applies a batch and logs the tally (counts only: never record contents). */
export async function applyAndLog(input: {
  chwId: string;
  batchId: string;
  items: BatchItem[];
  source: SyncSource;
  requestId: string;
  nowMs: number;
}): Promise<SyncBatchOutcome> {
  const started = Date.now();
  const out = await applySyncBatch(db(), input);
  const tally = (o: RecordResult["outcome"]) => out.results.filter((r) => r.outcome === o).length;
  log.info("sync batch", {
    request_id: input.requestId,
    uid: input.chwId,
    batch_id: input.batchId,
    stage: input.source,
    record_count: input.items.length,
    applied: tally("applied"),
    duplicate: tally("duplicate"),
    stale: tally("stale"),
    rejected: tally("rejected"),
    outcome: out.replayed ? "replayed" : "applied",
    duration_ms: Date.now() - started,
  });
  return out;
}

function parseQuery(req: HttpRequest): PullQuery {
  const query = Object.fromEntries(Object.entries(req.query).filter(([, v]) => v !== undefined));
  if (!isPullQuery(query)) throw new AppError(ErrorCode.BAD_QUERY, "Invalid query parameters");
  return query;
}

/**
 * WatermelonDB refuses a zero timestamp, and an empty scope has seq 0, so its wire timestamp is
 * `server_seq + 1`. Devices treat it as opaque and send it back as `last_pulled_at`.
 */
const WMDB_CURSOR_OFFSET = 1;

function cursorOf(q: PullQuery): number {
  if (q.migration !== undefined && q.migration !== "null") return 0; // a migration re-pulls fully
  if (q.last_pulled_at === undefined || q.last_pulled_at === "null") return 0;
  return Math.max(0, Number(q.last_pulled_at) - WMDB_CURSOR_OFFSET);
}

function pageSize(q: PullQuery): number {
  return Math.min(Number(q.limit ?? LIMITS.defaultPullPage), LIMITS.maxPullPage);
}

/** Audits a pull page that carries records (ids only); an empty page reads no patient data. */
async function auditPull(
  chwId: string,
  page: PullPage,
  action: string,
  requestId: string,
): Promise<void> {
  const ids = [...page.records.patients, ...page.records.cases, ...page.records.diagnoses].map(
    (r) => String(r.id),
  );
  if (ids.length === 0) return;
  await auditRead(db(), {
    actor: chwId,
    role: "chw",
    action,
    resource: { collection: "patients,cases,diagnoses", ids },
    outcome: "ok",
    request_id: requestId,
  });
}

/** `POST /v1/sync`: seed format; pushes the changes, then answers the pull since the cursor. */
export const seedSyncRoute: Route = {
  method: "POST",
  path: "/v1/sync",
  roles: ["chw"],
  async handle({ req, auth }) {
    const chwId = auth!.uid;
    const body = jsonBody(req);
    checkRecordCount((body as { changes?: unknown } | null)?.changes);
    if (!isSeedSyncRequest(body)) {
      throw new AppError(ErrorCode.BAD_REQUEST, "The body does not match the seed sync request");
    }
    const nowMs = Date.now();
    const changes = body.changes as Record<string, unknown[]>;
    const batchId = body.batch_id ?? derivedBatchId("auto", { d: body.device_id, c: changes });
    const out = await applyAndLog({
      chwId,
      batchId,
      items: seedItems(changes, nowMs),
      source: "https",
      requestId: req.requestId,
      nowMs,
    });
    // Echo suppression: when nothing but this request changed the scope since the device's
    // cursor, the pull starts after this request's own writes (their seqs are in `results`).
    const cursor = body.last_sync_timestamp ?? 0;
    const from = out.ownSpan && out.ownSpan.from === cursor ? out.ownSpan.to : cursor;
    const page = await pullScope(db(), chwId, from, LIMITS.defaultPullPage);
    await noteDiagnosisDeliveries(db(), chwId, page.records.diagnoses, req.requestId);
    await auditPull(chwId, page, "sync.pull.https", req.requestId);
    return {
      status: 200,
      body: {
        new_sync_timestamp: page.cursor,
        server_updates: page.records,
        results: out.results,
        ...(out.clockSkewMs > 0 && { clock_skew_ms: out.clockSkewMs }),
        manifest: page.manifest,
        has_more: page.hasMore,
        ...(out.replayed && { replayed: true }),
        server_time: nowMs,
      },
    };
  },
};

/** Shapes a pull page the WatermelonDB way: created/updated/deleted per table, JSON columns as strings. */
export function watermelonPull(page: PullPage, cursor: number) {
  const changes = {} as Record<
    SyncTable,
    { created: WatermelonRaw[]; updated: WatermelonRaw[]; deleted: string[] }
  >;
  for (const table of Object.keys(page.records) as SyncTable[]) {
    const set = {
      created: [] as WatermelonRaw[],
      updated: [] as WatermelonRaw[],
      deleted: [] as string[],
    };
    for (const r of page.records[table]) {
      if (r.deleted_at != null) {
        // A device that never saw the record has nothing to delete; harmless either way.
        if (cursor > 0) set.deleted.push(String(r.id));
        continue;
      }
      const live = { ...r };
      delete live.deleted_at;
      const raw = toWatermelonRaw(live);
      if (cursor === 0 || Number(r.created_seq ?? 0) > cursor) set.created.push(raw);
      else set.updated.push(raw);
    }
    changes[table] = set;
  }
  return {
    changes,
    timestamp: page.cursor + WMDB_CURSOR_OFFSET,
    manifest: page.manifest,
    has_more: page.hasMore,
  };
}

/** `GET /v1/sync/pull`: WatermelonDB pull, paged by the server cursor. */
export const pullRoute: Route = {
  method: "GET",
  path: "/v1/sync/pull",
  roles: ["chw"],
  async handle({ req, auth }) {
    const q = parseQuery(req);
    const cursor = cursorOf(q);
    const page = await pullScope(db(), auth!.uid, cursor, pageSize(q));
    await noteDiagnosisDeliveries(db(), auth!.uid, page.records.diagnoses, req.requestId);
    await auditPull(auth!.uid, page, "sync.pull.watermelon", req.requestId);
    return { status: 200, body: watermelonPull(page, cursor) };
  },
};

/** `POST /v1/sync/push`: WatermelonDB push; per-record results, never all-or-nothing. */
export const pushRoute: Route = {
  method: "POST",
  path: "/v1/sync/push",
  roles: ["chw"],
  async handle({ req, auth }) {
    parseQuery(req);
    const body = jsonBody(req);
    checkRecordCount((body as { changes?: unknown } | null)?.changes);
    if (!isWatermelonPushRequest(body)) {
      throw new AppError(ErrorCode.BAD_REQUEST, "The body does not match the WatermelonDB push");
    }
    const nowMs = Date.now();
    const out = await applyAndLog({
      chwId: auth!.uid,
      batchId: derivedBatchId("wmdb", body.changes),
      items: watermelonItems(body.changes, nowMs),
      source: "watermelon",
      requestId: req.requestId,
      nowMs,
    });
    return {
      status: 200,
      body: {
        results: out.results,
        ...(out.clockSkewMs > 0 && { clock_skew_ms: out.clockSkewMs }),
        ...(out.replayed && { replayed: true }),
        server_time: nowMs,
      },
    };
  },
};

/** The sync routes, for the route table. */
export const syncRoutes: Route[] = [seedSyncRoute, pullRoute, pushRoute];
