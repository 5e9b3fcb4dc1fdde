/**
 * Turns raw field lines into Node's `headers` object, with Node's duplicate rules
 * (`IncomingMessage._addHeaderLine` / `matchKnownFields` in `lib/_http_incoming.js`).
 *
 * @module
 */

import type { IncomingHeaders } from "./types.ts";

// How a repeated field is merged, per Node.
/** Joined with `", "` (RFC 9110 section 5.3: a list field may be split over lines). */
const COMMA = 0;
/** Node keeps the first value and drops the rest (singleton fields where a list makes no sense). */
const FIRST = 1;
/** `cookie` is joined with `"; "` (RFC 6265 section 5.4: one cookie-string). */
const COOKIE = 2;
/** `set-cookie` is always an array (RFC 6265 section 3: its values cannot be comma-joined). */
const ARRAY = 3;

function mergeRule(name: string): number {
  switch (name) {
    case "set-cookie":
      return ARRAY;
    case "cookie":
      return COOKIE;
    case "age":
    case "authorization":
    case "content-length":
    case "content-type":
    case "etag":
    case "expires":
    case "from":
    case "host":
    case "if-modified-since":
    case "if-unmodified-since":
    case "last-modified":
    case "location":
    case "max-forwards":
    case "proxy-authorization":
    case "referer":
    case "retry-after":
    case "server":
    case "user-agent":
      return FIRST;
    default:
      return COMMA;
  }
}

/** True when `name` has an ASCII upper-case letter, so `toLowerCase()` (an allocation) can be skipped. */
function hasUpper(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}

/**
 * Builds Node's `headers` object from `rawHeaders` (`[name0, value0, name1, value1, ...]`): names
 * lower-cased; `set-cookie` always an array; the first value kept for `age`, `authorization`,
 * `content-length`, `content-type`, `etag`, `expires`, `from`, `host`, `if-modified-since`,
 * `if-unmodified-since`, `last-modified`, `location`, `max-forwards`, `proxy-authorization`, `referer`,
 * `retry-after`, `server` and `user-agent`; `cookie` joined with `"; "`; every other repeated field joined
 * with `", "`. With `joinDuplicates` (Node's `joinDuplicateHeaders`), every repeated field but
 * `set-cookie` is joined with `", "` (`cookie` with `"; "`). A field named `__proto__` becomes an own
 * property and never changes the prototype.
 *
 * @example
 * ```ts
 * import { headersFromRaw } from "@wire/http/core";
 * const headers = headersFromRaw(["Host", "a", "Host", "b", "Accept", "x", "accept", "y", "Set-Cookie", "c=1"]);
 * console.log(headers); // { host: "a", accept: "x, y", "set-cookie": ["c=1"] }
 * ```
 */
export function headersFromRaw(raw: readonly string[], joinDuplicates = false): IncomingHeaders {
  const headers: IncomingHeaders = {};
  const n = raw.length - (raw.length & 1);
  for (let i = 0; i < n; i += 2) {
    const name = raw[i] as string;
    addField(headers, hasUpper(name) ? name.toLowerCase() : name, raw[i + 1] as string, joinDuplicates);
  }
  return headers;
}

/**
 * Adds one field to a `headers` object with Node's duplicate rules (see {@linkcode headersFromRaw}).
 * `lowerName` must already be lower-case: the head parser knows from validation whether a name has
 * upper-case letters, so it lower-cases only when needed.
 *
 * @example
 * ```ts
 * import { addField } from "./fields.ts";
 * const headers = {};
 * addField(headers, "cookie", "a=1");
 * addField(headers, "cookie", "b=2");
 * console.log(headers); // { cookie: "a=1; b=2" }
 * ```
 */
export function addField(
  headers: IncomingHeaders,
  lowerName: string,
  value: string,
  joinDuplicates = false,
): void {
  let rule = mergeRule(lowerName);
  if (joinDuplicates && rule === FIRST) rule = COMMA;
  const existing = Object.hasOwn(headers, lowerName) ? headers[lowerName] : undefined;
  if (existing === undefined) {
    const first = rule === ARRAY ? [value] : value;
    // Plain assignment to "__proto__" would call the prototype setter; define an own property instead.
    if (lowerName === "__proto__") {
      Object.defineProperty(headers, lowerName, {
        value: first,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    } else headers[lowerName] = first;
    return;
  }
  switch (rule) {
    case ARRAY:
      (existing as string[]).push(value);
      break;
    case COOKIE:
      headers[lowerName] = existing + "; " + value;
      break;
    case COMMA:
      // Once "__proto__" is an own data property, assignment writes that property, not the prototype.
      headers[lowerName] = existing + ", " + value;
      break;
  }
}
