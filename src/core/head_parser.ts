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
 * Error codes: bare CR anywhere -> `HPE_LF_EXPECTED`; bare LF line ending -> `HPE_CR_EXPECTED`; bad field
 * name, whitespace before the colon, obs-fold, or a bad byte in a field value (NUL and other controls) ->
 * `HPE_INVALID_HEADER_TOKEN` (as llhttp); a version that is not `HTTP/` followed by anything ->
 * `HPE_INVALID_CONSTANT`; `HTTP/` followed by anything but `1.0`/`1.1` -> `HPE_INVALID_VERSION` (505).
 *
 * @module
 */

import { COLON, CR, FIELD_VALUE, HOST, HTAB, LF, SP, TARGET, TOKEN } from "./_ascii.ts";
import { hasToken, isKeepAlive } from "./connection_tokens.ts";
import { type ErrorStatus, HttpParseError, type ParseErrorCode } from "./errors.ts";
import { addField } from "./fields.ts";
import { requestFraming, responseFraming } from "./framing.ts";
import { MAX_FIELDS, MAX_HEADER_SIZE, MAX_LEADING_EMPTY_LINES } from "./limits.ts";
import type { IncomingHeaders, RequestHead, ResponseHead } from "./types.ts";

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

/** Field-name bytes: 0 not a tchar, 1 a tchar, 2 an upper-case letter (so we know when to lower-case). */
const NAME: Uint8Array = table((b) => TOKEN[b] === 1).map((v, b) =>
  v === 1 && b >= 0x41 && b <= 0x5a ? 2 : v
);

/** `insecure` field values: anything but NUL, CR and LF (Node's lenient flags allow other controls). */
const LENIENT_VALUE: Uint8Array = table((b) => b !== 0 && b !== CR && b !== LF);

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 section 3.1). */
const SCHEME: Uint8Array = table((b) =>
  (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || b === 0x2b ||
  b === 0x2d || b === 0x2e
);

const asciiDecoder = new TextDecoder();

function fail(code: ParseErrorCode, message: string, status?: ErrorStatus): never {
  throw status === undefined ? new HttpParseError(code, message) : new HttpParseError(code, message, status);
}

/** A bad byte inside a line: bare CR gets its own code, anything else `code`. */
function badByte(byte: number | undefined, code: ParseErrorCode, message: string): never {
  if (byte === CR) fail("HPE_LF_EXPECTED", "Cannot parse line: CR not followed by LF");
  fail(code, message);
}

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

// Results of scanFields, kept in module state so parsing allocates nothing but the strings it returns.
// Parsing is synchronous and never re-entered, so one set serves every parser.
/** Per field: name start, name end, value start, value end, name class bits (2 = has upper case). */
let offsets = new Int32Array(5 * 64);
let fieldCount = 0;
let orBits = 0;
/** Insecure obs-fold continuations: (field index, start, end) triples, or null. */
let folds: number[] | null = null;

function growOffsets(need: number): void {
  let size = offsets.length * 2;
  while (size < need) size *= 2;
  const next = new Int32Array(size);
  next.set(offsets);
  offsets = next;
}

/**
 * Validates the field lines from `p` up to and including the empty line that ends them (which must lie
 * before `end`), recording offsets. Returns the index after that empty line.
 *
 * RFC 9112 section 5: `field-line = field-name ":" OWS field-value OWS`; "No whitespace is allowed between
 * the field name and colon" (a server MUST reject with 400). Section 5.2: obs-fold "MUST" be rejected or
 * replaced by SP; we reject unless insecure.
 */
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
    let cls = 0;
    while (q < ce) {
      const c = NAME[bytes[q] as number] as number;
      if (c === 0) break;
      cls |= c;
      q++;
    }
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
    offsets[o + 4] = cls;
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

/** Builds raw fields (and, when given, the headers object) from the offsets `scanFields` recorded. */
function buildFields(text: string, base: number, raw: string[], headers: IncomingHeaders | null): void {
  for (let k = 0; k < fieldCount; k++) {
    const o = k * 5;
    const name = text.slice((offsets[o] as number) - base, (offsets[o + 1] as number) - base);
    let value = text.slice((offsets[o + 2] as number) - base, (offsets[o + 3] as number) - base);
    if (folds !== null) value = unfold(text, base, k, value);
    raw.push(name, value);
    if (headers !== null) {
      addField(headers, (offsets[o + 4] as number) & 2 ? name.toLowerCase() : name, value);
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
  scanFields(bytes, start, end, options?.maxFields ?? MAX_FIELDS, options?.insecure ?? false);
  const raw: string[] = [];
  buildFields(decode(bytes, start, end, orBits < 0x80), start, raw, null);
  return raw;
}

/** Compares `bytes[s..e)` with an ASCII string. */
function bytesAre(bytes: Uint8Array, s: number, e: number, text: string): boolean {
  if (e - s !== text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[s + i] !== text.charCodeAt(i)) return false;
  return true;
}

/**
 * `uri-host [ ":" port ]` (RFC 3986 section 3.2): an IP-literal in brackets or a reg-name/IPv4 of HOST
 * bytes; `port = *DIGIT`, non-empty when `requirePort` (CONNECT's `authority-form = uri-host ":" port`).
 */
function isAuthority(bytes: Uint8Array, s: number, e: number, requirePort: boolean): boolean {
  let p = s;
  if (bytes[p] === 0x5b) {
    const close = bytes.indexOf(0x5d, p);
    if (close === -1 || close >= e || close === p + 1) return false;
    for (let i = p + 1; i < close; i++) {
      const b = bytes[i] as number;
      if (HOST[b] === 0 || b === 0x5b) return false;
    }
    p = close + 1;
  } else {
    while (p < e && bytes[p] !== COLON) {
      const b = bytes[p] as number;
      if (HOST[b] === 0 || b === 0x5b || b === 0x5d) return false;
      p++;
    }
    if (p === s) return false;
  }
  if (p === e) return !requirePort;
  if (bytes[p] !== COLON) return false;
  p++;
  if (p === e) return !requirePort;
  for (; p < e; p++) {
    const b = bytes[p] as number;
    if (b < 0x30 || b > 0x39) return false;
  }
  return true;
}

/** Request-target forms (RFC 9112 section 3.2). */
const ORIGIN = 0;
const ABSOLUTE = 1;
const ABSOLUTE_WITH_AUTHORITY = 2;
const AUTHORITY = 3;
const ASTERISK = 4;

function invalidUrl(message: string): never {
  fail("HPE_INVALID_URL", "Cannot parse request-target: " + message);
}

/**
 * RFC 9112 section 3.2: origin-form (`/...`); absolute-form (`scheme://...`); authority-form "is only used
 * for CONNECT requests" and CONNECT must use it (section 3.2.3); asterisk-form "is only used for a
 * server-wide OPTIONS request" (section 3.2.4).
 */
function targetForm(bytes: Uint8Array, ms: number, me: number, ts: number, te: number): number {
  if (bytesAre(bytes, ms, me, "CONNECT")) {
    if (!isAuthority(bytes, ts, te, true)) invalidUrl("CONNECT needs host:port");
    return AUTHORITY;
  }
  const first = bytes[ts] as number;
  if (first === 0x2f) return ORIGIN;
  if (first === 0x2a && te - ts === 1) {
    if (!bytesAre(bytes, ms, me, "OPTIONS")) invalidUrl("* is only for OPTIONS");
    return ASTERISK;
  }
  const isAlpha = (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a;
  if (!isAlpha) invalidUrl("not origin-form or absolute-form");
  let i = ts + 1;
  while (i < te && SCHEME[bytes[i] as number] === 1) i++;
  if (te - i < 3 || bytes[i] !== COLON || bytes[i + 1] !== 0x2f || bytes[i + 2] !== 0x2f) {
    invalidUrl("not origin-form or absolute-form");
  }
  return i + 3 < te && bytes[i + 3] !== 0x2f ? ABSOLUTE_WITH_AUTHORITY : ABSOLUTE;
}

/**
 * `HTTP-version = HTTP-name "/" DIGIT "." DIGIT` at `s` (RFC 9112 section 2.3), ending at `e`. Returns the
 * minor version; only 1.0 and 1.1 are spoken here.
 */
function parseVersion(bytes: Uint8Array, s: number, e: number): number {
  if (!bytesAre(bytes, s, Math.min(e, s + 5), "HTTP/")) {
    if (bytes.subarray(s, e).includes(CR)) badByte(CR, "HPE_INVALID_CONSTANT", "");
    fail("HPE_INVALID_CONSTANT", "Cannot parse HTTP version: expected HTTP/");
  }
  const major = (bytes[s + 5] as number) - 0x30;
  const minor = (bytes[s + 7] as number) - 0x30;
  if (e !== s + 8 || major < 0 || major > 9 || bytes[s + 6] !== 0x2e || minor < 0 || minor > 9) {
    if (bytes.subarray(s, e).includes(CR)) badByte(CR, "HPE_INVALID_VERSION", "");
    fail("HPE_INVALID_VERSION", "Cannot parse HTTP version: malformed");
  }
  if (major !== 1 || minor > 1) {
    fail("HPE_INVALID_VERSION", `HTTP version ${major}.${minor} is not supported`);
  }
  return minor;
}

function resolveMaxFields(options: HeadOptions | undefined): number {
  return options?.maxFields ?? MAX_FIELDS;
}

/**
 * Parses a complete request head in `bytes[start..end)` (`end` just after the final CRLF, as
 * {@linkcode HeadScanner.scan} returns). Throws `HttpParseError` on malformed input. The size limit is the
 * scanner's job; this checks everything else, including framing (see `requestFraming`).
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
  const insecure = options?.insecure ?? false;
  const lf = bytes.indexOf(LF, start);
  if (lf === -1 || lf >= end) fail("HPE_INVALID_EOF_STATE", "Cannot parse request line: incomplete");
  const ce = contentEnd(bytes, start, lf, insecure);
  // request-line = method SP request-target SP HTTP-version (RFC 9112 section 3): exactly one SP each.
  let p = start;
  while (p < ce && TOKEN[bytes[p] as number] === 1) p++;
  if (p === start || p === ce || bytes[p] !== SP) {
    badByte(p < ce ? bytes[p] : LF, "HPE_INVALID_METHOD", "Cannot parse method");
  }
  const ts = p + 1;
  let q = ts;
  while (q < ce && TARGET[bytes[q] as number] === 1) q++;
  if (q === ts || q === ce || bytes[q] !== SP) {
    badByte(q < ce ? bytes[q] : LF, "HPE_INVALID_URL", "Cannot parse request-target: invalid byte");
  }
  const form = targetForm(bytes, start, p, ts, q);
  const versionMinor = parseVersion(bytes, q + 1, ce);
  orBits = 0;
  scanFields(bytes, lf + 1, end, resolveMaxFields(options), insecure);
  const text = decode(bytes, start, end, orBits < 0x80);
  const rawHeaders: string[] = [];
  const headers: IncomingHeaders = {};
  buildFields(text, start, rawHeaders, headers);
  if (options?.requireHost) checkHost(bytes, rawHeaders, versionMinor, form);
  const method = text.slice(0, p - start);
  const connection = headers.connection;
  const expect = headers.expect;
  return {
    method,
    url: text.slice(ts - start, q - start),
    versionMajor: 1,
    versionMinor,
    rawHeaders,
    headers,
    framing: requestFraming({ versionMinor, rawHeaders }),
    keepAlive: isKeepAlive(versionMinor, connection),
    upgrade: form === AUTHORITY || (headers.upgrade !== undefined && hasToken(connection, "upgrade")),
    expectContinue: typeof expect === "string" && expect.length === 12 &&
      expect.toLowerCase() === "100-continue",
  };
}

function invalidHost(message: string): never {
  fail("HPE_INVALID_HOST", "Cannot parse Host: " + message);
}

/** RFC 9112 section 3.2: "A server MUST respond with a 400 ... to any HTTP/1.1 request message that lacks
 * a Host header field and to any request message that contains more than one Host header field line or a
 * Host header field with an invalid field value." */
function checkHost(bytes: Uint8Array, raw: string[], versionMinor: number, form: number): void {
  let count = 0;
  let field = -1;
  for (let k = 0; k < fieldCount; k++) {
    const name = raw[k * 2] as string;
    if (name.length === 4 && name.toLowerCase() === "host") {
      count++;
      field = k;
    }
  }
  if (count > 1) invalidHost("more than one Host field");
  if (count === 0) {
    if (versionMinor === 1) invalidHost("missing");
    return;
  }
  const vs = offsets[field * 5 + 2] as number;
  const ve = offsets[field * 5 + 3] as number;
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
  const insecure = options?.insecure ?? false;
  const lf = bytes.indexOf(LF, start);
  if (lf === -1 || lf >= end) fail("HPE_INVALID_EOF_STATE", "Cannot parse status line: incomplete");
  const ce = contentEnd(bytes, start, lf, insecure);
  const sp = bytes.indexOf(SP, start);
  const versionMinor = parseVersion(bytes, start, sp === -1 || sp > ce ? ce : sp);
  const ds = start + 9;
  let statusCode = 0;
  for (let i = ds; i < ds + 3; i++) {
    const d = (bytes[i] as number) - 0x30;
    if (i >= ce || d < 0 || d > 9) {
      badByte(i < ce ? bytes[i] : LF, "HPE_INVALID_STATUS", "Cannot parse status code");
    }
    statusCode = statusCode * 10 + d;
  }
  if (statusCode < 100) fail("HPE_INVALID_STATUS", "Cannot parse status code: below 100");
  let rs = ds + 3;
  if (rs < ce) {
    if (bytes[rs] !== SP) badByte(bytes[rs], "HPE_INVALID_STATUS", "Cannot parse status code");
    rs++;
  }
  // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
  let or = 0;
  for (let i = rs; i < ce; i++) {
    const b = bytes[i] as number;
    if (FIELD_VALUE[b] === 0) badByte(b, "HPE_INVALID_STATUS", "Cannot parse reason phrase: invalid byte");
    or |= b;
  }
  orBits = or;
  scanFields(bytes, lf + 1, end, resolveMaxFields(options), insecure);
  const text = decode(bytes, start, end, orBits < 0x80);
  const rawHeaders: string[] = [];
  const headers: IncomingHeaders = {};
  buildFields(text, start, rawHeaders, headers);
  const method = options?.requestMethod ?? "GET";
  const framing = responseFraming({ statusCode, versionMinor, rawHeaders }, method);
  return {
    statusCode,
    statusMessage: text.slice(rs - start, ce - start),
    versionMajor: 1,
    versionMinor,
    rawHeaders,
    headers,
    framing,
    keepAlive: framing.kind !== "close" && isKeepAlive(versionMinor, headers.connection),
    upgrade: statusCode === 101 || (method === "CONNECT" && statusCode >= 200 && statusCode < 300),
  };
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
