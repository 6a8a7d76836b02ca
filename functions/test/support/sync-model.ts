import { manifestOf } from "@dermadetect/contract";
import type { Manifest } from "@dermadetect/contract";
import type { Firestore } from "firebase-admin/firestore";

/**
 * A Jepsen-style model of what clients were told (reference/reliability-security.md §6): every
 * version of every record a client sent, and the versions the server acknowledged. After a run,
 * the store must hold, for every acknowledged record, a version at least as new as the newest
 * acknowledged one (last-write-wins by `last_modified_at`), never a version nobody sent, and no
 * record nobody sent. Unacknowledged sends (timeouts, 5xx) may or may not have been applied.
 */
export class SyncModel {
  /** key `${table}/${id}` → every last_modified_at sent. */
  private readonly sent = new Map<string, Set<number>>();
  /** key → newest acknowledged last_modified_at. */
  private readonly acked = new Map<string, number>();
  /** key → owning CHW. */
  private readonly owner = new Map<string, string>();

  /** Records that a client sent this version (before the answer is known). */
  send(chwId: string, table: string, id: string, lastModifiedAt: number): void {
    const key = `${table}/${id}`;
    this.owner.set(key, chwId);
    let versions = this.sent.get(key);
    if (!versions) this.sent.set(key, (versions = new Set()));
    versions.add(lastModifiedAt);
  }

  /** Records that the server acknowledged this version (outcome applied, duplicate or stale). */
  ack(table: string, id: string, lastModifiedAt: number): void {
    const key = `${table}/${id}`;
    this.acked.set(key, Math.max(this.acked.get(key) ?? 0, lastModifiedAt));
  }

  /** Acknowledged records. */
  get ackedCount(): number {
    return this.acked.size;
  }

  /** Every CHW that sent something. */
  chws(): string[] {
    return [...new Set(this.owner.values())];
  }

  /** Checks the store against the model; see `StoreCheck`. */
  async check(
    db: Firestore,
    tables: readonly string[] = ["patients", "cases"],
  ): Promise<StoreCheck> {
    const out: StoreCheck = {
      acked: this.acked.size,
      stored: 0,
      lost: 0,
      older_than_acked: 0,
      unknown_version: 0,
      unexpected: 0,
      content_mismatch: 0,
      manifest_mismatch: 0,
      examples: [],
    };
    const storedByKey = new Map<string, Record<string, unknown>>();
    for (const chwId of this.chws()) {
      const live: { collection: string; id: string; serverSeq: number }[] = [];
      for (const table of ["patients", "cases", "diagnoses"]) {
        const snap = await db.collection(table).where("chw_id", "==", chwId).get();
        for (const doc of snap.docs) {
          const data = doc.data();
          if (tables.includes(table)) storedByKey.set(`${table}/${doc.id}`, data);
          if (data.deleted_at == null) {
            live.push({ collection: table, id: doc.id, serverSeq: Number(data.server_seq) });
          }
        }
      }
      const scope = await db.doc(`syncScopes/${chwId}`).get();
      const want: Manifest = manifestOf(live);
      const have = scope.data() as { count?: number; hash?: string } | undefined;
      if (have?.count !== want.count || have.hash !== want.hash) {
        out.manifest_mismatch += 1;
        note(out, `scope ${chwId}: manifest ${have?.count}/${want.count}`);
      }
    }
    out.stored = storedByKey.size;
    for (const [key, lmt] of this.acked) {
      const doc = storedByKey.get(key);
      if (!doc) {
        out.lost += 1;
        note(out, `${key}: acknowledged but absent`);
        continue;
      }
      const storedLmt = Number(doc.last_modified_at);
      if (storedLmt < lmt) {
        out.older_than_acked += 1;
        note(out, `${key}: stored ${storedLmt} < acknowledged ${lmt}`);
      }
    }
    for (const [key, doc] of storedByKey) {
      const versions = this.sent.get(key);
      if (!versions) {
        out.unexpected += 1;
        note(out, `${key}: stored but never sent`);
        continue;
      }
      const storedLmt = Number(doc.last_modified_at);
      if (!versions.has(storedLmt)) {
        out.unknown_version += 1;
        note(out, `${key}: stored version ${storedLmt} was never sent`);
      }
      if (!contentMatches(key, doc, storedLmt)) {
        out.content_mismatch += 1;
        note(out, `${key}: content does not belong to version ${storedLmt}`);
      }
    }
    return out;
  }
}

/** What `SyncModel.check` found; every count except `acked` and `stored` must be 0. */
export interface StoreCheck {
  acked: number;
  stored: number;
  /** Acknowledged records missing from the store. */
  lost: number;
  /** Records whose stored version is older than the newest acknowledged one. */
  older_than_acked: number;
  /** Stored versions no client ever sent. */
  unknown_version: number;
  /** Stored records no client ever sent. */
  unexpected: number;
  /** Stored content that is not the content sent with the stored version. */
  content_mismatch: number;
  /** Scopes whose manifest (count, hash) differs from their live records. */
  manifest_mismatch: number;
  /** A few human-readable examples of violations. */
  examples: string[];
}

/** Sum of the violation counts of a check. */
export function violations(c: StoreCheck): number {
  return (
    c.lost +
    c.older_than_acked +
    c.unknown_version +
    c.unexpected +
    c.content_mismatch +
    c.manifest_mismatch
  );
}

function note(out: StoreCheck, line: string): void {
  if (out.examples.length < 5) out.examples.push(line);
}

/**
 * Model records carry their version in their content (`versionTag`), so a stored document can be
 * checked for mixing the fields of two versions.
 */
export function versionTag(lastModifiedAt: number): string {
  return `v${lastModifiedAt}`;
}

function contentMatches(key: string, doc: Record<string, unknown>, lmt: number): boolean {
  const tag = versionTag(lmt);
  if (key.startsWith("patients/")) {
    const d = doc.demographics as { village?: unknown } | undefined;
    return d?.village === tag;
  }
  if (key.startsWith("cases/")) {
    const t = doc.triage_data as { notes?: unknown } | undefined;
    return t?.notes === tag;
  }
  return true;
}
