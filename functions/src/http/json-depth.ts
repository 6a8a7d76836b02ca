/*
 * A nesting check that runs on the body text BEFORE JSON.parse. JSON.parse of a body that is a
 * million `[` deep costs hundreds of milliseconds (or throws RangeError) before any of our
 * checks sees the value; this scan is linear, allocates nothing and stops at the
 * first container past the limit, so such a body costs a few microseconds instead.
 *
 * Depth is counted the way contract `inspectJson` counts it: the top-level value is level 1,
 * every object or array inside a container is one level more, scalars add nothing. So for any
 * valid JSON text, `nestingExceeds(text, n)` is true exactly when `inspectJson(JSON.parse(text), n)`
 * would find a container deeper than n. Brackets inside strings do not count. Invalid JSON is
 * not judged here: whatever this scan says, JSON.parse refuses it afterwards.
 */

const QUOTE = 0x22; // "
const BACKSLASH = 0x5c; // \
const OPEN_ARRAY = 0x5b; // [
const CLOSE_ARRAY = 0x5d; // ]
const OPEN_OBJECT = 0x7b; // {
const CLOSE_OBJECT = 0x7d; // }

/**
 * True when the JSON text nests objects/arrays deeper than `limit` levels (strings skipped).
 * Works on UTF-8 bytes or on a string: in UTF-8 the bytes of a multi-byte character are all
 * ≥ 0x80, so they never look like a quote, backslash or bracket.
 */
export function nestingExceeds(text: Uint8Array | string, limit: number): boolean {
  const isString = typeof text === "string";
  const n = text.length;
  let depth = 0;
  for (let i = 0; i < n; i++) {
    const c = isString ? text.charCodeAt(i) : text[i];
    if (c === QUOTE) {
      i = stringEnd(text, i);
      if (i < 0) return false; // unterminated: JSON.parse refuses it
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return false;
}

/**
 * Index of the quote that closes the string opened at `open`, or -1. The next quote is found
 * with the native indexOf (a byte loop over long strings was slower than JSON.parse itself);
 * it is escaped exactly when an odd run of backslashes precedes it, because a run of
 * backslashes inside a string always starts a fresh escape (`\\"` ends, `\\\"` does not).
 * Each character is looked at a bounded number of times: runs are counted back only to the
 * previous quote, so the whole scan stays linear.
 */
function stringEnd(text: Uint8Array | string, open: number): number {
  const isString = typeof text === "string";
  let from = open;
  for (;;) {
    const q = isString ? text.indexOf('"', from + 1) : text.indexOf(QUOTE, from + 1);
    if (q < 0) return -1;
    let k = q - 1;
    while (k > from && (isString ? text.charCodeAt(k) : text[k]) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q;
    from = q;
  }
}
