import {
  LIMITS,
  WATERMELON_SCHEMA_VERSION,
  forSchemaVersion,
  isPullQuery,
  toWatermelonRaw,
} from "@dermadetect/contract";
import type { PullQuery, SyncTable, WatermelonRaw } from "@dermadetect/contract";
import { db } from "../adapters/firebase";
import { firestoreSyncStore } from "../adapters/sync-store";
import type { PullPage, SyncBatchOutcome, SyncStore } from "../domain/sync-store";
import { checkEnvelope, cursorAfterOwnWrites, pullChanges, receiveBatch } from "../sync/sync-core";
import { AppError, ErrorCode } from "../errors";
import { nestingExceeds } from "./json-depth";
import type { HttpRequest, HttpResponse, Route } from "./router";

/*
 * The sync routes (docs/sync-protocol.md, docs/architecture.md). They parse the request and
 * shape the answer; what a batch or a pull means is the sync core's (sync/sync-core.ts), the
 * same core the `applySync` trigger uses. CHWs only: the router's role gate answers 403 to
 * anyone else, and the caller's uid (from the token) is the scope.
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

/**
 * Shapes a pull page the WatermelonDB way: created/updated/deleted per table, JSON columns as
 * strings, only the columns the device's schema version has.
 */
export function watermelonPull(
  page: PullPage,
  cursor: number,
  schemaVersion: number = WATERMELON_SCHEMA_VERSION,
) {
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
      const raw = toWatermelonRaw(forSchemaVersion(table, live, schemaVersion));
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

/** The push half of an answer: per-record results, the clock skew if any, replay, server time. */
function pushAnswer(out: SyncBatchOutcome, nowMs: number) {
  return {
    results: out.results,
    ...(out.clockSkewMs > 0 && { clock_skew_ms: out.clockSkewMs }),
    ...(out.replayed && { replayed: true }),
    server_time: nowMs,
  };
}

/** What the sync routes talk to; unit tests pass an in-memory store and a fixed clock. */
export interface SyncRouteDeps {
  store: () => SyncStore;
  now: () => number;
}

const defaultDeps: SyncRouteDeps = { store: () => firestoreSyncStore(db()), now: () => Date.now() };

/** A CHW-only route; its handler gets the caller's uid (the router authenticates it first). */
function chwRoute(
  method: Route["method"],
  path: string,
  handle: (req: HttpRequest, chwId: string) => Promise<HttpResponse>,
): Route {
  return { method, path, roles: ["chw"], handle: async ({ req, auth }) => handle(req, auth!.uid) };
}

/** `POST /v1/sync`: seed format; pushes the changes, then answers the pull since the cursor. */
export function seedSyncRoute(deps: SyncRouteDeps = defaultDeps): Route {
  return chwRoute("POST", "/v1/sync", async (req, chwId) => {
    const body = checkEnvelope("seed", jsonBody(req));
    const store = deps.store();
    const nowMs = deps.now();
    const out = await receiveBatch(store, {
      format: "seed",
      chwId,
      batchId: body.batch_id,
      deviceId: body.device_id,
      changes: body.changes,
      source: "https",
      requestId: req.requestId,
      nowMs,
    });
    const page = await pullChanges(store, {
      chwId,
      cursor: cursorAfterOwnWrites(out, body.last_sync_timestamp ?? 0),
      limit: LIMITS.defaultPullPage,
      action: "sync.pull.https",
      requestId: req.requestId,
    });
    return {
      status: 200,
      body: {
        new_sync_timestamp: page.cursor,
        server_updates: page.records,
        manifest: page.manifest,
        has_more: page.hasMore,
        ...pushAnswer(out, nowMs),
      },
    };
  });
}

/** `GET /v1/sync/pull`: WatermelonDB pull, paged by the server cursor. */
export function pullRoute(deps: SyncRouteDeps = defaultDeps): Route {
  return chwRoute("GET", "/v1/sync/pull", async (req, chwId) => {
    const q = parseQuery(req);
    const cursor = cursorOf(q);
    const page = await pullChanges(deps.store(), {
      chwId,
      cursor,
      limit: pageSize(q),
      action: "sync.pull.watermelon",
      requestId: req.requestId,
    });
    const version =
      q.schema_version === undefined ? WATERMELON_SCHEMA_VERSION : Number(q.schema_version);
    return { status: 200, body: watermelonPull(page, cursor, version) };
  });
}

/** `POST /v1/sync/push`: WatermelonDB push; per-record results, never all-or-nothing. */
export function pushRoute(deps: SyncRouteDeps = defaultDeps): Route {
  return chwRoute("POST", "/v1/sync/push", async (req, chwId) => {
    parseQuery(req);
    const body = checkEnvelope("watermelon", jsonBody(req));
    const nowMs = deps.now();
    const out = await receiveBatch(deps.store(), {
      format: "watermelon",
      chwId,
      changes: body.changes,
      source: "watermelon",
      requestId: req.requestId,
      nowMs,
    });
    return { status: 200, body: pushAnswer(out, nowMs) };
  });
}

/** The sync routes, for the route table. */
export function createSyncRoutes(deps: SyncRouteDeps = defaultDeps): Route[] {
  return [seedSyncRoute(deps), pullRoute(deps), pushRoute(deps)];
}

/** The sync routes with production dependencies. */
export const syncRoutes: Route[] = createSyncRoutes();
