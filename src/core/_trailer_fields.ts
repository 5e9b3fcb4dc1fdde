/**
 * Which fields may not travel in a trailer section: one table, read by both directions. The chunked
 * decoder rejects a peer's trailer section that carries one of them, and the writer refuses to send one.
 * So a trailer we accept is one we may forward (a proxy's `addTrailers(res.rawTrailers)` never throws),
 * and a trailer we send is one our own parser accepts.
 *
 * RFC 9110 section 6.5.1: "Many fields cannot be processed outside the header section because their
 * evaluation is necessary prior to receiving the message content, such as those that describe message
 * framing, routing, authentication, request modifiers, response controls, or content format. A sender
 * MUST NOT generate a trailer field unless the sender knows the corresponding header field name's
 * definition permits the field to be sent in trailers." The table names the fields of each of those
 * kinds that HTTP/1.1 defines; any other field may be a trailer.
 *
 * llhttp (the WASM build undici 8 ships, fed each case whole and split) rejects a trailer
 * `Content-Length` in both roles ("Content-Length can't be present with Transfer-Encoding") and a
 * trailer `Transfer-Encoding` in requests, and accepts the rest; we reject every row in both roles, in
 * the same way at every split of the input.
 *
 * @module
 */

import { fail } from "./_head_errors.ts";
import type { HeadScratch } from "./_head_scratch.ts";
import { HttpUsageError, type ParseErrorCode } from "./errors.ts";

/** Why a field cannot be a trailer, and the parse error a received one is. */
export interface TrailerRule {
  /** What the field is, in RFC 9110 section 6.5.1's words ("a framing field"). */
  readonly kind: string;
  /** The code a peer's trailer section carrying the field fails with (400). */
  readonly code: ParseErrorCode;
}

/**
 * A chunked body's length was decided by the head: a Content-Length after it is Content-Length beside
 * Transfer-Encoding, the same error (and code) as in a head; a Transfer-Encoding is one llhttp rejects.
 */
const CONTENT_LENGTH: TrailerRule = { kind: "a framing field", code: "HPE_UNEXPECTED_CONTENT_LENGTH" };
const TRANSFER_ENCODING: TrailerRule = { kind: "a framing field", code: "HPE_INVALID_TRANSFER_ENCODING" };
const FRAMING: TrailerRule = { kind: "a framing field", code: "HPE_INVALID_HEADER_TOKEN" };
const ROUTING: TrailerRule = { kind: "a routing field", code: "HPE_INVALID_HEADER_TOKEN" };
const CONNECTION: TrailerRule = { kind: "a connection-specific field", code: "HPE_INVALID_HEADER_TOKEN" };
const MODIFIER: TrailerRule = { kind: "a request modifier", code: "HPE_INVALID_HEADER_TOKEN" };
const AUTHENTICATION: TrailerRule = { kind: "an authentication field", code: "HPE_INVALID_HEADER_TOKEN" };
const RESPONSE_CONTROL: TrailerRule = { kind: "a response control", code: "HPE_INVALID_HEADER_TOKEN" };
const CONTENT_FORMAT: TrailerRule = { kind: "a content format field", code: "HPE_INVALID_HEADER_TOKEN" };

/** The table: lower-case field name -> rule (exported for the tests, which walk every row). */
export const NOT_IN_TRAILERS: ReadonlyMap<string, TrailerRule> = new Map([
  // Framing: RFC 9112 section 6.1 (Transfer-Encoding), RFC 9110 section 8.6 (Content-Length) and 6.6.2
  // (Trailer, which announces the trailer section in the header section).
  ["content-length", CONTENT_LENGTH],
  ["transfer-encoding", TRANSFER_ENCODING],
  ["trailer", FRAMING],
  // Routing: RFC 9110 section 7.2 (Host) picks the target before anything else is read.
  ["host", ROUTING],
  // Connection-specific fields, hop by hop and acted on at the head: RFC 9110 section 7.6.1 names
  // Connection and lists Proxy-Connection, Keep-Alive, TE (10.1.4) and Upgrade (7.8) beside it.
  ["connection", CONNECTION],
  ["keep-alive", CONNECTION],
  ["proxy-connection", CONNECTION],
  ["te", CONNECTION],
  ["upgrade", CONNECTION],
  // Request modifiers: RFC 9110 sections 10.1.1 (Expect), 7.6.2 (Max-Forwards), 14.2 (Range) and 13.1
  // (the conditionals, evaluated before the method is applied).
  ["expect", MODIFIER],
  ["max-forwards", MODIFIER],
  ["range", MODIFIER],
  ["if-match", MODIFIER],
  ["if-none-match", MODIFIER],
  ["if-modified-since", MODIFIER],
  ["if-unmodified-since", MODIFIER],
  ["if-range", MODIFIER],
  // Authentication: RFC 9110 section 11.6 and 11.7.
  ["authorization", AUTHENTICATION],
  ["proxy-authorization", AUTHENTICATION],
  ["www-authenticate", AUTHENTICATION],
  ["proxy-authenticate", AUTHENTICATION],
  // Response controls: RFC 9111 sections 5.2 (Cache-Control) and 5.4 (Pragma).
  ["cache-control", RESPONSE_CONTROL],
  ["pragma", RESPONSE_CONTROL],
  // Content format: RFC 9110 sections 8.3 (Content-Type), 8.4 (Content-Encoding), 14.4 (Content-Range).
  ["content-type", CONTENT_FORMAT],
  ["content-encoding", CONTENT_FORMAT],
  ["content-range", CONTENT_FORMAT],
]);

/** The longest name in the table: a longer name is looked up without building a string. */
const LONGEST = Math.max(...[...NOT_IN_TRAILERS.keys()].map((name) => name.length));

/** The rule for the field name `bytes[s..e)` (tchars), or undefined when it may be a trailer. */
function ruleAt(bytes: Uint8Array, s: number, e: number): TrailerRule | undefined {
  if (e - s > LONGEST) return undefined;
  let name = "";
  for (let i = s; i < e; i++) {
    const b = bytes[i] as number;
    name += String.fromCharCode(b >= 0x41 && b <= 0x5a ? b | 0x20 : b);
  }
  return NOT_IN_TRAILERS.get(name);
}

/**
 * Reader side: throws the table's parse error when the trailer field name `bytes[s..e)` is one that may
 * not be a trailer. `e` is the index of its colon, the byte that proves it (as for a second framing
 * field in a head), so the error is the same whether the section arrived whole or in pieces.
 */
export function checkTrailerName(bytes: Uint8Array, s: number, e: number): void {
  const rule = ruleAt(bytes, s, e);
  if (rule === undefined) return;
  let name = "";
  for (let i = s; i < e; i++) name += String.fromCharCode(bytes[i] as number);
  fail(
    rule.code,
    `Cannot parse trailer section: ${name} is ${rule.kind}, not allowed in a trailer (RFC 9110 section 6.5.1)`,
    e,
  );
}

/**
 * Reader side, for a section the one-pass scan accepted whole: {@linkcode checkTrailerName} for each field
 * recorded in `scratch` (offsets relative to `base`), in order, so the first bad field fails at its colon
 * exactly as the lexer fails on the same bytes in pieces.
 */
export function checkTrailerNames(bytes: Uint8Array, base: number, scratch: HeadScratch): void {
  const offsets = scratch.offsets;
  for (let o = 0; o < scratch.fieldCount * 5; o += 5) {
    checkTrailerName(bytes, base + (offsets[o] as number), base + (offsets[o + 1] as number));
  }
}

/**
 * Writer side: throws Node's `ERR_HTTP_TRAILER_INVALID` for the first name in the flat list `fields`
 * (`[name0, value0, ...]`) that may not be a trailer, before anything is sent.
 */
export function checkTrailerFields(fields: readonly string[]): void {
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i] as string;
    const rule = name.length > LONGEST ? undefined : NOT_IN_TRAILERS.get(name.toLowerCase());
    if (rule !== undefined) {
      throw new HttpUsageError(
        "ERR_HTTP_TRAILER_INVALID",
        `Trailer field "${name}" is ${rule.kind}, not allowed in a trailer (RFC 9110 section 6.5.1)`,
      );
    }
  }
}
