/**
 * The one id pattern: every id the system mints or names a document by (patients, cases,
 * diagnoses, `syncBatches` documents, the case part of an analysis job key). Client-generated
 * UUIDs match it. It starts with a letter or digit so an id can never be a reserved Firestore
 * document id (`__…__`), `.` or `..`, and is at most 64 characters. `firestore.rules` repeats
 * it for `syncBatches/{batch_id}` (a rules test pins the two together).
 */
export const ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";

/** Longest id `ID_PATTERN` accepts. */
export const ID_MAX_LENGTH = 64;

const idRegExp = new RegExp(ID_PATTERN);

/** True for a string that matches `ID_PATTERN`. */
export function isId(value: unknown): value is string {
  return typeof value === "string" && idRegExp.test(value);
}

/**
 * Firebase Auth uids (`chw_id`, `doctor_id`) are Firebase's, not ours: the admin tooling creates
 * them with this pattern, and the server never narrows it further.
 */
export const UID_PATTERN = "^[A-Za-z0-9_-]{1,128}$";

/**
 * Opaque client tokens of the seed format (`batch_id`, `device_id` on `POST /v1/sync`): not ids
 * of ours, so seed clients may also use `.` and `:` (timestamps, device serials), up to 128.
 */
export const TOKEN_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$";

/** An analysis job key: `{case_id}.v{content_version}`. */
export const JOB_KEY_PATTERN = `${ID_PATTERN.slice(0, -1)}\\.v[0-9]+$`;
