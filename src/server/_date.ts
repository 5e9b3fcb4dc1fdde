/**
 * The `Date` field value (RFC 9110 section 5.6.7 IMF-fixdate), formatted at most once per second:
 * `toUTCString()` costs more than the rest of a small response head.
 *
 * @module
 */

let cachedSecond = -1;
let cachedValue = "";

/** Current time as an HTTP date, e.g. `Wed, 25 Nov 2026 12:00:00 GMT`. */
export function httpDate(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedValue = new Date(second * 1000).toUTCString();
  }
  return cachedValue;
}
