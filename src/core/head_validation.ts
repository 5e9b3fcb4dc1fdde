/**
 * Checks for everything that goes into an outgoing head: field names and values, methods, request
 * targets, status codes and reason phrases. Node's codes and messages, so code written against `node:http`
 * that inspects `err.code` or `err.message` keeps working. No check lets CR, LF or NUL through, so nothing a
 * caller passes can end a line early and inject a field or a message.
 *
 * @module
 */

import { TOKEN } from "./_ascii.ts";
import { HttpUsageError } from "./errors.ts";

/**
 * Node's `checkInvalidHeaderChar`: a field value (and a reason phrase) may hold HTAB, SP, VCHAR and
 * obs-text (RFC 9110 section 5.5); everything else — CR, LF, NUL, other controls, DEL and any char above
 * 0xFF, which has no latin1 byte — is rejected.
 */
const INVALID_VALUE_CHAR = /[^\t\x20-\x7e\x80-\xff]/;

/**
 * Node's `INVALID_PATH_REGEX`: a request-target may hold 0x21-0xFF. No SP (it would end the target), no
 * controls; unlike a strict parser, Node lets DEL and obs-text through, and so do we.
 */
const INVALID_PATH_CHAR = /[^\u0021-\u00ff]/;

/** A value as a caller may give it: Node writes numbers in decimal and repeats a field for an array. */
export type OutgoingValue = string | number | readonly string[];

/** A `[name, value]` pair, the third form Node accepts for headers. */
export type HeaderPair = readonly [string, OutgoingValue];

function isToken(str: string): boolean {
  if (str.length === 0) return false;
  for (let i = 0; i < str.length; i++) {
    // A char above 0xFF reads `undefined` from the table, which is not 1.
    if (TOKEN[str.charCodeAt(i)] !== 1) return false;
  }
  return true;
}

/**
 * Throws unless `name` is a field name (`1*tchar`, RFC 9110 section 5.1). The error is Node's
 * `ERR_INVALID_HTTP_TOKEN`; `label` names the thing in the message, as Node's `label` argument does
 * (Node uses "Trailer name" for trailers).
 *
 * @example
 * ```ts
 * import { validateHeaderName } from "@wire/http/core";
 * validateHeaderName("X-Request-Id");
 * try {
 *   validateHeaderName("Bad Name");
 * } catch (err) {
 *   console.log((err as Error).message); // Header name must be a valid HTTP token ["Bad Name"]
 * }
 * ```
 */
export function validateHeaderName(name: string, label = "Header name"): void {
  if (typeof name !== "string" || !isToken(name)) {
    throw new HttpUsageError("ERR_INVALID_HTTP_TOKEN", `${label} must be a valid HTTP token ["${name}"]`);
  }
}

/**
 * Throws unless `value` may be written as the value of field `name`: `undefined` gives Node's
 * `ERR_HTTP_INVALID_HEADER_VALUE`; a char outside HTAB, 0x20-0x7E and 0x80-0xFF (so CR, LF, NUL, DEL, or
 * anything above 0xFF) gives `ERR_INVALID_CHAR`. An array is checked element by element; a number is
 * always valid.
 *
 * @example
 * ```ts
 * import { validateHeaderValue } from "@wire/http/core";
 * validateHeaderValue("Content-Type", "text/plain; charset=utf-8");
 * try {
 *   validateHeaderValue("Location", "/\r\nSet-Cookie: a=b");
 * } catch (err) {
 *   console.log((err as { code: string }).code); // "ERR_INVALID_CHAR"
 * }
 * ```
 */
export function validateHeaderValue(name: string, value: OutgoingValue | undefined): void {
  if (value === undefined) {
    throw new HttpUsageError(
      "ERR_HTTP_INVALID_HEADER_VALUE",
      `Invalid value "undefined" for header "${name}"`,
    );
  }
  if (typeof value === "string") {
    if (INVALID_VALUE_CHAR.test(value)) throw invalidChar(`header content ["${name}"]`);
    return;
  }
  if (typeof value === "number") return;
  for (const item of value) {
    if (INVALID_VALUE_CHAR.test(String(item))) throw invalidChar(`header content ["${name}"]`);
  }
}

/**
 * Throws Node's `ERR_INVALID_HTTP_TOKEN` unless `method` is a token (RFC 9110 section 9.1). Methods are
 * case-sensitive and any token is allowed, not only those in `METHODS`.
 *
 * @example
 * ```ts
 * import { validateMethod } from "@wire/http/core";
 * validateMethod("PURGE");
 * try {
 *   validateMethod("GET / HTTP/1.1\r\nHost: evil\r\n\r\nGET");
 * } catch (err) {
 *   console.log((err as { code: string }).code); // "ERR_INVALID_HTTP_TOKEN"
 * }
 * ```
 */
export function validateMethod(method: string): void {
  if (typeof method !== "string" || !isToken(method)) {
    throw new HttpUsageError("ERR_INVALID_HTTP_TOKEN", `Method must be a valid HTTP token ["${method}"]`);
  }
}

/**
 * Throws unless `path` can be written as a request-target: Node's `ERR_UNESCAPED_CHARACTERS` for any char
 * outside 0x21-0xFF (so SP, CR, LF, NUL, or a char with no latin1 byte). An empty path throws
 * `ERR_INVALID_ARG_VALUE`: Node replaces it with "/" before it gets this far, and an empty target would
 * make the request line unreadable.
 *
 * @example
 * ```ts
 * import { validatePath } from "@wire/http/core";
 * validatePath("/search?q=%20");
 * try {
 *   validatePath("/a b");
 * } catch (err) {
 *   console.log((err as Error).message); // Request path contains unescaped characters
 * }
 * ```
 */
export function validatePath(path: string): void {
  if (typeof path !== "string" || path.length === 0) {
    throw new HttpUsageError(
      "ERR_INVALID_ARG_VALUE",
      `The argument 'path' must be a non-empty string. Received ${JSON.stringify(path)}`,
    );
  }
  if (INVALID_PATH_CHAR.test(path)) {
    throw new HttpUsageError("ERR_UNESCAPED_CHARACTERS", "Request path contains unescaped characters");
  }
}

/**
 * Throws Node's `ERR_HTTP_INVALID_STATUS_CODE` unless `code` is an integer from 100 to 999 (RFC 9110
 * section 15: three digits). Unlike Node, which truncates with `code | 0` first, a fraction is rejected.
 *
 * @example
 * ```ts
 * import { validateStatusCode } from "@wire/http/core";
 * validateStatusCode(204);
 * try {
 *   validateStatusCode(1000);
 * } catch (err) {
 *   console.log((err as Error).message); // Invalid status code: 1000
 * }
 * ```
 */
export function validateStatusCode(code: number): void {
  if (!Number.isInteger(code) || code < 100 || code > 999) {
    throw new HttpUsageError("ERR_HTTP_INVALID_STATUS_CODE", `Invalid status code: ${describeStatus(code)}`);
  }
}

/**
 * The value in the message as Node's `%s` shows it: an object or array by its contents (`{}`, `[]`,
 * `{ a: 1 }`, `[ 1, 2 ]`) rather than `[object Object]`, anything else as a string.
 */
function describeStatus(code: unknown): string {
  if (typeof code !== "object" || code === null) return String(code);
  if (Array.isArray(code)) return code.length === 0 ? "[]" : `[ ${code.map(String).join(", ")} ]`;
  const entries = Object.entries(code);
  if (entries.length === 0) return "{}";
  return `{ ${entries.map(([k, v]) => `${k}: ${typeof v === "string" ? `'${v}'` : String(v)}`).join(", ")} }`;
}

/**
 * Throws Node's `ERR_INVALID_CHAR` if the reason phrase holds a char a field value may not (RFC 9112
 * section 4: `reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )`; empty is allowed too).
 *
 * @example
 * ```ts
 * import { validateStatusMessage } from "@wire/http/core";
 * validateStatusMessage("Not Found");
 * try {
 *   validateStatusMessage("OK\r\nSet-Cookie: a=b");
 * } catch (err) {
 *   console.log((err as Error).message); // Invalid character in statusMessage
 * }
 * ```
 */
export function validateStatusMessage(message: string): void {
  if (typeof message !== "string" || INVALID_VALUE_CHAR.test(message)) throw invalidChar("statusMessage");
}

function invalidChar(what: string): HttpUsageError {
  return new HttpUsageError("ERR_INVALID_CHAR", `Invalid character in ${what}`);
}

/** True when `value` may be written as a field value (HTAB, SP, VCHAR, obs-text; nothing above 0xFF). */
export function isFieldValue(value: string): boolean {
  return !INVALID_VALUE_CHAR.test(value);
}
