/**
 * RFC 9112 section 6.3: how long is the body after a head? One decision for each role. Both are strict
 * where a lenient answer could let two parsers disagree on where a message ends (request smuggling):
 * Content-Length together with Transfer-Encoding, differing or malformed Content-Length values, and a
 * request Transfer-Encoding whose final coding is not chunked are all errors, never guesses. The
 * `insecure` parser option never changes anything here.
 *
 * The write side decides with the same readers ({@linkcode outgoingFraming}): what the user set is read
 * as strictly as what a peer sends, so a head we write is one our own parser accepts.
 *
 * @module
 */

import { HttpParseError, HttpUsageError } from "./errors.ts";
import type { BodyFraming } from "./types.ts";
import { stringEqualsCaseless, TOKEN } from "./_ascii.ts";
import { lengthWithTransferEncoding, parseContentLength } from "./_content_length.ts";

const NONE: BodyFraming = Object.freeze({ kind: "none" });
const CHUNKED: BodyFraming = Object.freeze({ kind: "chunked" });
const CLOSE: BodyFraming = Object.freeze({ kind: "close" });

/** The fields of a request head that decide its framing. */
export interface RequestFramingInput {
  /** Minor HTTP version (0 or 1). */
  versionMinor: number;
  /** `[name0, value0, ...]` in wire order. */
  rawHeaders: readonly string[];
}

/** The fields of a response head that decide its framing. */
export interface ResponseFramingInput extends RequestFramingInput {
  /** Status code, 100-999. */
  statusCode: number;
}

/** What Content-Length and Transfer-Encoding say, before the role decides. */
interface LengthFields {
  /** The agreed Content-Length, or -1 when absent. */
  length: number;
  /** All Transfer-Encoding lines joined with ", " in order, or undefined when absent. */
  te: string | undefined;
}

function lengthFields(rawHeaders: readonly string[]): LengthFields {
  let length = -1;
  let te: string | undefined;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 14 && stringEqualsCaseless(name, "content-length")) {
      if (te !== undefined) throw lengthWithTransferEncoding();
      length = parseContentLength(rawHeaders[i + 1] as string, length);
    } else if (name.length === 17 && stringEqualsCaseless(name, "transfer-encoding")) {
      if (length !== -1) throw lengthWithTransferEncoding();
      te = te === undefined ? rawHeaders[i + 1] as string : te + ", " + rawHeaders[i + 1];
    }
  }
  return { length, te };
}

/** Outcome of reading a Transfer-Encoding list. */
interface Codings {
  /** The final coding is `chunked`. */
  chunkedLast: boolean;
  /** Some coding other than the final `chunked` is present (we implement none). */
  others: boolean;
}

function badTe(message: string): HttpParseError {
  return new HttpParseError("HPE_INVALID_TRANSFER_ENCODING", "Cannot parse Transfer-Encoding: " + message);
}

/**
 * RFC 9112 section 6.1: `Transfer-Encoding = #transfer-coding`, each `token *( OWS ";" OWS parameter )`.
 * "A sender MUST NOT apply the chunked transfer coding more than once to a message body", so a second
 * `chunked` is an error (TE.TE vector). Empty list elements are skipped (RFC 9110 section 5.6.1) but an
 * all-empty list is an error.
 */
function readCodings(te: string): Codings {
  let chunkedSeen = false;
  let chunkedLast = false;
  let others = false;
  let any = false;
  for (const part of te.split(",")) {
    const semi = part.indexOf(";");
    let s = 0;
    let e = semi === -1 ? part.length : semi;
    while (s < e && (part.charCodeAt(s) === 0x20 || part.charCodeAt(s) === 0x09)) s++;
    while (e > s && (part.charCodeAt(e - 1) === 0x20 || part.charCodeAt(e - 1) === 0x09)) e--;
    if (s === e) {
      if (semi !== -1) throw badTe("parameters without a coding");
      continue;
    }
    for (let i = s; i < e; i++) {
      const c = part.charCodeAt(i);
      if (c > 0xff || TOKEN[c] === 0) throw badTe("invalid coding");
    }
    any = true;
    const coding = part.slice(s, e).toLowerCase();
    if (coding === "chunked") {
      if (chunkedSeen) throw badTe("chunked applied more than once");
      chunkedSeen = true;
      chunkedLast = true;
    } else {
      chunkedLast = false;
      others = true;
    }
  }
  if (!any) throw badTe("empty");
  return { chunkedLast, others };
}

/**
 * How the body of a request is delimited (RFC 9112 section 6.3, rules 3-6 for requests):
 * - `Content-Length` with `Transfer-Encoding` -> `HPE_UNEXPECTED_CONTENT_LENGTH`;
 * - `Transfer-Encoding` in HTTP/1.0 -> `HPE_INVALID_TRANSFER_ENCODING` (section 6.1: "MUST treat the
 *   message as if the framing is faulty");
 * - `Transfer-Encoding` whose final coding is not `chunked`, or with `chunked` twice, or empty ->
 *   `HPE_INVALID_TRANSFER_ENCODING` (400; section 6.3 rule 4: "the server MUST respond with 400");
 * - `chunked` last but after another coding (`gzip, chunked`) -> `HPE_INVALID_TRANSFER_ENCODING` with
 *   status 501 (RFC 9112 section 6.1: "A server that receives a request message with a transfer coding it
 *   does not understand SHOULD respond with 501");
 * - malformed `Content-Length` -> `HPE_INVALID_CONTENT_LENGTH`; differing values ->
 *   `HPE_UNEXPECTED_CONTENT_LENGTH`;
 * - neither field -> `none` ("If this is a request message and none of the above are true, then the
 *   message body length is zero"). `Content-Length: 0` gives `{ kind: "length", length: 0 }`.
 *
 * @example
 * ```ts
 * import { requestFraming } from "./framing.ts";
 * const framing = requestFraming({ versionMinor: 1, rawHeaders: ["Content-Length", "5"] });
 * console.log(framing); // { kind: "length", length: 5 }
 * ```
 */
export function requestFraming(head: RequestFramingInput): BodyFraming {
  const { length, te } = lengthFields(head.rawHeaders);
  if (te !== undefined) {
    if (head.versionMinor === 0) throw badTe("not allowed in HTTP/1.0");
    const codings = readCodings(te);
    if (!codings.chunkedLast) throw badTe("final coding is not chunked");
    if (codings.others) {
      throw new HttpParseError(
        "HPE_INVALID_TRANSFER_ENCODING",
        "Cannot parse Transfer-Encoding: coding not implemented",
        501,
      );
    }
    return CHUNKED;
  }
  if (length !== -1) return { kind: "length", length };
  return NONE;
}

/**
 * How the body of a response is delimited (RFC 9112 section 6.3, rules 1-7 for responses). `requestMethod`
 * is the method of the request it answers (default `GET`).
 * - no body for 1xx, 204, 304, responses to `HEAD`, and 2xx responses to `CONNECT` (rules 1-2);
 * - `Content-Length` with `Transfer-Encoding` -> `HPE_UNEXPECTED_CONTENT_LENGTH` (strict, like llhttp);
 * - `Transfer-Encoding` with `chunked` last -> `chunked`; without -> `close` (rule 4: "read until the
 *   server closes the connection");
 * - `Transfer-Encoding` in an HTTP/1.0 response -> `HPE_INVALID_TRANSFER_ENCODING` (section 6.1: "MUST
 *   treat the message as if the framing is faulty"; a 1.0 peer that sends it cannot be trusted on length);
 * - `Content-Length` -> `length`; neither -> `close` (rule 7).
 *
 * The field checks (malformed or conflicting values) run even when the status or method means no body.
 *
 * @example
 * ```ts
 * import { responseFraming } from "./framing.ts";
 * const head = { statusCode: 200, versionMinor: 1, rawHeaders: ["Transfer-Encoding", "chunked"] };
 * console.log(responseFraming(head).kind, responseFraming(head, "HEAD").kind); // "chunked" "none"
 * ```
 */
export function responseFraming(head: ResponseFramingInput, requestMethod = "GET"): BodyFraming {
  const { length, te } = lengthFields(head.rawHeaders);
  const status = head.statusCode;
  let framing: BodyFraming;
  if (te !== undefined) {
    if (head.versionMinor === 0) throw badTe("not allowed in HTTP/1.0");
    framing = readCodings(te).chunkedLast ? CHUNKED : CLOSE;
  } else if (length !== -1) framing = { kind: "length", length };
  else framing = CLOSE;
  if (!responseHasBody(status, requestMethod)) return NONE;
  return framing;
}

/**
 * Whether a response with `statusCode` to a request with `requestMethod` has a body at all (RFC 9112
 * section 6.3 rules 1-2, RFC 9110 sections 6.4.1 and 9.3.6): not for 1xx, 204 and 304, not for a response
 * to `HEAD`, not for a 2xx response to `CONNECT` (the tunnel starts after its head). One rule for both
 * directions: the reader frames a response with it, and the writer drops the body a handler gives such a
 * response.
 *
 * @example
 * ```ts
 * import { responseHasBody } from "@wire/http/core";
 * console.log(responseHasBody(200, "GET"), responseHasBody(200, "HEAD"), responseHasBody(304, "GET"));
 * // true false false
 * ```
 */
export function responseHasBody(statusCode: number, requestMethod: string): boolean {
  return !(
    statusCode < 200 || statusCode === 204 || statusCode === 304 || requestMethod === "HEAD" ||
    (requestMethod === "CONNECT" && statusCode < 300)
  );
}

/** How the body of an outgoing message is delimited on the wire. */
export type OutgoingFraming = "none" | "length" | "chunked" | "close";

/**
 * One outgoing head's facts: what the user's fields said (filled while they are rendered, see
 * `renderUserField`) and what the message knows about its body. {@linkcode outgoingFraming} reads it and
 * sets `length`. One object per head, filled in place, so deciding allocates nothing more.
 */
export interface OutgoingHeadFacts {
  /** A `Date` field is present. */
  date: boolean;
  /** A `Host` field is present. */
  host: boolean;
  /** The `Connection` value(s), joined with ", ", if present. */
  connection: string | undefined;
  /** The `Content-Length` value(s) as set, joined with ", ", if present. */
  contentLength: string | undefined;
  /** The `Transfer-Encoding` value(s) as set, joined with ", ", if present. */
  transferEncoding: string | undefined;
  /** A request (Transfer-Encoding must then end in chunked) rather than a response. */
  isRequest: boolean;
  /** The message may have a body (false for responses to HEAD, 1xx, 204 and 304). */
  bodyAllowed: boolean;
  /** The peer reads chunked (HTTP/1.1). */
  chunkedAllowed: boolean;
  /** The whole body is known: `end()` is writing the head. */
  ending: boolean;
  /** Bytes of body known when the head is written. */
  bodyLength: number;
  /** Trailers were added (they need chunked). */
  hasTrailers: boolean;
  /**
   * A `Trailer` field is present: trailers are announced, so the body must be chunked; set by
   * `renderUserField`.
   */
  trailerField: boolean;
  /** A `Keep-Alive` field is present (the implicit one then gives way); set by `renderUserField`. */
  keepAliveField: boolean;
  /** An empty body gets `Content-Length: 0` (responses, and requests whose method implies a body). */
  emptyBodyHasLength: boolean;
  /** Set by {@linkcode outgoingFraming}: the body's length for `length` framing, else -1. */
  length: number;
}

/**
 * Facts of a head with no fields yet: a response that may have a body, to an HTTP/1.1 peer, whose body is
 * not known. The caller owns the object and fills it for each head.
 *
 * @example
 * ```ts
 * import { newOutgoingHeadFacts, outgoingFraming } from "./framing.ts";
 * const facts = { ...newOutgoingHeadFacts(), ending: true, bodyLength: 5 };
 * console.log(outgoingFraming(facts), facts.length); // "length" 5
 * ```
 */
export function newOutgoingHeadFacts(): OutgoingHeadFacts {
  return {
    date: false,
    host: false,
    connection: undefined,
    contentLength: undefined,
    transferEncoding: undefined,
    isRequest: false,
    bodyAllowed: true,
    chunkedAllowed: true,
    ending: false,
    bodyLength: 0,
    hasTrailers: false,
    trailerField: false,
    keepAliveField: false,
    emptyBodyHasLength: true,
    length: -1,
  };
}

function invalidValue(name: string, value: string): HttpUsageError {
  return new HttpUsageError("ERR_HTTP_INVALID_HEADER_VALUE", `Invalid value "${value}" for header "${name}"`);
}

/**
 * `Content-Length = 1*DIGIT` (RFC 9110 section 8.6), nothing else: a sender has no reason to send a list,
 * a sign, hex or a fraction, and each of those has been read differently by different recipients. The
 * whitespace (SP, HTAB) around it is allowed: RFC 9112 section 5's `field-line = field-name ":" OWS
 * field-value OWS` makes it part of the line, not of the value, and every recipient strips it (our reader
 * too), so `"0 "` is the length 0 (Node's test-http-contentLength0 sends it).
 */
function userContentLength(value: string): number {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = value.charCodeAt(i) - 0x30;
    if (d < 0 || d > 9) throw invalidValue("Content-Length", value);
    n = n * 10 + d;
  }
  if (start === end || n > Number.MAX_SAFE_INTEGER) throw invalidValue("Content-Length", value);
  return n;
}

/** OWS = *( SP / HTAB ) (RFC 9110 section 5.6.3). */
function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * The transfer codings a sender may name: those of the IANA registry RFC 9112 section 7 keeps (7.1
 * `chunked`; 7.2 `compress`, `deflate`, `gzip`, and the `x-` aliases section 7.2 says a recipient SHOULD
 * treat as their equivalents). None of them defines a parameter.
 */
const SENDABLE_CODINGS: ReadonlySet<string> = new Set([
  "chunked",
  "compress",
  "deflate",
  "gzip",
  "x-compress",
  "x-gzip",
]);

/**
 * An outgoing Transfer-Encoding, read more strictly than a peer's (the reader takes `chunked;q=1` as
 * chunked): every coding a registered one, none with parameters. A parameter makes the coding another
 * one to a recipient — llhttp (undici 8's WASM) reads a response with `chunked;q=1` until the connection
 * closes and rejects such a request — so chunk-encoding the body for it would desynchronise the two ends;
 * and a coding no recipient knows is one it "SHOULD respond with 501" to (RFC 9112 section 6.1). Returns
 * whether `chunked` is the final coding; throws `ERR_HTTP_INVALID_HEADER_VALUE`.
 */
function sendableCodings(te: string): boolean {
  let codings: Codings;
  try {
    codings = readCodings(te);
  } catch {
    throw invalidValue("Transfer-Encoding", te);
  }
  for (const part of te.split(",")) {
    const coding = part.trim().toLowerCase();
    if (coding !== "" && !SENDABLE_CODINGS.has(coding)) throw invalidValue("Transfer-Encoding", te);
  }
  return codings.chunkedLast;
}

/**
 * How an outgoing body is delimited, from the fields the user set and what the message knows (h11's
 * `_body_framing`, hyper's `role.rs` encode). The user's Content-Length and Transfer-Encoding are read as
 * strictly as a peer's, and a value we would not accept from a peer throws Node's
 * `ERR_HTTP_INVALID_HEADER_VALUE` instead of going on the wire:
 * - `Content-Length` that is not `1*DIGIT` (`abc`, `0x2`, `5, 5`, `-1`, `2.5`; whitespace around the
 *   digits is the field line's OWS, allowed), or set twice;
 * - `Content-Length` together with `Transfer-Encoding` (RFC 9112 section 6.2: "A sender MUST NOT send a
 *   Content-Length header field in any message that contains a Transfer-Encoding header field");
 * - a malformed `Transfer-Encoding`, or on a request one whose final coding is not `chunked` (section 6.1);
 * - a `Transfer-Encoding` coding with parameters (`chunked;q=1`) or outside the registry (`x-foo`): the
 *   peer would not read the body the way we frame it (llhttp reads `chunked;q=1` as not chunked).
 *
 * Then: no body allowed -> `none`; `Transfer-Encoding` ending in `chunked` -> `chunked`, else `close` (a
 * response delimited by closing); `Content-Length` -> `length`; the whole body known at the head (and no
 * trailers) -> `length` with an implicit `Content-Length` (`none` for an empty body whose method implies
 * none); an HTTP/1.1 peer -> `chunked` (trailers need it); else `close`. Sets `facts.length`. A head
 * with a `Trailer` field whose framing is not `chunked` throws `ERR_HTTP_TRAILER_INVALID`, as Node's.
 *
 * Node 20 checks none of these: run against node:http on Node 20.20.2, `Content-Length: abc`, `0x2`,
 * `5, 5` and Content-Length beside `Transfer-Encoding: chunked` all go out as given.
 *
 * @example
 * ```ts
 * import { newOutgoingHeadFacts, outgoingFraming } from "./framing.ts";
 * const facts = { ...newOutgoingHeadFacts(), ending: true, bodyLength: 5 };
 * console.log(outgoingFraming(facts), facts.length); // "length" 5
 * facts.contentLength = "0x2";
 * try {
 *   outgoingFraming(facts);
 * } catch (err) {
 *   console.log((err as { code: string }).code); // "ERR_HTTP_INVALID_HEADER_VALUE"
 * }
 * ```
 */
export function outgoingFraming(facts: OutgoingHeadFacts): OutgoingFraming {
  const framing = framingOf(facts);
  // As Node: a head that announces trailers (a `Trailer` field) frames its body chunked, or is refused;
  // any other framing ends the message where a peer would wait for the announced trailer section.
  if (facts.trailerField === true && framing !== "chunked") {
    throw new HttpUsageError("ERR_HTTP_TRAILER_INVALID", "Trailers are invalid with this transfer encoding");
  }
  return framing;
}

function framingOf(facts: OutgoingHeadFacts): OutgoingFraming {
  const cl = facts.contentLength;
  const te = facts.transferEncoding;
  facts.length = -1;
  if (cl !== undefined && te !== undefined) throw invalidValue("Content-Length", cl);
  const declared = cl === undefined ? -1 : userContentLength(cl);
  const chunkedLast = te !== undefined && sendableCodings(te);
  if (te !== undefined && !chunkedLast && facts.isRequest) throw invalidValue("Transfer-Encoding", te);
  if (!facts.bodyAllowed) return "none";
  if (te !== undefined) return chunkedLast ? "chunked" : "close";
  if (declared !== -1) {
    facts.length = declared;
    return "length";
  }
  const trailers = facts.hasTrailers || facts.trailerField === true;
  if (facts.ending && !trailers && (facts.bodyLength > 0 || facts.emptyBodyHasLength)) {
    facts.length = facts.bodyLength;
    return "length";
  }
  if (facts.ending && facts.bodyLength === 0 && !trailers) return "none";
  return facts.chunkedAllowed ? "chunked" : "close";
}
