/**
 * Bounds of the sync contract (docs/sync-protocol.md §Limits). The schemas, the server and the
 * app all read them from here, so a device can refuse an oversize record before queuing it.
 */
export const LIMITS = {
  /** Records (created + updated + deleted, all tables) in one batch or push. */
  maxRecordsPerBatch: 500,
  /**
   * Estimated bytes of one transaction's writes. Firestore dropped its 500-writes-per-commit limit
   * on 2023-03-29; what remains is the 10 MiB request (which the emulator does not enforce), so a
   * batch whose estimated writes (records, analysis jobs, scope, receipt, audit) exceed this is
   * applied in chunks. Under the 2 MB body cap a whole batch is always one transaction.
   */
  maxTransactionBytes: 8 * 1024 * 1024,
  /** Records returned by one pull page (all tables together). */
  maxPullPage: 1000,
  /** Default pull page when the client does not ask for one. */
  defaultPullPage: 500,
  /**
   * Nesting depth of one record (objects and arrays). The known fields need 5; the slack is for
   * the open maps (`demographics`, `triage_data`), whose unknown keys a newer app may nest.
   */
  maxDepth: 16,
  /**
   * Serialized size of one record as stored (UTF-8 bytes of its JSON, ignored fields excluded):
   * 64 KiB, far under Firestore's 1 MiB document limit so server fields (analysis, timeline,
   * images) always fit beside it, and 30 such records still fit the 2 MB body.
   */
  maxRecordBytes: 64 * 1024,
  /** Keys of any one object inside a record (open maps included). */
  maxKeysPerObject: 64,
  /**
   * Nesting depth of a whole request body, checked on the raw text before JSON.parse (400
   * SYNC_1000 above it). Records sit at level 4 (seed) or 5 (WatermelonDB push), so a valid body
   * needs at most 19 (4 + 16 - 1); the slack keeps a record just past `maxDepth` a per-record `TOO_DEEP`
   * instead of failing its whole batch, while a body thousands of levels deep is never parsed.
   */
  maxBodyDepth: 32,
  /** Images listed on one case (bounds the array the upload route grows; OWASP API4). */
  maxImagesPerCase: 20,
  /**
   * Largest photo accepted, in bytes: 10 MiB, everywhere (the record schema, the upload request,
   * the signed URL's size range, verification and the model's image reader). 10 MiB is the bound
   * that already held at upload and on arrival, and a MedGemma request carries at most ~10 MB;
   * the record schema used to allow 15,000,000 bytes, which let a case list a photo that could
   * never be uploaded. The app resizes photos far below this before listing them.
   */
  maxImageBytes: 10 * 1024 * 1024,
  /** Largest JSON-encoded column on the WatermelonDB routes (characters; one record's cap). */
  maxJsonColumnChars: 64 * 1024,
  /** Future timestamps further ahead than this are clamped to server time (docs/design.md §5). */
  maxClockSkewMs: 5 * 60_000,
  /** Timestamps below this (after the seconds→ms conversion) are invalid: before 2015-01-01. */
  minTimestampMs: 1_420_070_400_000,
  /** Largest timestamp accepted on the wire before clamping (ms; year ~5138). */
  maxTimestampMs: 1e14,
  /** Values below this are seconds (seed clients) and are converted to ms (docs/design.md §5). */
  secondsThreshold: 1e11,
  /** Tombstones and receipts are kept at least this long (docs/design.md §5: ≥ 180 days). */
  tombstoneRetentionMs: 180 * 24 * 3600_000,
} as const;

/** Largest photo accepted (bytes); see `LIMITS.maxImageBytes`. */
export const MAX_IMAGE_BYTES = LIMITS.maxImageBytes;

/** Most images one case may list; see `LIMITS.maxImagesPerCase`. */
export const MAX_IMAGES_PER_CASE = LIMITS.maxImagesPerCase;

/**
 * Pattern of keys inside a record's open maps (`demographics`, `triage_data` and below): what a
 * newer app may add. Firestore field-path safe, no dots, no leading digit-only oddities.
 */
export const KEY_PATTERN = "^[A-Za-z_][A-Za-z0-9_-]{0,63}$";
