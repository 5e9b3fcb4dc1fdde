/**
 * Writes HTTP/1.1 message heads (RFC 9112 sections 3, 4 and 5) and checks everything that goes into them.
 *
 * Theory of operation: outgoing fields travel as a flat `[name0, value0, name1, value1, ...]` list (Node's
 * `rawHeaders` shape), case and order kept. Every name, value, method, target and reason phrase is checked
 * once, where it enters (the `validate*` functions and {@linkcode fieldsFromHeaders}); the serializers then
 * only concatenate, because a head is written for every message and must be cheap. No check lets CR, LF or
 * NUL through, so nothing a caller passes can end a line early and inject a field or a message.
 *
 * Every head goes through here: final heads (`serializeRequestHead`/`serializeResponseHead` with the
 * user's fields rendered by {@linkcode renderUserField} and the framing line from
 * {@linkcode implicitFramingField}), interim 1xx heads and Early Hints, and the client's `Host` value.
 *
 * Errors are {@linkcode HttpUsageError}s with Node's codes and messages, so code written against
 * `node:http` that inspects `err.code` or `err.message` keeps working.
 *
 * @module
 */

import { stringEqualsCaseless, TOKEN } from "./_ascii.ts";
import { HttpUsageError } from "./errors.ts";
import type { OutgoingFraming, OutgoingHeadFacts } from "./framing.ts";
import type { OutgoingHeaders } from "./types.ts";

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
    throw new HttpUsageError("ERR_HTTP_INVALID_STATUS_CODE", `Invalid status code: ${code}`);
  }
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

/** Appends one field (or one line per element of an array value) to `out`, validating as it goes. */
function pushField(out: string[], name: string, value: OutgoingValue | undefined): void {
  validateHeaderName(name);
  validateHeaderValue(name, value);
  if (typeof value === "string") out.push(name, value);
  else if (typeof value === "number") out.push(name, String(value));
  // An array means the field is repeated, one line per element, as Node writes `Set-Cookie`.
  else for (const item of value as readonly string[]) out.push(name, String(item));
}

/**
 * Turns headers in any of the three forms Node accepts into a validated flat field list
 * `[name0, value0, name1, value1, ...]`, case and order kept:
 * - an object `{ name: value }`;
 * - a flat list `[name0, value0, name1, value1, ...]` (Node's `rawHeaders` shape);
 * - a list of pairs `[[name0, value0], [name1, value1], ...]`.
 *
 * An array value becomes one line per element (an empty array, no line); a number becomes its decimal
 * string. Throws as {@linkcode validateHeaderName} and {@linkcode validateHeaderValue} do — so an object
 * property set to `undefined` throws, as it does in Node — and `ERR_INVALID_ARG_VALUE` for a flat list of
 * odd length or a pair that is not a pair.
 *
 * @example
 * ```ts
 * import { fieldsFromHeaders } from "@wire/http/core";
 * console.log(fieldsFromHeaders({ "Content-Length": 5, "Set-Cookie": ["a=1", "b=2"] }));
 * // [ "Content-Length", "5", "Set-Cookie", "a=1", "Set-Cookie", "b=2" ]
 * console.log(fieldsFromHeaders(["Host", "example.com"])); // [ "Host", "example.com" ]
 * console.log(fieldsFromHeaders([["Host", "example.com"]])); // [ "Host", "example.com" ]
 * ```
 */
export function fieldsFromHeaders(
  headers: OutgoingHeaders | readonly string[] | readonly HeaderPair[],
): string[] {
  const out: string[] = [];
  if (!Array.isArray(headers)) {
    const record = headers as OutgoingHeaders;
    for (const name of Object.keys(record)) pushField(out, name, record[name]);
    return out;
  }
  const list = headers as readonly (string | HeaderPair)[];
  if (list.length === 0) return out;
  if (Array.isArray(list[0])) {
    for (const pair of list) {
      if (!Array.isArray(pair) || pair.length !== 2) {
        throw new HttpUsageError(
          "ERR_INVALID_ARG_VALUE",
          `The argument 'headers' is invalid. Received a pair of ${
            Array.isArray(pair) ? `${pair.length} items` : typeof pair
          }`,
        );
      }
      pushField(out, pair[0] as string, pair[1] as OutgoingValue);
    }
    return out;
  }
  if (list.length % 2 !== 0) {
    throw new HttpUsageError(
      "ERR_INVALID_ARG_VALUE",
      `The argument 'headers' is invalid. Received a flat list of odd length ${list.length}`,
    );
  }
  for (let i = 0; i < list.length; i += 2) {
    pushField(out, list[i] as string, list[i + 1] as OutgoingValue);
  }
  return out;
}

/**
 * Writes a request head: request line, one line per field, and the empty line that ends the head. The
 * inputs must have been validated ({@linkcode validateMethod}, {@linkcode validatePath},
 * {@linkcode fieldsFromHeaders}); nothing is checked here, because this runs once per message.
 * `versionMinor` 0 writes `HTTP/1.0`, any other value `HTTP/1.1`. Encode the result with `encodeLatin1`.
 *
 * @example
 * ```ts
 * import { serializeRequestHead } from "@wire/http/core";
 * const head = serializeRequestHead("GET", "/", ["Host", "example.com"]);
 * console.log(JSON.stringify(head)); // "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
 * ```
 */
export function serializeRequestHead(
  method: string,
  target: string,
  fields: readonly string[],
  versionMinor = 1,
): string {
  let head = method + " " + target + (versionMinor === 0 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
  for (let i = 0; i + 1 < fields.length; i += 2) head += fields[i] + ": " + fields[i + 1] + "\r\n";
  return head + "\r\n";
}

/**
 * Writes a response head: status line, one line per field, and the empty line that ends the head. The
 * inputs must have been validated ({@linkcode validateStatusCode}, {@linkcode validateStatusMessage},
 * {@linkcode fieldsFromHeaders}); nothing is checked here. An empty `reason` still gets the space after the
 * code, which RFC 9112 section 4 requires. `versionMinor` 0 writes `HTTP/1.0`, any other value `HTTP/1.1`.
 * Encode the result with `encodeLatin1`.
 *
 * @example
 * ```ts
 * import { serializeResponseHead } from "@wire/http/core";
 * const head = serializeResponseHead(200, "OK", ["Content-Length", "0"]);
 * console.log(JSON.stringify(head)); // "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
 * ```
 */
export function serializeResponseHead(
  statusCode: number,
  reason: string,
  fields: readonly string[],
  versionMinor = 1,
): string {
  let head = (versionMinor === 0 ? "HTTP/1.0 " : "HTTP/1.1 ") + statusCode + " " + reason + "\r\n";
  for (let i = 0; i + 1 < fields.length; i += 2) head += fields[i] + ": " + fields[i + 1] + "\r\n";
  return head + "\r\n";
}

/** Appends `value` to a fact that may repeat, joined with ", " as a recipient would join the lines. */
function joined(previous: string | undefined, value: string): string {
  return previous === undefined ? value : previous + ", " + value;
}

/**
 * One field line of the user's (validated) fields, noting in `facts` the fields the framing decision and
 * the implicit fields depend on (Date, Host, Connection, Content-Length, Transfer-Encoding). A switch on
 * the name's length first: only five names matter, and most names are skipped with one comparison.
 *
 * @example
 * ```ts
 * import { type OutgoingHeadFacts, renderUserField } from "@wire/http/core";
 * const facts = { contentLength: undefined } as unknown as OutgoingHeadFacts;
 * console.log(JSON.stringify(renderUserField("content-length", "5", facts)), facts.contentLength);
 * // "content-length: 5\r\n" "5"
 * ```
 */
export function renderUserField(name: string, value: string, facts: OutgoingHeadFacts): string {
  switch (name.length) {
    case 4:
      if (stringEqualsCaseless(name, "date")) facts.date = true;
      else if (stringEqualsCaseless(name, "host")) facts.host = true;
      break;
    case 10:
      if (stringEqualsCaseless(name, "connection")) facts.connection = joined(facts.connection, value);
      break;
    case 14:
      if (stringEqualsCaseless(name, "content-length")) {
        facts.contentLength = joined(facts.contentLength, value);
      }
      break;
    case 17:
      if (stringEqualsCaseless(name, "transfer-encoding")) {
        facts.transferEncoding = joined(facts.transferEncoding, value);
      }
      break;
  }
  return name + ": " + value + "\r\n";
}

/**
 * The framing field the head needs beyond the user's: `Content-Length` when the framing decision chose a
 * length the user did not set, `Transfer-Encoding: chunked` when it chose chunked on its own, else "".
 *
 * @example
 * ```ts
 * import { implicitFramingField, type OutgoingHeadFacts } from "@wire/http/core";
 * const facts = { contentLength: undefined, transferEncoding: undefined, length: 5 } as OutgoingHeadFacts;
 * console.log(JSON.stringify(implicitFramingField("length", facts))); // "Content-Length: 5\r\n"
 * ```
 */
export function implicitFramingField(framing: OutgoingFraming, facts: OutgoingHeadFacts): string {
  if (framing === "length" && facts.contentLength === undefined) {
    return "Content-Length: " + facts.length + "\r\n";
  }
  if (framing === "chunked" && facts.transferEncoding === undefined) return "Transfer-Encoding: chunked\r\n";
  return "";
}

/**
 * An interim (1xx) response head, always HTTP/1.1 (HTTP/1.0 peers do not know 1xx; the caller skips them).
 * Throws `ERR_HTTP_INVALID_STATUS_CODE` unless `statusCode` is 100-199 and `ERR_INVALID_CHAR` for a bad
 * reason; `fields` must be validated already ({@linkcode earlyHintsFields}, {@linkcode fieldsFromHeaders}).
 * Encode the result with `encodeLatin1`.
 *
 * @example
 * ```ts
 * import { serializeInformationalHead } from "@wire/http/core";
 * console.log(JSON.stringify(serializeInformationalHead(100, "Continue"))); // "HTTP/1.1 100 Continue\r\n\r\n"
 * ```
 */
export function serializeInformationalHead(
  statusCode: number,
  reason: string,
  fields: readonly string[] = [],
): string {
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 199) {
    throw new HttpUsageError("ERR_HTTP_INVALID_STATUS_CODE", `Invalid status code: ${statusCode}`);
  }
  validateStatusMessage(reason);
  return serializeResponseHead(statusCode, reason, fields, 1);
}

/**
 * The fields of a `103 Early Hints` head, validated: `link` (one value or several, one line each) must be
 * a field value, else Node's `ERR_INVALID_ARG_VALUE` (what Node throws for a link with CR/LF); any other
 * hint is checked like a header (`ERR_INVALID_HTTP_TOKEN`, `ERR_INVALID_CHAR`; Node 20 checks none of
 * them). Nothing outside latin1 passes, so nothing is sent as UTF-8.
 *
 * @example
 * ```ts
 * import { earlyHintsFields } from "@wire/http/core";
 * console.log(earlyHintsFields({ link: ["</a.css>; rel=preload", "</b.js>; rel=preload"] }));
 * // [ "Link", "</a.css>; rel=preload", "Link", "</b.js>; rel=preload" ]
 * ```
 */
export function earlyHintsFields(hints: Record<string, string | readonly string[]>): string[] {
  const out: string[] = [];
  for (const name of Object.keys(hints)) {
    const value = hints[name] as string | readonly string[];
    if (name.toLowerCase() !== "link") {
      pushField(out, name, value);
      continue;
    }
    for (const link of typeof value === "string" ? [value] : value) {
      if (typeof link !== "string" || INVALID_VALUE_CHAR.test(link)) {
        throw new HttpUsageError(
          "ERR_INVALID_ARG_VALUE",
          `The argument 'hints' must be an array or string of format "</styles.css>; rel=preload". Received ${
            JSON.stringify(link)
          }`,
        );
      }
      out.push("Link", link);
    }
  }
  return out;
}

/**
 * The `Host` value a client sends for `host` and `port`: an IPv6 address in brackets, the port unless it
 * is `defaultPort`. Throws Node's `ERR_INVALID_CHAR` (`Invalid character in header content ["Host"]`, as
 * Node throws from `request()`) when it could not be sent as one field value (CR, LF, NUL, non-latin1).
 *
 * @example
 * ```ts
 * import { hostFieldValue } from "@wire/http/core";
 * console.log(hostFieldValue("::1", 8080), hostFieldValue("example.com", 80)); // "[::1]:8080" "example.com"
 * ```
 */
export function hostFieldValue(host: string, port: number, defaultPort = 80): string {
  const name = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  const value = port === defaultPort ? name : `${name}:${port}`;
  validateHeaderValue("Host", value);
  return value;
}
