/**
 * Message heads, the public entry points. A head that arrives whole and plain is validated and parsed in
 * one pass (`_head_builder.ts`); anything else goes through the byte-by-byte lexer (`_head_lexer.ts`),
 * which fails at the first byte that proves an error and alone chooses error codes (its module docs list
 * them). Both fill a caller-owned scratch (`_head_scratch.ts`) and end in the same build step, which
 * decodes the head to a string once and takes substrings.
 *
 * The `headers` object is not built here: head objects build it from `rawHeaders` on first access (as
 * Node's `IncomingMessage.headers` does), because most consumers never read most of it.
 *
 * @module
 */

import { buildFields, decodeHeadText, scanPlainFields } from "./_field_lines.ts";
import { buildRequest, buildResponse, tryPlainRequest, tryPlainResponse } from "./_head_builder.ts";
import { fail } from "./_head_errors.ts";
import { HeadLexer, type LexLimits, type LexMode } from "./_head_lexer.ts";
import { HeadScratch } from "./_head_scratch.ts";
import { checkTrailerNames } from "./_trailer_fields.ts";
import { MAX_FIELDS, MAX_HEADER_SIZE } from "./limits.ts";
import type { RequestHead, ResponseHead } from "./types.ts";

/** Limits and leniency shared by both roles. */
export interface HeadOptions {
  /** Largest head in bytes (start line, fields, final CRLF). Default {@linkcode MAX_HEADER_SIZE}. */
  maxHeaderSize?: number;
  /** Most field lines. Default {@linkcode MAX_FIELDS}. */
  maxFields?: number;
  /**
   * Node's `insecureHTTPParser`: accept bare-LF line endings, obs-fold (folded into one SP), and control
   * characters other than NUL, CR and LF in field values. Nothing about Content-Length or
   * Transfer-Encoding is ever relaxed. Default false.
   */
  insecure?: boolean;
}

/** Options for request heads. */
export interface RequestHeadOptions extends HeadOptions {
  /**
   * Check `Host` (RFC 9112 section 3.2): exactly one in HTTP/1.1, at most one in HTTP/1.0, and a valid
   * `uri-host [":" port]`; empty only when the request-target has no authority. Else `HPE_INVALID_HOST`.
   */
  requireHost?: boolean;
}

/** Options for response heads. */
export interface ResponseHeadOptions extends HeadOptions {
  /** Method of the request this response answers (framing of HEAD and CONNECT responses). Default GET. */
  requestMethod?: string;
}

/** A complete head and how many input bytes it (with any skipped leading empty lines) took. */
export interface HeadResult<T> {
  /** The parsed head. */
  head: T;
  /** Bytes consumed, up to and including the final CRLF. */
  consumed: number;
}

function limitsOf(options: HeadOptions | undefined, maxHeaderSize: number): LexLimits {
  return { maxHeaderSize, maxFields: options?.maxFields ?? MAX_FIELDS, insecure: options?.insecure ?? false };
}

/** Lexes a head that must lie complete in `bytes[start..end)`; the size limit is not checked. */
function lexComplete(
  mode: LexMode,
  bytes: Uint8Array,
  start: number,
  end: number,
  options: HeadOptions | undefined,
  scratch: HeadScratch,
): void {
  const found = new HeadLexer(mode).lex(bytes, start, start, end, scratch, limitsOf(options, Infinity));
  if (found === -1) fail("HPE_INVALID_EOF_STATE", "Cannot parse head: not terminated", end);
}

/**
 * Parses a complete request head in `bytes[start..end)` (`end` just after the final CRLF). Throws
 * `HttpParseError` on malformed input, framing included (see `requestFraming`); the size limit is not
 * checked here (see {@linkcode parseRequestHead}). The returned head builds `headers` from `rawHeaders` on
 * first access.
 *
 * Methods: any RFC 9110 token is accepted, as section 9.1 allows extension methods (llhttp keeps a fixed
 * list; we do not, so extension methods work). Else `HPE_INVALID_METHOD`.
 *
 * @example
 * ```ts
 * import { decodeRequestHead } from "@wire/http/core";
 * const bytes = new TextEncoder().encode("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
 * const head = decodeRequestHead(bytes, 0, bytes.length);
 * console.log(head.method, head.url, head.headers.host); // "GET" "/a" "x"
 * ```
 */
export function decodeRequestHead(
  bytes: Uint8Array,
  start: number,
  end: number,
  options?: RequestHeadOptions,
): RequestHead {
  const scratch = new HeadScratch();
  const head = tryPlainRequest(bytes, start, end, options?.maxFields ?? MAX_FIELDS, scratch, options);
  if (head !== null) return head;
  lexComplete("request", bytes, start, end, options, scratch);
  return buildRequest(bytes, start, scratch, options);
}

/**
 * Parses a request head that lies whole and plain in `bytes[start..limit)` in one pass. Returns the head
 * and `consumed`, the index just after its final CRLF, or `null` when this pass cannot decide: the head is
 * incomplete, or is not the plain case (malformed, bare LF, obs-fold, too many fields). Then take the
 * general route ({@linkcode parseRequestHead} or {@linkcode decodeRequestHead}), which waits for more input
 * or throws the exact error. A head this accepts is the head `decodeRequestHead` gives; it throws only what
 * that would throw for the same complete head (request-target form, Host, framing). Leading empty lines
 * are not skipped, and `maxHeaderSize` is not checked: pass `limit <= start + maxHeaderSize`.
 *
 * @example
 * ```ts
 * import { tryDecodeRequestHead } from "./head_parser.ts";
 * const bytes = new TextEncoder().encode("GET /a HTTP/1.1\r\nHost: x\r\n\r\nnext");
 * const result = tryDecodeRequestHead(bytes, 0, bytes.length);
 * console.log(result?.head.url, result?.consumed); // "/a" 28
 * console.log(tryDecodeRequestHead(bytes, 0, 20)); // null
 * ```
 */
export function tryDecodeRequestHead(
  bytes: Uint8Array,
  start: number,
  limit: number,
  options?: RequestHeadOptions,
): HeadResult<RequestHead> | null {
  const scratch = new HeadScratch();
  const head = tryPlainRequest(bytes, start, limit, options?.maxFields ?? MAX_FIELDS, scratch, options);
  return head === null ? null : { head, consumed: start + scratch.headEnd };
}

/**
 * Parses a complete response head in `bytes[start..end)` (see {@linkcode decodeRequestHead}).
 * `status-line = HTTP-version SP status-code SP [ reason-phrase ]` (RFC 9112 section 4); a missing SP
 * before an empty reason is accepted too. Status outside 100-999 -> `HPE_INVALID_STATUS`.
 *
 * @example
 * ```ts
 * import { decodeResponseHead } from "@wire/http/core";
 * const bytes = new TextEncoder().encode("HTTP/1.1 204 No Content\r\n\r\n");
 * const head = decodeResponseHead(bytes, 0, bytes.length);
 * console.log(head.statusCode, head.statusMessage, head.framing.kind); // 204 "No Content" "none"
 * ```
 */
export function decodeResponseHead(
  bytes: Uint8Array,
  start: number,
  end: number,
  options?: ResponseHeadOptions,
): ResponseHead {
  const scratch = new HeadScratch();
  const head = tryPlainResponse(bytes, start, end, options?.maxFields ?? MAX_FIELDS, scratch, options);
  if (head !== null) return head;
  lexComplete("response", bytes, start, end, options, scratch);
  return buildResponse(bytes, start, scratch, options);
}

/**
 * Parses a response head that lies whole and plain in `bytes[start..limit)` in one pass, or returns `null`
 * when that pass cannot decide; the response twin of {@linkcode tryDecodeRequestHead}, same contract.
 *
 * @example
 * ```ts
 * import { tryDecodeResponseHead } from "./head_parser.ts";
 * const bytes = new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
 * const result = tryDecodeResponseHead(bytes, 0, bytes.length);
 * console.log(result?.head.statusCode, result?.consumed); // 200 38
 * console.log(tryDecodeResponseHead(bytes, 0, 20)); // null
 * ```
 */
export function tryDecodeResponseHead(
  bytes: Uint8Array,
  start: number,
  limit: number,
  options?: ResponseHeadOptions,
): HeadResult<ResponseHead> | null {
  const scratch = new HeadScratch();
  const head = tryPlainResponse(bytes, start, limit, options?.maxFields ?? MAX_FIELDS, scratch, options);
  return head === null ? null : { head, consumed: start + scratch.headEnd };
}

/** Both `parse*Head`: skip empty lines, then the fast pass, then the lexer; null when incomplete. */
function parseHead(
  mode: LexMode,
  input: Uint8Array,
  options: HeadOptions | undefined,
  scratch: HeadScratch,
): number {
  const limits = limitsOf(options, options?.maxHeaderSize ?? MAX_HEADER_SIZE);
  const lexer = new HeadLexer(mode);
  const start = lexer.skipEmptyLines(input, 0, input.length, limits.insecure);
  if (start === input.length) return -1;
  return lexer.lex(input, start, start, input.length, scratch, limits) === -1 ? -1 : start;
}

/**
 * Parses a request head at the start of `input`, httparse-style: `null` means "need more bytes",
 * otherwise the head and the bytes it took (including up to `MAX_LEADING_EMPTY_LINES` leading
 * CRLFs). Throws `HttpParseError` as soon as the bytes prove the head malformed (complete or not), or
 * when the head exceeds `maxHeaderSize`.
 *
 * @example
 * ```ts
 * import { parseRequestHead } from "@wire/http/core";
 * const bytes = new TextEncoder().encode("POST /x HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi");
 * const result = parseRequestHead(bytes);
 * console.log(result?.consumed, result?.head.framing); // 39 { kind: "length", length: 2 }
 * console.log(parseRequestHead(bytes.subarray(0, 10))); // null
 * ```
 */
export function parseRequestHead(
  input: Uint8Array,
  options?: RequestHeadOptions,
): HeadResult<RequestHead> | null {
  const scratch = new HeadScratch();
  const start = parseHead("request", input, options, scratch);
  if (start === -1) return null;
  return { head: buildRequest(input, start, scratch, options), consumed: start + scratch.headEnd };
}

/**
 * Parses a response head at the start of `input` (after up to `MAX_LEADING_EMPTY_LINES` empty
 * lines, as Node's client skips them); `null` means "need more bytes" (see {@linkcode parseRequestHead}).
 *
 * @example
 * ```ts
 * import { parseResponseHead } from "@wire/http/core";
 * const bytes = new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
 * console.log(parseResponseHead(bytes)?.head.statusCode); // 200
 * ```
 */
export function parseResponseHead(
  input: Uint8Array,
  options?: ResponseHeadOptions,
): HeadResult<ResponseHead> | null {
  const scratch = new HeadScratch();
  const start = parseHead("response", input, options, scratch);
  if (start === -1) return null;
  return { head: buildResponse(input, start, scratch, options), consumed: start + scratch.headEnd };
}

/**
 * Parses a complete trailer section (field lines then an empty line) in `bytes[start..end)` into raw
 * fields, with the same rules and limits as a head's fields and the chunked decoder's trailer rule: a field
 * that may not be a trailer (Content-Length, Transfer-Encoding, Host, ...; RFC 9110 section 6.5.1) throws
 * `HttpParseError`, as it does when the section arrives after a chunked body.
 *
 * @example
 * ```ts
 * import { parseFieldLines } from "@wire/http/core";
 * const bytes = new TextEncoder().encode("Expires: never\r\n\r\n");
 * console.log(parseFieldLines(bytes, 0, bytes.length)); // ["Expires", "never"]
 * ```
 */
export function parseFieldLines(
  bytes: Uint8Array,
  start: number,
  end: number,
  options?: HeadOptions,
): string[] {
  const scratch = new HeadScratch();
  let found = scanPlainFields(bytes, start, start, end, options?.maxFields ?? MAX_FIELDS, scratch);
  if (found === -1) {
    lexComplete("trailers", bytes, start, end, options, scratch);
    found = start + scratch.headEnd;
  } else checkTrailerNames(bytes, start, scratch);
  const raw: string[] = [];
  buildFields(decodeHeadText(bytes, start, found, scratch.orBits < 0x80), raw, scratch);
  return raw;
}
