/**
 * From validated bytes to head objects: the one-pass fast paths for a head that arrived whole and plain,
 * and the build step both they and the lexer end in (decode the head to a string once, slice the parts,
 * decide framing, check Host). See `head_parser.ts` for the public entry points.
 *
 * @module
 */

import { CR, FIELD_VALUE, LF, SP, TARGET, TOKEN } from "./_ascii.ts";
import { buildFields, decodeHeadText, scanPlainFields } from "./_field_lines.ts";
import { fail } from "./_head_errors.ts";
import { HeadLexer } from "./_head_lexer.ts";
import { HeadScratch } from "./_head_scratch.ts";
import { ABSOLUTE_WITH_AUTHORITY, AUTHORITY, isAuthority, plainVersion, targetForm } from "./_start_line.ts";
import { isKeepAlive } from "./connection_tokens.ts";
import { requestSwitchesProtocols, responseSwitchesProtocols } from "./connection.ts";
import { HttpParseError } from "./errors.ts";
import { headersFromRaw } from "./fields.ts";
import { requestFraming, responseFraming } from "./framing.ts";
import type { BodyFraming, IncomingHeaders, RequestHead, ResponseHead } from "./types.ts";

/** What the build step needs from the caller's options. */
export interface BuildOptions {
  /** Check Host (RFC 9112 section 3.2). */
  requireHost?: boolean;
  /** Method of the request a response answers. */
  requestMethod?: string;
}

/**
 * A request line and plain field lines in `bytes[start..limit)`, validated in one pass; the head, or null
 * when this pass cannot decide (incomplete, malformed, unusual: then the lexer decides).
 */
export function tryPlainRequest(
  bytes: Uint8Array,
  start: number,
  limit: number,
  maxFields: number,
  scratch: HeadScratch,
  options: BuildOptions | undefined,
): RequestHead | null {
  // request-line = method SP request-target SP HTTP-version (RFC 9112 section 3): exactly one SP each.
  // The method and target loops stop at the line's end by themselves (CR and LF are in neither class).
  let p = start;
  while (p < limit && TOKEN[bytes[p] as number] === 1) p++;
  const ts = p + 1;
  let q = ts;
  while (q < limit && TARGET[bytes[q] as number] === 1) q++;
  // `HTTP/1.x` CRLF right after the target settles the line without looking for its LF.
  if (
    p === start || bytes[p] !== SP || q === ts || bytes[q] !== SP || q + 10 >= limit || bytes[q + 9] !== CR ||
    bytes[q + 10] !== LF
  ) return null;
  const versionMinor = plainVersion(bytes, q + 1);
  if (versionMinor === -1) return null;
  scratch.reset();
  const end = scanPlainFields(bytes, start, q + 11, limit, maxFields, scratch);
  if (end === -1) return null;
  scratch.methodEnd = p - start;
  scratch.targetStart = ts - start;
  scratch.targetEnd = q - start;
  scratch.versionMinor = versionMinor;
  scratch.headEnd = end - start;
  // After the fields, so an incomplete head never throws; the lexer checks it in line order, which gives
  // the same error because nothing before the target can be wrong here.
  scratch.form = targetForm(bytes, start, p, ts, q);
  try {
    return buildRequest(bytes, start, scratch, options);
  } catch (err) {
    throw preciseError(err, "request", bytes, start, scratch.headEnd, maxFields);
  }
}

/** The response twin of {@linkcode tryPlainRequest}: `HTTP/1.x SP DDD [SP reason] CRLF`, plain fields. */
export function tryPlainResponse(
  bytes: Uint8Array,
  start: number,
  limit: number,
  maxFields: number,
  scratch: HeadScratch,
  options: BuildOptions | undefined,
): ResponseHead | null {
  const ds = start + 9;
  const versionMinor = plainVersion(bytes, start);
  let rs = ds + 3;
  if (versionMinor === -1 || bytes[start + 8] !== SP || rs >= limit) return null;
  let statusCode = 0;
  for (let i = ds; i < rs; i++) {
    const d = (bytes[i] as number) - 0x30;
    if (d < 0 || d > 9) return null;
    statusCode = statusCode * 10 + d;
  }
  if (statusCode < 100) return null;
  let i = rs;
  let or = 0;
  if (bytes[i] === SP) {
    rs = ++i;
    for (; i < limit; i++) {
      const b = bytes[i] as number;
      if (FIELD_VALUE[b] === 0) break;
      or |= b;
    }
  }
  if (i + 1 >= limit || bytes[i] !== CR || bytes[i + 1] !== LF) return null;
  scratch.reset();
  scratch.orBits = or;
  const end = scanPlainFields(bytes, start, i + 2, limit, maxFields, scratch);
  if (end === -1) return null;
  scratch.versionMinor = versionMinor;
  scratch.statusCode = statusCode;
  scratch.reasonStart = rs - start;
  scratch.reasonEnd = i - start;
  scratch.headEnd = end - start;
  try {
    return buildResponse(bytes, start, scratch, options);
  } catch (err) {
    throw preciseError(err, "response", bytes, start, scratch.headEnd, maxFields);
  }
}

/**
 * A build-step error found by the fast path points at the head's end; the lexer finds Content-Length
 * problems at the byte that proves them. On that cold path, lex the head again, so the offset does not
 * depend on whether the head arrived whole: the lexer's error when it has the same code, else `err`.
 */
function preciseError(
  err: unknown,
  mode: "request" | "response",
  bytes: Uint8Array,
  start: number,
  length: number,
  maxFields: number,
): unknown {
  if (!(err instanceof HttpParseError)) return err;
  try {
    const limits = { maxHeaderSize: Infinity, maxFields, insecure: false };
    new HeadLexer(mode).lex(bytes, start, start, start + length, new HeadScratch(), limits);
  } catch (precise) {
    if (precise instanceof HttpParseError && precise.code === err.code) return precise;
  }
  return err;
}

/** Errors of the build step are proven by the head's final LF. */
function atHeadEnd(err: unknown, start: number, scratch: HeadScratch): unknown {
  if (err instanceof HttpParseError && err.bytesParsed === undefined) {
    err.bytesParsed = start + scratch.headEnd - 1;
  }
  return err;
}

/** Builds a request head from a validated head at `bytes[start..]` described by `scratch`. */
export function buildRequest(
  bytes: Uint8Array,
  start: number,
  scratch: HeadScratch,
  options: BuildOptions | undefined,
): RequestHead {
  const text = decodeHeadText(bytes, start, start + scratch.headEnd, scratch.orBits < 0x80);
  const rawHeaders: string[] = [];
  buildFields(text, rawHeaders, scratch);
  const versionMinor = scratch.versionMinor;
  let framing: BodyFraming;
  try {
    framing = requestFraming({ versionMinor, rawHeaders });
    if (options?.requireHost) checkHost(bytes, start, scratch);
  } catch (err) {
    throw atHeadEnd(err, start, scratch);
  }
  const connection = scratch.connection;
  const expect = scratch.expect;
  const method = text.slice(0, scratch.methodEnd);
  return new ParsedRequestHead(
    method,
    text.slice(scratch.targetStart, scratch.targetEnd),
    versionMinor,
    rawHeaders,
    framing,
    isKeepAlive(versionMinor, connection),
    requestSwitchesProtocols(method, connection, scratch.upgradeSeen),
    expect !== undefined && expect.length === 12 && expect.toLowerCase() === "100-continue",
    expect,
  );
}

/** Builds a response head from a validated head at `bytes[start..]` described by `scratch`. */
export function buildResponse(
  bytes: Uint8Array,
  start: number,
  scratch: HeadScratch,
  options: BuildOptions | undefined,
): ResponseHead {
  const text = decodeHeadText(bytes, start, start + scratch.headEnd, scratch.orBits < 0x80);
  const rawHeaders: string[] = [];
  buildFields(text, rawHeaders, scratch);
  const { statusCode, versionMajor, versionMinor } = scratch;
  // HTTP/0.9 frames and persists as HTTP/1.0 (no chunked coding, keep-alive only when asked), as llhttp.
  const minorRules = versionMajor === 1 ? versionMinor : 0;
  const method = options?.requestMethod ?? "GET";
  let framing: BodyFraming;
  try {
    framing = responseFraming({ statusCode, versionMinor: minorRules, rawHeaders }, method);
  } catch (err) {
    throw atHeadEnd(err, start, scratch);
  }
  return new ParsedResponseHead(
    statusCode,
    text.slice(scratch.reasonStart, scratch.reasonEnd),
    versionMajor,
    versionMinor,
    rawHeaders,
    framing,
    framing.kind !== "close" && isKeepAlive(minorRules, scratch.connection),
    responseSwitchesProtocols(statusCode, method),
  );
}

function invalidHost(message: string): never {
  fail("HPE_INVALID_HOST", "Cannot parse Host: " + message);
}

/**
 * RFC 9112 section 3.2: "A server MUST respond with a 400 ... to any HTTP/1.1 request message that lacks
 * a Host header field and to any request message that contains more than one Host header field line or a
 * Host header field with an invalid field value." Uses what `buildFields` counted.
 */
function checkHost(bytes: Uint8Array, start: number, scratch: HeadScratch): void {
  if (scratch.hostCount > 1) invalidHost("more than one Host field");
  if (scratch.hostCount === 0) {
    if (scratch.versionMinor === 1) invalidHost("missing");
    return;
  }
  const vs = start + (scratch.offsets[scratch.hostField * 5 + 2] as number);
  const ve = start + (scratch.offsets[scratch.hostField * 5 + 3] as number);
  if (vs === ve) {
    // "If the target URI does not include an authority component, then a client MUST send a Host header
    // field with an empty field value."
    const form = scratch.form;
    if (form === AUTHORITY || form === ABSOLUTE_WITH_AUTHORITY) invalidHost("empty, but the target has one");
    return;
  }
  if (scratch.folds !== null || !isAuthority(bytes, vs, ve, false)) invalidHost("not host[:port]");
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
  #headers: IncomingHeaders | undefined = undefined;

  constructor(
    public statusCode: number,
    public statusMessage: string,
    public versionMajor: number,
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
