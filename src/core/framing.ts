/**
 * RFC 9112 section 6.3: how long is the body after a head? One decision for each role. Both are strict
 * where a lenient answer could let two parsers disagree on where a message ends (request smuggling):
 * Content-Length together with Transfer-Encoding, differing or malformed Content-Length values, and a
 * request Transfer-Encoding whose final coding is not chunked are all errors, never guesses. The
 * `insecure` parser option never changes anything here.
 *
 * @module
 */

import { HttpParseError } from "./errors.ts";
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
 * import { requestFraming } from "@wire/http/core";
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
 * import { responseFraming } from "@wire/http/core";
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
  if (
    status < 200 || status === 204 || status === 304 || requestMethod === "HEAD" ||
    (requestMethod === "CONNECT" && status < 300)
  ) return NONE;
  return framing;
}
