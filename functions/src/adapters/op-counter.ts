import { AsyncLocalStorage } from "node:async_hooks";
import type { Firestore } from "firebase-admin/firestore";

/*
 * Opt-in counting of the Firestore operations a call bills, for the benchmarks' operation
 * counts and the cost model (docs/cost.md). It wraps the one Firestore handle's two RPC funnels
 * (`request` for unary calls such as commit, `requestStream` for getAll and queries) and counts
 * what went over the wire, so a count is measured, never derived from reading our code:
 *
 * - reads: one per document a batchGet asked for (found or missing: Firestore bills a lookup of a
 *   missing document as a read), one per document a query returned, and at least one per query
 *   (an empty result is billed one read); an aggregation query counts one;
 * - writes: one per `update` (set, create, update, merge) or standalone transform in a commit;
 * - deletes: one per `delete` in a commit.
 *
 * A transaction's commit is counted once, when it is sent; an aborted attempt's reads count
 * (they were billed) and its writes do not (nothing was committed). The funnels are internal
 * SDK methods (`@google-cloud/firestore` 7.x); `countingEnabled()` keeps the wrapper off
 * everywhere except a local stack started with FIRESTORE_COUNT_OPS=1, so production never runs
 * it. If the SDK ever renames them, `countOperations` leaves the handle unwrapped.
 */

export interface OpCounts {
  reads: number;
  writes: number;
  deletes: number;
}

const scope = new AsyncLocalStorage<OpCounts>();

/** True on a local stack that asked for counts (never set in production). */
export function countingEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.FIRESTORE_COUNT_OPS === "1" && Boolean(env.FIRESTORE_EMULATOR_HOST);
}

/** Runs `fn` with a fresh counter; every operation `fn` causes on a wrapped handle lands in it. */
export async function withOpCounts<T>(fn: () => Promise<T>): Promise<{ value: T; ops: OpCounts }> {
  const ops: OpCounts = { reads: 0, writes: 0, deletes: 0 };
  const value = await scope.run(ops, fn);
  return { value, ops };
}

/** `r=12 w=3 d=0`: the shape of the `x-firestore-ops` header and the log line. */
export function formatOps(ops: OpCounts): string {
  return `r=${ops.reads} w=${ops.writes} d=${ops.deletes}`;
}

/** Parses `formatOps` output (the benchmarks read it back from the header). */
export function parseOps(header: string | null | undefined): OpCounts | undefined {
  const m = /^r=(\d+) w=(\d+) d=(\d+)$/.exec(header ?? "");
  return m ? { reads: Number(m[1]), writes: Number(m[2]), deletes: Number(m[3]) } : undefined;
}

interface Funnels {
  request: (method: string, request: unknown, ...rest: unknown[]) => Promise<unknown>;
  requestStream: (
    method: string,
    bidi: boolean,
    request: unknown,
    ...rest: unknown[]
  ) => Promise<NodeJS.ReadableStream>;
}

interface CommitRequest {
  writes?: { update?: unknown; delete?: unknown; transform?: unknown }[];
}

/** Counts the writes and deletes of a commit (or batchWrite) request. */
export function countCommit(request: unknown, into: OpCounts): void {
  for (const w of (request as CommitRequest | undefined)?.writes ?? []) {
    if (w.delete) into.deletes++;
    else if (w.update || w.transform) into.writes++;
  }
}

/**
 * Wraps `db` in place so its operations are counted into the caller's `withOpCounts` scope
 * (operations outside any scope are not counted). Returns the same handle.
 */
const wrapped = new WeakSet<Firestore>();

export function countOperations(db: Firestore): Firestore {
  const f = db as unknown as Partial<Funnels>;
  if (wrapped.has(db)) return db;
  if (typeof f.request !== "function" || typeof f.requestStream !== "function") return db;
  wrapped.add(db);
  const request = f.request.bind(db);
  const requestStream = f.requestStream.bind(db);
  f.request = (method, req, ...rest) => {
    const ops = scope.getStore();
    const out = request(method, req, ...rest);
    if (ops && (method === "commit" || method === "batchWrite")) {
      // Counted once the commit succeeded: an aborted or failed commit wrote nothing.
      return out.then((r) => {
        countCommit(req, ops);
        return r;
      });
    }
    return out;
  };
  f.requestStream = async (method, bidi, req, ...rest) => {
    const ops = scope.getStore();
    const stream = await requestStream(method, bidi, req, ...rest);
    if (!ops) return stream;
    if (method === "batchGetDocuments") {
      ops.reads += ((req as { documents?: unknown[] }).documents ?? []).length;
    } else if (method === "runQuery") {
      // The minimum of one read per query, then one for every document after the first.
      ops.reads += 1;
      let seen = 0;
      // The SDK hands the stream over paused; a 'data' listener on a paused stream does not
      // start it, it only sees what the SDK itself reads.
      stream.on("data", (chunk: { document?: unknown }) => {
        if (chunk.document && ++seen > 1) ops.reads++;
      });
    } else if (method === "runAggregationQuery") {
      ops.reads += 1;
    }
    return stream;
  };
  return db;
}

/** Where background functions leave their counts on a counting stack (never in production). */
export const OP_COUNTS_COLLECTION = "benchOpCounts";

/** One background invocation's counts, as `benchOpCounts/{auto}` holds them. */
export interface TriggerOpCounts extends OpCounts {
  fn: string;
  /** What the event was about: a document path, or the analysis message's job key. */
  subject: string;
  at_ms: number;
  /** Wall time of the invocation on this machine (an upper bound for GB-seconds; docs/cost.md). */
  duration_ms: number;
}

/**
 * The event's subject without its contents: a Firestore event's document path, a Pub/Sub
 * analysis message's job key (ids only; never the document's or the message's data).
 */
export function eventSubject(event: unknown): string {
  const e = event as {
    document?: unknown;
    subject?: unknown;
    data?: { message?: { data?: unknown } };
  };
  if (typeof e?.document === "string") return e.document;
  const raw = e?.data?.message?.data;
  if (typeof raw === "string") {
    try {
      const msg = JSON.parse(Buffer.from(raw, "base64").toString("utf8")) as { job_key?: unknown };
      if (typeof msg.job_key === "string") return `job/${msg.job_key}`;
    } catch {
      // Not JSON: the subject below is all there is.
    }
  }
  return typeof e?.subject === "string" ? e.subject : "";
}

/**
 * Wraps a background function (Firestore or Pub/Sub trigger) so, on a counting stack only, the
 * Firestore operations of each invocation are counted and written to `benchOpCounts`, outside
 * the counted scope so the record does not count itself. A failed invocation's counts are
 * recorded too (they were billed). Elsewhere the function is returned untouched.
 */
export function countedTrigger<F extends (event: never) => unknown>(
  name: string,
  fn: F,
  db: () => Firestore,
  env: NodeJS.ProcessEnv = process.env,
): F {
  if (!countingEnabled(env)) return fn;
  const wrapped = async (event: never) => {
    const ops: OpCounts = { reads: 0, writes: 0, deletes: 0 };
    const started = Date.now();
    try {
      return await scope.run(ops, () => fn(event));
    } finally {
      const record: TriggerOpCounts = {
        fn: name,
        subject: eventSubject(event),
        at_ms: started,
        duration_ms: Date.now() - started,
        ...ops,
      };
      await db().collection(OP_COUNTS_COLLECTION).add(record);
    }
  };
  // The SDK's trigger carries its deployment description (`__endpoint`, `run`) as properties.
  return Object.assign(wrapped, fn);
}
