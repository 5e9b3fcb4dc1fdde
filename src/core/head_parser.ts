/**
 * Message heads: finding where a head ends (incrementally, across chunks) and parsing a complete head.
 *
 * Theory of operation: {@linkcode HeadScanner} looks only for the empty line that ends a head, one
 * `indexOf(LF)` per line, remembering the length and first byte of an unfinished line so a head that
 * arrives one byte at a time costs O(n). Once the head is complete, {@linkcode decodeRequestHead} or
 * {@linkcode decodeResponseHead} validates it in one pass straight from the bytes, recording offsets,
 * then decodes the whole head to a string once (ASCII fast path, latin1 otherwise) and takes substrings.
 * Validation is strict (RFC 9110/9112, llhttp's strict mode); `insecure` relaxes only bare-LF line
 * endings, obs-fold, and control characters other than NUL/CR/LF in field values.
 *
 * Two validators, one grammar: the common head (CRLF line endings, no obs-fold, nothing malformed) is
 * checked by a single forward pass per line that finds the line ends itself (`scanPlainFields`, the
 * plain request/status line checks). Anything else, including every error, falls through to the
 * line-oriented validator (`scanFields` and the original start-line code), which alone decides error
 * codes and handles `insecure`. The fast pass only ever accepts what the slow one accepts, with the same
 * offsets, so falling through is always safe; the whole/byte-by-byte/random-split tests compare the two.
 *
 * The framing, keep-alive, upgrade, expect and Host decisions come from the few fields that matter,
 * recognized during the field scan by length and a case-insensitive byte compare. The `headers` object
 * is not built here: head objects build it from `rawHeaders` on first access (as Node's
 * `IncomingMessage.headers` does), because most consumers never read most of it.
 *
 * Error codes: bare CR anywhere -> `HPE_LF_EXPECTED`; bare LF line ending -> `HPE_CR_EXPECTED`; bad field
 * name, whitespace before the colon, obs-fold, or a bad byte in a field value (NUL and other controls) ->
 * `HPE_INVALID_HEADER_TOKEN` (as llhttp); a version that is not `HTTP/` followed by anything ->
 * `HPE_INVALID_CONSTANT`; `HTTP/` followed by anything but `1.0`/`1.1` -> `HPE_INVALID_VERSION` (505).
 *
 * @module
 */

import { COLON, CR, FIELD_VALUE, HTAB, LF, SP, TARGET, TOKEN } from "./_ascii.ts";
import { hasToken, isKeepAlive } from "./connection_tokens.ts";
import { headersFromRaw } from "./fields.ts";
import { requestFraming, responseFraming } from "./framing.ts";
import { badByte, fail } from "./_head_errors.ts";
import {
  ABSOLUTE_WITH_AUTHORITY,
  AUTHORITY,
  isAuthority,
  parseVersion,
  plainVersion,
  targetForm,
} from "./_start_line.ts";
import { MAX_FIELDS, MAX_HEADER_SIZE, MAX_LEADING_EMPTY_LINES } from "./limits.ts";
import type { BodyFraming, IncomingHeaders, RequestHead, ResponseHead } from "./types.ts";

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

function table(predicate: (byte: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let b = 0; b < 256; b++) t[b] = predicate(b) ? 1 : 0;
  return t;
}

/** `insecure` field values: anything but NUL, CR and LF (Node's lenient flags allow other controls). */
const LENIENT_VALUE: Uint8Array = table((b) => b !== 0 && b !== CR && b !== LF);

const asciiDecoder = new TextDecoder();

/**
 * The end of a line's content given its LF: the CR before it (RFC 9112 section 2.2 requires CRLF), or in
 * insecure mode the LF itself ("MAY recognize a single LF as a line terminator").
 */
function contentEnd(bytes: Uint8Array, lineStart: number, lf: number, insecure: boolean): number {
  if (lf > lineStart && bytes[lf - 1] === CR) return lf - 1;
  if (!insecure) fail("HPE_CR_EXPECTED", "Cannot parse line: LF not preceded by CR");
  return lf;
}

/**
 * Finds the end of a head (or trailer section) across chunks: the first empty line. Remembers the length
 * and first byte of an unfinished line, so each byte is looked at once however the input is split.
 *
 * @example
 * ```ts
 * import { HeadScanner } from "@wire/http/core";
 * const scanner = new HeadScanner();
 * const bytes = new TextEncoder().encode("GET / HTTP/1.1\r\n\r\nrest");
 * console.log(scanner.scan(bytes.subarray(0, 10), 0), scanner.scan(bytes, 10)); // -1 18
 * ```
 */
export class HeadScanner {
  #length = 0;
  #firstLf = -1;
  #lineLength = 0;
  #lineFirst = 0;

  /** Bytes of this head seen so far; after a successful `scan`, the head's length. */
  get length(): number {
    return this.#length;
  }

  /**
   * Scans `bytes` from `from` to its end. Returns the index just after the LF that ends the head, or -1
   * when the head is not complete yet (call again with the next bytes).
   */
  scan(bytes: Uint8Array, from: number): number {
    let p = from;
    let lineLength = this.#lineLength;
    let lineFirst = this.#lineFirst;
    for (;;) {
      const lf = bytes.indexOf(LF, p);
      if (lf === -1) {
        const n = bytes.length - p;
        if (n > 0) {
          if (lineLength === 0) lineFirst = bytes[p] as number;
          lineLength += n;
        }
        this.#lineLength = lineLength;
        this.#lineFirst = lineFirst;
        this.#length += bytes.length - from;
        return -1;
      }
      if (this.#firstLf === -1) this.#firstLf = this.#length + (lf - from);
      const n = lf - p;
      if (n > 0 && lineLength === 0) lineFirst = bytes[p] as number;
      lineLength += n;
      p = lf + 1;
      if (lineLength === 0 || (lineLength === 1 && lineFirst === CR)) {
        this.#length += p - from;
        this.#lineLength = 0;
        return p;
      }
      lineLength = 0;
    }
  }

  /**
   * Throws when the head seen so far is longer than `maxHeaderSize`: `HPE_URI_OVERFLOW` (414) when
   * `requestLine` and no LF came within the first `maxHeaderSize + 1` bytes (the request-target is what is
   * long), else `HPE_HEADER_OVERFLOW` (431). The rule depends only on the bytes, not on how they were split.
   */
  check(maxHeaderSize: number, requestLine: boolean): void {
    if (this.#length <= maxHeaderSize) return;
    if (requestLine && (this.#firstLf === -1 || this.#firstLf > maxHeaderSize)) {
      fail("HPE_URI_OVERFLOW", `Request line exceeds ${maxHeaderSize} bytes`);
    }
    fail("HPE_HEADER_OVERFLOW", `Header section exceeds ${maxHeaderSize} bytes`);
  }

  /** Forgets everything, ready for the next head. */
  reset(): void {
    this.#length = 0;
    this.#firstLf = -1;
    this.#lineLength = 0;
  }
}

// Results of the field scan, kept in module state so parsing allocates nothing but the strings it returns.
// Parsing is synchronous and never re-entered, so one set serves every parser.
/** Per field: name start, name end, value start, value end, field kind (see `fieldKind`). */
let offsets = new Int32Array(5 * 64);
let fieldCount = 0;
let orBits = 0;
/** Insecure obs-fold continuations: (field index, start, end) triples, or null. */
let folds: number[] | null = null;

// What `buildFields` learned from the fields that decide framing, persistence, upgrade and Expect, so none
// of those decisions needs the `headers` object. Values of repeated fields are joined with ", ", exactly
// as `headers` would hold them.
/** `Connection` value(s), or undefined. */
let connection: string | undefined;
/** `Expect` value(s), or undefined. */
let expect: string | undefined;
/** Whether any `Upgrade` field line was present (even with an empty value). */
let upgradeSeen = false;
/** Number of `Host` field lines and the index of the last one. */
let hostCount = 0;
let hostField = -1;

// Field kinds: the names some decision here depends on. Everything else is OTHER.
const OTHER = 0;
const HOST_FIELD = 1;
const EXPECT_FIELD = 2;
const UPGRADE_FIELD = 3;
const CONNECTION_FIELD = 4;

/** `bytes[s..s+lower.length)` equals `lower` ignoring ASCII case; the bytes are known tchars. */
function caselessIs(bytes: Uint8Array, s: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    // `| 0x20` lower-cases letters; the names compared contain only letters and "-" (0x2d), and the only
    // byte that `| 0x20` turns into one of those from outside is 0x0d, which is no tchar.
    if (((bytes[s + i] as number) | 0x20) !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Which of the fields this module acts on the name `bytes[s..e)` is. A switch on the length first, so the
 * common names cost one comparison and no string is made (a `toLowerCase()` per name was a measurable
 * share of parsing).
 */
function fieldKind(bytes: Uint8Array, s: number, e: number): number {
  switch (e - s) {
    case 4:
      return caselessIs(bytes, s, "host") ? HOST_FIELD : OTHER;
    case 6:
      return caselessIs(bytes, s, "expect") ? EXPECT_FIELD : OTHER;
    case 7:
      return caselessIs(bytes, s, "upgrade") ? UPGRADE_FIELD : OTHER;
    case 10:
      return caselessIs(bytes, s, "connection") ? CONNECTION_FIELD : OTHER;
    default:
      return OTHER;
  }
}

function growOffsets(need: number): void {
  let size = offsets.length * 2;
  while (size < need) size *= 2;
  const next = new Int32Array(size);
  next.set(offsets);
  offsets = next;
}

/**
 * Validates the field lines from `p` up to and including the empty line that ends them (which must lie
 * before `end`), recording offsets. Returns the index after that empty line. The plain case takes
 * `scanPlainFields`; anything it does not accept is decided here.
 *
 * RFC 9112 section 5: `field-line = field-name ":" OWS field-value OWS`; "No whitespace is allowed between
 * the field name and colon" (a server MUST reject with 400). Section 5.2: obs-fold "MUST" be rejected or
 * replaced by SP; we reject unless insecure.
 */
function scanFieldLines(
  bytes: Uint8Array,
  from: number,
  end: number,
  maxFields: number,
  insecure: boolean,
): number {
  // Plain lines mean the same in insecure mode, which only accepts more.
  const done = scanPlainFields(bytes, from, end, maxFields);
  return done !== -1 ? done : scanFields(bytes, from, end, maxFields, insecure);
}

/**
 * The fast validator: CRLF-terminated field lines with valid names and values, at most `maxFields` of
 * them, then CRLF. One forward pass per line that stops at the first byte that is not a value byte
 * (which must be the CR of CRLF), so no separate search for the line end is needed. Returns the index
 * after the empty line, or -1 when the lines are anything else (malformed, obs-fold, bare LF, too many,
 * unterminated before `end`): then `scanFields` decides, and alone chooses the error.
 */
function scanPlainFields(bytes: Uint8Array, from: number, end: number, maxFields: number): number {
  let count = 0;
  let or = 0;
  let p = from;
  for (;;) {
    if (p + 1 >= end) return -1;
    if (bytes[p] === CR) {
      if (bytes[p + 1] !== LF) return -1;
      fieldCount = count;
      orBits |= or;
      folds = null;
      return p + 2;
    }
    let q = p;
    while (q < end && TOKEN[bytes[q] as number] === 1) q++;
    if (q === p || q >= end || bytes[q] !== COLON || count === maxFields) return -1;
    let vs = q + 1;
    while (vs < end && (bytes[vs] === SP || bytes[vs] === HTAB)) vs++;
    let i = vs;
    for (; i < end; i++) {
      const b = bytes[i] as number;
      if (FIELD_VALUE[b] === 0) break;
      or |= b;
    }
    // The value stops at CR, which must start the CRLF (FIELD_VALUE has neither CR nor LF nor NUL).
    if (i + 1 >= end || bytes[i] !== CR || bytes[i + 1] !== LF) return -1;
    let ve = i;
    while (ve > vs && (bytes[ve - 1] === SP || bytes[ve - 1] === HTAB)) ve--;
    const o = count * 5;
    if (o + 5 > offsets.length) growOffsets(o + 5);
    offsets[o] = p;
    offsets[o + 1] = q;
    offsets[o + 2] = vs;
    offsets[o + 3] = ve;
    offsets[o + 4] = fieldKind(bytes, p, q);
    count++;
    p = i + 2;
  }
}

/** The line-oriented validator: every case, every error (see {@linkcode scanFieldLines}). */
function scanFields(
  bytes: Uint8Array,
  from: number,
  end: number,
  maxFields: number,
  insecure: boolean,
): number {
  const valueTable = insecure ? LENIENT_VALUE : FIELD_VALUE;
  let count = 0;
  let or = 0;
  let p = from;
  folds = null;
  for (;;) {
    const lf = bytes.indexOf(LF, p);
    if (lf === -1 || lf >= end) fail("HPE_INVALID_EOF_STATE", "Cannot parse fields: section not terminated");
    const ce = contentEnd(bytes, p, lf, insecure);
    if (ce === p) {
      fieldCount = count;
      orBits |= or;
      return lf + 1;
    }
    const first = bytes[p] as number;
    if (first === SP || first === HTAB) {
      if (!insecure || count === 0) fail("HPE_INVALID_HEADER_TOKEN", "Cannot parse field line: obs-fold");
      let s = p;
      let e = ce;
      while (s < e && (bytes[s] === SP || bytes[s] === HTAB)) s++;
      while (e > s && (bytes[e - 1] === SP || bytes[e - 1] === HTAB)) e--;
      for (let i = s; i < e; i++) {
        const b = bytes[i] as number;
        if (valueTable[b] === 0) {
          badByte(b, "HPE_INVALID_HEADER_TOKEN", "Cannot parse field value: invalid byte");
        }
        or |= b;
      }
      (folds ??= []).push(count - 1, s, e);
      p = lf + 1;
      continue;
    }
    let q = p;
    while (q < ce && TOKEN[bytes[q] as number] === 1) q++;
    if (q === p || q === ce || bytes[q] !== COLON) {
      badByte(q < ce ? bytes[q] : LF, "HPE_INVALID_HEADER_TOKEN", "Cannot parse field name: invalid token");
    }
    if (++count > maxFields) fail("HPE_HEADER_OVERFLOW", `Header section has more than ${maxFields} fields`);
    let vs = q + 1;
    let ve = ce;
    while (vs < ve && (bytes[vs] === SP || bytes[vs] === HTAB)) vs++;
    while (ve > vs && (bytes[ve - 1] === SP || bytes[ve - 1] === HTAB)) ve--;
    for (let i = vs; i < ve; i++) {
      const b = bytes[i] as number;
      if (valueTable[b] === 0) {
        badByte(b, "HPE_INVALID_HEADER_TOKEN", "Cannot parse field value: invalid byte");
      }
      or |= b;
    }
    const o = (count - 1) * 5;
    if (o + 5 > offsets.length) growOffsets(o + 5);
    offsets[o] = p;
    offsets[o + 1] = q;
    offsets[o + 2] = vs;
    offsets[o + 3] = ve;
    offsets[o + 4] = fieldKind(bytes, p, q);
    p = lf + 1;
  }
}

/** Decodes bytes as latin1 (0x80-0xFF to U+0080-U+00FF, as Node does); ASCII takes the native decoder. */
function decode(bytes: Uint8Array, start: number, end: number, ascii: boolean): string {
  if (ascii) return asciiDecoder.decode(bytes.subarray(start, end));
  // TextDecoder("latin1") is windows-1252 per the Encoding Standard, so it would remap 0x80-0x9F.
  let text = "";
  for (let i = start; i < end; i += 8192) {
    const part = bytes.subarray(i, Math.min(end, i + 8192));
    text += String.fromCharCode.apply(null, part as unknown as number[]);
  }
  return text;
}

/**
 * Builds raw fields from the offsets the scan recorded, and notes the values of the fields the head's
 * decisions depend on (`connection`, `expect`, `upgradeSeen`, `hostCount`/`hostField`).
 */
function buildFields(text: string, base: number, raw: string[]): void {
  connection = undefined;
  expect = undefined;
  upgradeSeen = false;
  hostCount = 0;
  hostField = -1;
  for (let k = 0; k < fieldCount; k++) {
    const o = k * 5;
    const name = text.slice((offsets[o] as number) - base, (offsets[o + 1] as number) - base);
    let value = text.slice((offsets[o + 2] as number) - base, (offsets[o + 3] as number) - base);
    if (folds !== null) value = unfold(text, base, k, value);
    raw.push(name, value);
    switch (offsets[o + 4]) {
      case OTHER:
        break;
      case CONNECTION_FIELD:
        connection = connection === undefined ? value : connection + ", " + value;
        break;
      case EXPECT_FIELD:
        expect = expect === undefined ? value : expect + ", " + value;
        break;
      case UPGRADE_FIELD:
        upgradeSeen = true;
        break;
      case HOST_FIELD:
        hostCount++;
        hostField = k;
        break;
    }
  }
}

/** Insecure obs-fold: RFC 9112 section 5.2 "replace each received obs-fold with one or more SP". */
function unfold(text: string, base: number, k: number, value: string): string {
  const list = folds as number[];
  for (let i = 0; i < list.length; i += 3) {
    if (list[i] !== k) continue;
    const part = text.slice((list[i + 1] as number) - base, (list[i + 2] as number) - base);
    if (part.length > 0) value = value.length > 0 ? value + " " + part : part;
  }
  return value;
}

/**
 * Parses a complete trailer section or field block (field lines then an empty line) in
 * `bytes[start..end)` into raw fields, with the same rules and limits as a head's fields.
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
  orBits = 0;
  scanFieldLines(bytes, start, end, options?.maxFields ?? MAX_FIELDS, options?.insecure ?? false);
  const raw: string[] = [];
  buildFields(decode(bytes, start, end, orBits < 0x80), start, raw);
  return raw;
}

function resolveMaxFields(options: HeadOptions | undefined): number {
  return options?.maxFields ?? MAX_FIELDS;
}

/**
 * A request head as the parser hands it out. `headers` is built from `rawHeaders` on first access and
 * then kept (Node's `IncomingMessage.headers` is lazy too): building it costs more than the rest of the
 * head, and most consumers read a few fields or none. Assigning `headers` replaces the cached object.
 */
class ParsedRequestHead implements RequestHead {
  versionMajor = 1;
  #headers: IncomingHeaders | undefined = undefined;

  constructor(
    public method: string,
    public url: string,
    public versionMinor: number,
    public rawHeaders: string[],
    public framing: BodyFraming,
    public keepAlive: boolean,
    public upgrade: boolean,
    public expectContinue: boolean,
    public expect: string | undefined,
  ) {}

  /** Lower-cased view with Node's duplicate rules, built from `rawHeaders` on first access. */
  get headers(): IncomingHeaders {
    return this.#headers ??= headersFromRaw(this.rawHeaders);
  }

  set headers(value: IncomingHeaders) {
    this.#headers = value;
  }
}

/** A response head as the parser hands it out; `headers` is lazy as in `ParsedRequestHead`. */
class ParsedResponseHead implements ResponseHead {
  versionMajor = 1;
  #headers: IncomingHeaders | undefined = undefined;

  constructor(
    public statusCode: number,
    public statusMessage: string,
    public versionMinor: number,
    public rawHeaders: string[],
    public framing: BodyFraming,
    public keepAlive: boolean,
    public upgrade: boolean,
  ) {}

  /** Lower-cased view with Node's duplicate rules, built from `rawHeaders` on first access. */
  get headers(): IncomingHeaders {
    return this.#headers ??= headersFromRaw(this.rawHeaders);
  }

  set headers(value: IncomingHeaders) {
    this.#headers = value;
  }
}

/**
 * Parses a complete request head in `bytes[start..end)` (`end` just after the final CRLF, as
 * {@linkcode HeadScanner.scan} returns). Throws `HttpParseError` on malformed input. The size limit is the
 * scanner's job; this checks everything else, including framing (see `requestFraming`). The returned
 * head builds `headers` from `rawHeaders` on first access.
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
  return requestHead(bytes, start, end, options, false) as RequestHead;
}

/**
 * Parses a request head that lies whole in `bytes[start..limit)`, finding its end and validating it in the
 * same pass (no {@linkcode HeadScanner} pass first). Returns the head and `consumed`, the index just after
 * its final CRLF (the byte count when `start` is 0), or `null` when this pass cannot decide: the head is
 * incomplete, or is not the plain case (malformed, bare LF, obs-fold, too many fields). Then take the
 * general route (`HeadScanner`, then {@linkcode decodeRequestHead}), which waits for more input or throws
 * the exact error. A head this accepts is the head `decodeRequestHead` gives; it throws only what that
 * would throw for the same complete head (request-target form, Host, framing). Leading empty lines are
 * not skipped, and `maxHeaderSize` is not checked: pass `limit <= start + maxHeaderSize`.
 *
 * @example
 * ```ts
 * import { tryDecodeRequestHead } from "@wire/http/core";
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
  const head = requestHead(bytes, start, limit, options, true);
  return head === null ? null : { head, consumed: headEnd };
}

/** Where the head parsed last ended (just after its final CRLF). */
let headEnd = 0;

/**
 * Both request entry points. With `speculative` false, `bytes[start..end)` is a complete head and every
 * problem throws. With `speculative` true, `end` is only where the input stops: anything but the plain
 * case returns null before any error could be thrown, and checks that need a complete head run only
 * after the field scan found its end.
 */
function requestHead(
  bytes: Uint8Array,
  start: number,
  end: number,
  options: RequestHeadOptions | undefined,
  speculative: boolean,
): RequestHead | null {
  const insecure = options?.insecure ?? false;
  // request-line = method SP request-target SP HTTP-version (RFC 9112 section 3): exactly one SP each.
  // The method and target loops stop at the line's end by themselves (CR and LF are in neither class).
  let p = start;
  while (p < end && TOKEN[bytes[p] as number] === 1) p++;
  const ts = p + 1;
  let q = ts;
  while (q < end && TARGET[bytes[q] as number] === 1) q++;
  let versionMinor: number;
  let lf: number;
  let form = -1;
  // Fast path: `HTTP/1.x` CRLF right after the target settles the line without looking for its LF.
  if (
    p > start && bytes[p] === SP && q > ts && bytes[q] === SP && q + 10 < end && bytes[q + 9] === CR &&
    bytes[q + 10] === LF && (versionMinor = plainVersion(bytes, q + 1)) !== -1
  ) {
    lf = q + 10;
    // Checked in line order (before the fields), unless the head may be incomplete: then after them.
    if (!speculative) form = targetForm(bytes, start, p, ts, q);
  } else {
    if (speculative) return null;
    lf = bytes.indexOf(LF, start);
    if (lf === -1 || lf >= end) fail("HPE_INVALID_EOF_STATE", "Cannot parse request line: incomplete");
    const ce = contentEnd(bytes, start, lf, insecure);
    if (p === start || p >= ce || bytes[p] !== SP) {
      badByte(p < ce ? bytes[p] : LF, "HPE_INVALID_METHOD", "Cannot parse method");
    }
    if (q === ts || q >= ce || bytes[q] !== SP) {
      badByte(q < ce ? bytes[q] : LF, "HPE_INVALID_URL", "Cannot parse request-target: invalid byte");
    }
    form = targetForm(bytes, start, p, ts, q);
    versionMinor = parseVersion(bytes, q + 1, ce);
  }
  orBits = 0;
  const maxFields = resolveMaxFields(options);
  if (speculative) {
    headEnd = scanPlainFields(bytes, lf + 1, end, maxFields);
    if (headEnd === -1) return null;
    form = targetForm(bytes, start, p, ts, q);
  } else headEnd = scanFieldLines(bytes, lf + 1, end, maxFields, insecure);
  const text = decode(bytes, start, headEnd, orBits < 0x80);
  const rawHeaders: string[] = [];
  buildFields(text, start, rawHeaders);
  if (options?.requireHost) checkHost(bytes, versionMinor, form);
  const framing = requestFraming({ versionMinor, rawHeaders });
  const method = text.slice(0, p - start);
  return new ParsedRequestHead(
    method,
    text.slice(ts - start, q - start),
    versionMinor,
    rawHeaders,
    framing,
    isKeepAlive(versionMinor, connection),
    form === AUTHORITY || (upgradeSeen && hasToken(connection, "upgrade")),
    expect !== undefined && expect.length === 12 && expect.toLowerCase() === "100-continue",
    expect,
  );
}

function invalidHost(message: string): never {
  fail("HPE_INVALID_HOST", "Cannot parse Host: " + message);
}

/** RFC 9112 section 3.2: "A server MUST respond with a 400 ... to any HTTP/1.1 request message that lacks
 * a Host header field and to any request message that contains more than one Host header field line or a
 * Host header field with an invalid field value." Uses what `buildFields` counted. */
function checkHost(bytes: Uint8Array, versionMinor: number, form: number): void {
  if (hostCount > 1) invalidHost("more than one Host field");
  if (hostCount === 0) {
    if (versionMinor === 1) invalidHost("missing");
    return;
  }
  const vs = offsets[hostField * 5 + 2] as number;
  const ve = offsets[hostField * 5 + 3] as number;
  if (vs === ve) {
    // "If the target URI does not include an authority component, then a client MUST send a Host header
    // field with an empty field value."
    if (form === AUTHORITY || form === ABSOLUTE_WITH_AUTHORITY) invalidHost("empty, but the target has one");
    return;
  }
  if (folds !== null || !isAuthority(bytes, vs, ve, false)) invalidHost("not host[:port]");
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
  return responseHead(bytes, start, end, options, false) as ResponseHead;
}

/**
 * Parses a response head that lies whole in `bytes[start..limit)` in one pass, or returns `null` when
 * that pass cannot decide; the response twin of {@linkcode tryDecodeRequestHead}, with the same contract.
 *
 * @example
 * ```ts
 * import { tryDecodeResponseHead } from "@wire/http/core";
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
  const head = responseHead(bytes, start, limit, options, true);
  return head === null ? null : { head, consumed: headEnd };
}

/** Both response entry points; `speculative` as in `requestHead`. */
function responseHead(
  bytes: Uint8Array,
  start: number,
  end: number,
  options: ResponseHeadOptions | undefined,
  speculative: boolean,
): ResponseHead | null {
  const insecure = options?.insecure ?? false;
  const ds = start + 9;
  let versionMinor = plainVersion(bytes, start);
  let statusCode = 0;
  let lf = -1;
  let rs = ds + 3;
  let ce = rs;
  let or = 0;
  // Fast path: `HTTP/1.x SP DDD` then CRLF or SP reason CRLF, checked in one pass without looking for
  // the LF first. Anything else (including every error) takes the general code below.
  if (versionMinor !== -1 && bytes[start + 8] === SP && rs < end) {
    for (let i = ds; i < rs; i++) {
      const d = (bytes[i] as number) - 0x30;
      if (d < 0 || d > 9) {
        statusCode = -1;
        break;
      }
      statusCode = statusCode * 10 + d;
    }
    if (statusCode >= 100) {
      let i = rs;
      if (bytes[i] === SP) {
        rs = ++i;
        for (; i < end; i++) {
          const b = bytes[i] as number;
          if (FIELD_VALUE[b] === 0) break;
          or |= b;
        }
      }
      if (i + 1 < end && bytes[i] === CR && bytes[i + 1] === LF) {
        ce = i;
        lf = i + 1;
      }
    }
  }
  if (lf === -1) {
    if (speculative) return null;
    lf = bytes.indexOf(LF, start);
    if (lf === -1 || lf >= end) fail("HPE_INVALID_EOF_STATE", "Cannot parse status line: incomplete");
    ce = contentEnd(bytes, start, lf, insecure);
    const sp = bytes.indexOf(SP, start);
    versionMinor = parseVersion(bytes, start, sp === -1 || sp > ce ? ce : sp);
    statusCode = 0;
    for (let i = ds; i < ds + 3; i++) {
      const d = (bytes[i] as number) - 0x30;
      if (i >= ce || d < 0 || d > 9) {
        badByte(i < ce ? bytes[i] : LF, "HPE_INVALID_STATUS", "Cannot parse status code");
      }
      statusCode = statusCode * 10 + d;
    }
    if (statusCode < 100) fail("HPE_INVALID_STATUS", "Cannot parse status code: below 100");
    rs = ds + 3;
    if (rs < ce) {
      if (bytes[rs] !== SP) badByte(bytes[rs], "HPE_INVALID_STATUS", "Cannot parse status code");
      rs++;
    }
    // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
    or = 0;
    for (let i = rs; i < ce; i++) {
      const b = bytes[i] as number;
      if (FIELD_VALUE[b] === 0) badByte(b, "HPE_INVALID_STATUS", "Cannot parse reason phrase: invalid byte");
      or |= b;
    }
  }
  orBits = or;
  const maxFields = resolveMaxFields(options);
  headEnd = speculative
    ? scanPlainFields(bytes, lf + 1, end, maxFields)
    : scanFieldLines(bytes, lf + 1, end, maxFields, insecure);
  if (headEnd === -1) return null;
  const text = decode(bytes, start, headEnd, orBits < 0x80);
  const rawHeaders: string[] = [];
  buildFields(text, start, rawHeaders);
  const method = options?.requestMethod ?? "GET";
  const framing = responseFraming({ statusCode, versionMinor, rawHeaders }, method);
  return new ParsedResponseHead(
    statusCode,
    text.slice(rs - start, ce - start),
    versionMinor,
    rawHeaders,
    framing,
    framing.kind !== "close" && isKeepAlive(versionMinor, connection),
    statusCode === 101 || (method === "CONNECT" && statusCode >= 200 && statusCode < 300),
  );
}

/**
 * Skips up to {@linkcode MAX_LEADING_EMPTY_LINES} CRLFs (RFC 9112 section 2.2). Returns the index of the
 * first other byte, or -1 when the input ends inside them.
 */
function skipEmptyLines(input: Uint8Array, insecure: boolean): number {
  let p = 0;
  let lines = 0;
  while (p < input.length) {
    const b = input[p];
    if (b === CR) {
      if (p + 1 === input.length) return -1;
      if (input[p + 1] !== LF) fail("HPE_LF_EXPECTED", "Cannot parse line: CR not followed by LF");
      p += 2;
    } else if (b === LF) {
      if (!insecure) fail("HPE_CR_EXPECTED", "Cannot parse line: LF not preceded by CR");
      p++;
    } else return p;
    if (++lines > MAX_LEADING_EMPTY_LINES) fail("HPE_INVALID_METHOD", "Too many empty lines before request");
  }
  return -1;
}

/**
 * Parses a request head at the start of `input`, httparse-style: `null` means "need more bytes",
 * otherwise the head and the bytes it took (including up to {@linkcode MAX_LEADING_EMPTY_LINES} leading
 * CRLFs). Throws `HttpParseError` on malformed input or when the head exceeds `maxHeaderSize`.
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
  const start = skipEmptyLines(input, options?.insecure ?? false);
  if (start === -1) return null;
  const scanner = new HeadScanner();
  const end = scanner.scan(input, start);
  scanner.check(options?.maxHeaderSize ?? MAX_HEADER_SIZE, true);
  if (end === -1) return null;
  return { head: decodeRequestHead(input, start, end, options), consumed: end };
}

/**
 * Parses a response head at the start of `input`; `null` means "need more bytes" (see
 * {@linkcode parseRequestHead}).
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
  const scanner = new HeadScanner();
  const end = scanner.scan(input, 0);
  scanner.check(options?.maxHeaderSize ?? MAX_HEADER_SIZE, false);
  if (end === -1) return null;
  return { head: decodeResponseHead(input, 0, end, options), consumed: end };
}
