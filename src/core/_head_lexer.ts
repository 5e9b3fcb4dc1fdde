/**
 * The head lexer: validates a head (or a trailer section) byte by byte as it arrives, across any number
 * of inputs, and fails at the first byte that cannot continue a valid head — with llhttp's code and that
 * byte's index — instead of waiting for the end of the head.
 *
 * Theory of operation: one state per grammar piece (method, target, version, status, reason, field name,
 * OWS, field value, obs-fold) plus one for "CR seen, LF must follow". Each state's loop runs over a byte
 * table until a byte outside the class, which either moves to the next piece or is the error. The state
 * survives between calls, so a head split into any pieces is lexed exactly once and gives the same
 * result, the same error and the same recorded offsets as the head whole. Offsets go into the caller's
 * {@linkcode HeadScratch}, relative to the head's first byte. The head-size limit is enforced inline: the
 * (limit+1)th byte is the error, whatever follows.
 *
 * The lexer is the slow path: a head that arrives whole and plain is validated by the one-pass fast path
 * (`scanPlainFields` and the plain start-line checks), which accepts only what this accepts. Everything
 * else — a split head, `insecure` input, every error — comes here, so this alone chooses error codes:
 * - the first invalid byte decides; a CR where the line may not end is the error of the piece it stands
 *   in (llhttp does the same); after a CR where the line may end, anything but LF is `HPE_LF_EXPECTED`;
 *   a bare LF is `HPE_CR_EXPECTED` unless `insecure`;
 * - method -> `HPE_INVALID_METHOD`; target -> `HPE_INVALID_URL` (also a wrong form, at the SP after it);
 *   not `HTTP/` -> `HPE_INVALID_CONSTANT`; anything but `1.0`/`1.1` (or, in a status line, `0.9`) then the
 *   line end -> `HPE_INVALID_VERSION` (505); status code and reason -> `HPE_INVALID_STATUS`;
 * - field name, whitespace before the colon, obs-fold (in a request, unless `insecure`), a bad value byte ->
 *   `HPE_INVALID_HEADER_TOKEN`; one field too many -> `HPE_HEADER_OVERFLOW`;
 * - heads only: Content-Length values are read as they arrive, so a bad byte or the digit that overflows
 *   is `HPE_INVALID_CONTENT_LENGTH` at that byte, and a second differing value
 *   `HPE_UNEXPECTED_CONTENT_LENGTH` where it ends; Content-Length beside Transfer-Encoding is
 *   `HPE_UNEXPECTED_CONTENT_LENGTH` at the colon of the second. The framing decision at the end of the
 *   head checks in the same order, so it agrees;
 * - trailer sections only: a field that may not be a trailer (RFC 9110 section 6.5.1; the one table in
 *   `_trailer_fields.ts`) fails at its colon with that table's code. Trailers never reach the
 *   Content-Length reader: a chunked body's length is settled, and the framing rules are the head's.
 *
 * @module
 */

import { CR, FIELD_VALUE, HTAB, LF, SP, table, TARGET, TOKEN } from "./_ascii.ts";
import { ContentLengthReader, lengthWithTransferEncoding } from "./_content_length.ts";
import { fail } from "./_head_errors.ts";
import {
  CONTENT_LENGTH_FIELD,
  fieldKind,
  type HeadScratch,
  OTHER_FIELD,
  TRANSFER_ENCODING_FIELD,
} from "./_head_scratch.ts";
import { targetForm } from "./_start_line.ts";
import { checkTrailerName } from "./_trailer_fields.ts";
import { HttpParseError } from "./errors.ts";
import { EmptyLines } from "./_empty_lines.ts";

/** `insecure` field values: anything but NUL, CR and LF (Node's lenient flags allow other controls). */
const LENIENT_VALUE: Uint8Array = table((b) => b !== 0 && b !== CR && b !== LF);

/** What a lexer reads: a request head, a response head, or a trailer section (field lines only). */
export type LexMode = "request" | "response" | "trailers";

/** The limits a lexer enforces. */
export interface LexLimits {
  /** Largest head in bytes (start line, fields, final CRLF). */
  maxHeaderSize: number;
  /** Most field lines. */
  maxFields: number;
  /** Accept bare-LF line endings, obs-fold, and controls other than NUL/CR/LF in values. */
  insecure: boolean;
}

// States: one per grammar piece.
const REQ_METHOD = 0;
const REQ_TARGET = 1;
const REQ_VERSION = 2;
const RES_VERSION = 3;
const RES_STATUS = 4;
const RES_AFTER_STATUS = 5;
const RES_REASON = 6;
const FIELD_START = 7;
const FIELD_NAME = 8;
const FIELD_OWS = 9;
const FIELD_VALUE_STATE = 10;
const FOLD_OWS = 11;
const FOLD_VALUE = 12;
const CR_SEEN = 13;

// What the line a CR (or LF) ends was.
const START_LINE = 0;
const FIELD_LINE = 1;
const FOLD_LINE = 2;
const EMPTY_LINE = 3;

const HTTP_SLASH = "HTTP/";

/**
 * Validates heads byte by byte across inputs (see the module docs). One per connection and direction;
 * `reset()` between heads.
 */
export class HeadLexer {
  readonly #mode: LexMode;
  #state: number;
  /** The kind of line a pending CR ends. */
  #line = START_LINE;
  /** Head bytes lexed so far (not counting leading empty lines). */
  #length = 0;
  /** Relative start of the piece being read: version, status code, field name, value or fold. */
  #mark = 0;
  /** Relative start of the field name being read. */
  #nameStart = 0;
  /** Relative end of the field name being read. */
  #nameEnd = 0;
  /** Relative index after the last non-OWS byte of the value being read. */
  #lastNonWs = 0;
  /** Empty lines before the start line (see `skipEmptyLines`). */
  readonly #emptyLines: EmptyLines;
  /** Kind of the head field being read (set at its colon). */
  #kind = OTHER_FIELD;
  /** Content-Length lines of this head, read as they arrive. */
  readonly #contentLength = new ContentLengthReader();

  /** Creates a lexer for `mode`. */
  constructor(mode: LexMode) {
    this.#mode = mode;
    this.#state = this.#initialState();
    this.#emptyLines = new EmptyLines(mode === "request" ? "HPE_INVALID_METHOD" : "HPE_INVALID_CONSTANT");
  }

  /** Head bytes lexed so far. */
  get length(): number {
    return this.#length;
  }

  /**
   * Skips the empty lines allowed before a start line in `bytes[p..end)`; the index of the first other
   * byte, or `end` (see `EmptyLines`).
   */
  skipEmptyLines(bytes: Uint8Array, p: number, end: number, insecure: boolean): number {
    return this.#emptyLines.skip(bytes, p, end, insecure);
  }

  /**
   * True once any byte of the next head has arrived. Empty lines before it (even a lone CR) do not
   * count: a peer that ends after them ended between messages (as Node: no 'clientError' for a request
   * followed by CRLF and the end).
   */
  get busy(): boolean {
    return this.#length > 0;
  }

  /** Forgets the head, ready for the next one. */
  reset(): void {
    this.#state = this.#initialState();
    this.#length = 0;
    this.#mark = 0;
    this.#emptyLines.reset();
  }

  #initialState(): number {
    return this.#mode === "request" ? REQ_METHOD : this.#mode === "response" ? RES_VERSION : FIELD_START;
  }

  /**
   * Lexes `bytes[from..end)`, where `bytes[base..from)` holds this head's earlier bytes (so `from - base`
   * equals {@linkcode length}). Returns the index just after the final LF, or -1 when the head goes on
   * (call again with the next bytes appended). Throws `HttpParseError` with `bytesParsed` set to the index
   * in `bytes` of the byte that proved the error.
   */
  lex(
    bytes: Uint8Array,
    base: number,
    from: number,
    end: number,
    scratch: HeadScratch,
    limits: LexLimits,
  ): number {
    if (this.#length === 0) {
      scratch.reset();
      this.#contentLength.reset();
    }
    const insecure = limits.insecure;
    const values = insecure ? LENIENT_VALUE : FIELD_VALUE;
    const room = limits.maxHeaderSize - (from - base);
    const stop = end - from > room ? from + room : end;
    let state = this.#state;
    let i = from;
    while (i < stop) {
      switch (state) {
        case REQ_METHOD: {
          while (i < stop && TOKEN[bytes[i] as number] === 1) i++;
          if (i === stop) break;
          if (bytes[i] !== SP || i === base) {
            fail("HPE_INVALID_METHOD", "Cannot parse method: invalid byte", i);
          }
          scratch.methodEnd = i - base;
          scratch.targetStart = ++i - base;
          state = REQ_TARGET;
          break;
        }
        case REQ_TARGET: {
          while (i < stop && TARGET[bytes[i] as number] === 1) i++;
          if (i === stop) break;
          if (bytes[i] !== SP || i - base === scratch.targetStart) {
            fail("HPE_INVALID_URL", "Cannot parse request-target: invalid byte", i);
          }
          scratch.targetEnd = i - base;
          scratch.form = targetForm(bytes, base, base + scratch.methodEnd, base + scratch.targetStart, i);
          this.#mark = ++i - base;
          state = REQ_VERSION;
          break;
        }
        case REQ_VERSION:
        case RES_VERSION: {
          const b = bytes[i] as number;
          const k = i - base - this.#mark;
          if (k < 5) {
            if (b !== HTTP_SLASH.charCodeAt(k)) {
              fail("HPE_INVALID_CONSTANT", "Cannot parse HTTP version: expected HTTP/", i);
            }
          } else if (k === 5) {
            // A status line may say HTTP/0.9 (llhttp and h11 read it too; Node's client shows such a
            // response, read as HTTP/1.0). A request line must be 1.x: the server answers 505.
            if (b === 0x31) scratch.versionMajor = 1;
            else if (b === 0x30 && state === RES_VERSION) scratch.versionMajor = 0;
            else fail("HPE_INVALID_VERSION", "Cannot parse HTTP version: only 1.x is spoken", i);
          } else if (k === 6) {
            if (b !== 0x2e) fail("HPE_INVALID_VERSION", "Cannot parse HTTP version: malformed", i);
          } else if (k === 7) {
            if (scratch.versionMajor === 0 ? b !== 0x39 : b !== 0x30 && b !== 0x31) {
              fail("HPE_INVALID_VERSION", "Cannot parse HTTP version: not 1.0/1.1", i);
            }
            scratch.versionMinor = b - 0x30;
          } else if (state === REQ_VERSION) {
            if (b !== CR && b !== LF) fail("HPE_INVALID_VERSION", "Cannot parse HTTP version: malformed", i);
            state = this.#lineEnd(b, START_LINE, insecure, i);
          } else {
            if (b === CR || b === LF) {
              fail("HPE_INVALID_STATUS", "Cannot parse status line: no status code", i);
            }
            if (b !== SP) fail("HPE_INVALID_VERSION", "Cannot parse HTTP version: malformed", i);
            scratch.statusCode = 0;
            this.#mark = i + 1 - base;
            state = RES_STATUS;
          }
          i++;
          break;
        }
        case RES_STATUS: {
          const d = (bytes[i] as number) - 0x30;
          if (d < 0 || d > 9) fail("HPE_INVALID_STATUS", "Cannot parse status code", i);
          scratch.statusCode = scratch.statusCode * 10 + d;
          if (i - base - this.#mark === 2) {
            if (scratch.statusCode < 100) {
              fail("HPE_INVALID_STATUS", "Cannot parse status code: below 100", i);
            }
            state = RES_AFTER_STATUS;
          }
          i++;
          break;
        }
        case RES_AFTER_STATUS: {
          // status-line = HTTP-version SP status-code SP [ reason-phrase ]; a missing SP before an empty
          // reason is accepted too.
          const b = bytes[i] as number;
          if (b === SP) {
            scratch.reasonStart = ++i - base;
            state = RES_REASON;
            break;
          }
          if (b !== CR && b !== LF) fail("HPE_INVALID_STATUS", "Cannot parse status code", i);
          scratch.reasonStart = scratch.reasonEnd = i - base;
          state = this.#lineEnd(b, START_LINE, insecure, i++);
          break;
        }
        case RES_REASON: {
          // reason-phrase = 1*( HTAB / SP / VCHAR / obs-text )
          let or = 0;
          while (i < stop && FIELD_VALUE[bytes[i] as number] === 1) or |= bytes[i++] as number;
          scratch.orBits |= or;
          if (i === stop) break;
          const b = bytes[i] as number;
          if (b !== CR && b !== LF) fail("HPE_INVALID_STATUS", "Cannot parse reason phrase: invalid byte", i);
          scratch.reasonEnd = i - base;
          state = this.#lineEnd(b, START_LINE, insecure, i++);
          break;
        }
        case FIELD_START: {
          const b = bytes[i] as number;
          if (TOKEN[b] === 1) {
            if (scratch.fieldCount === limits.maxFields) {
              fail("HPE_HEADER_OVERFLOW", `Header section has more than ${limits.maxFields} fields`, i);
            }
            this.#nameStart = i++ - base;
            state = FIELD_NAME;
          } else if (b === CR || b === LF) {
            if (b === LF) {
              if (!insecure) fail("HPE_CR_EXPECTED", "Cannot parse line: LF not preceded by CR", i);
              return this.#done(scratch, base, i + 1);
            }
            this.#line = EMPTY_LINE;
            state = CR_SEEN;
            i++;
          } else if (
            // obs-fold: unfolded in a response head always, as RFC 9112 section 5.2 requires of a user agent
            // ("MUST replace each received obs-fold with one or more SP octets"); a server may refuse a
            // request's, and does unless `insecure`.
            (b === SP || b === HTAB) && (insecure || this.#mode === "response") && scratch.fieldCount > 0
          ) {
            state = FOLD_OWS;
            i++;
          } else {
            fail(
              "HPE_INVALID_HEADER_TOKEN",
              b === SP || b === HTAB
                ? "Cannot parse field line: obs-fold"
                : "Cannot parse field name: invalid token",
              i,
            );
          }
          break;
        }
        case FIELD_NAME: {
          while (i < stop && TOKEN[bytes[i] as number] === 1) i++;
          if (i === stop) break;
          // RFC 9112 section 5: "No whitespace is allowed between the field name and colon".
          if (bytes[i] !== 0x3a) {
            fail("HPE_INVALID_HEADER_TOKEN", "Cannot parse field name: invalid token", i);
          }
          this.#nameEnd = i - base;
          this.#kind = this.#mode === "trailers"
            ? this.#trailerField(bytes, base, i)
            : this.#framingField(bytes, base, scratch, i);
          i++;
          state = FIELD_OWS;
          break;
        }
        case FIELD_OWS:
        case FOLD_OWS: {
          while (i < stop && (bytes[i] === SP || bytes[i] === HTAB)) i++;
          if (i === stop) break;
          this.#mark = this.#lastNonWs = i - base;
          state = state === FIELD_OWS ? FIELD_VALUE_STATE : FOLD_VALUE;
          break;
        }
        case FIELD_VALUE_STATE:
        case FOLD_VALUE: {
          let or = 0;
          let last = this.#lastNonWs;
          // A Content-Length value is read as it arrives: a bad byte or an overflowing digit is the error.
          const length = state === FIELD_VALUE_STATE && this.#kind === CONTENT_LENGTH_FIELD
            ? this.#contentLength
            : null;
          try {
            for (; i < stop; i++) {
              const b = bytes[i] as number;
              if (values[b] === 0) break;
              or |= b;
              if (b !== SP && b !== HTAB) last = i + 1 - base;
              length?.byte(b);
            }
          } catch (err) {
            throw provenAt(err, i);
          }
          scratch.orBits |= or;
          this.#lastNonWs = last;
          if (i === stop) break;
          const b = bytes[i] as number;
          if (b !== CR && b !== LF) {
            fail("HPE_INVALID_HEADER_TOKEN", "Cannot parse field value: invalid byte", i);
          }
          state = this.#lineEnd(b, state === FIELD_VALUE_STATE ? FIELD_LINE : FOLD_LINE, insecure, i);
          if (state !== CR_SEEN) this.#endLine(scratch, i);
          i++;
          break;
        }
        case CR_SEEN: {
          if (bytes[i] !== LF) fail("HPE_LF_EXPECTED", "Cannot parse line: CR not followed by LF", i);
          if (this.#line === EMPTY_LINE) return this.#done(scratch, base, i + 1);
          this.#endLine(scratch, i);
          state = FIELD_START;
          i++;
          break;
        }
      }
    }
    if (stop < end) this.#overflow(bytes, stop, state, limits.maxHeaderSize);
    this.#state = state;
    this.#length = stop - base;
    return -1;
  }

  /**
   * At the CR or LF `b` that ends a line of kind `line`: a CR waits for its LF; a bare LF is an error
   * unless `insecure`. Returns the next state (for a start line, field lines follow).
   */
  #lineEnd(b: number, line: number, insecure: boolean, at: number): number {
    this.#line = line;
    if (b === CR) return CR_SEEN;
    if (!insecure) fail("HPE_CR_EXPECTED", "Cannot parse line: LF not preceded by CR", at);
    return FIELD_START;
  }

  /**
   * Records the field or fold line the LF at `lf` ended, and ends a Content-Length value (heads only: in a
   * trailer section Content-Length failed at its colon).
   */
  #endLine(scratch: HeadScratch, lf: number): void {
    if (this.#line === START_LINE) return;
    const start = this.#mark;
    const last = this.#lastNonWs;
    if (this.#line === FOLD_LINE) {
      (scratch.folds ??= []).push(scratch.fieldCount - 1, start, last);
      return;
    }
    const kind = this.#kind;
    scratch.pushField(this.#nameStart, this.#nameEnd, start, last, kind);
    if (kind === CONTENT_LENGTH_FIELD) {
      try {
        this.#contentLength.endLine();
      } catch (err) {
        throw provenAt(err, lf);
      }
      scratch.contentLength = this.#contentLength.agreed;
    }
  }

  /**
   * At the colon of a head's field: its kind, and the framing rule that needs only the name: Content-Length
   * beside Transfer-Encoding is `HPE_UNEXPECTED_CONTENT_LENGTH` at the second of the two (the framing
   * decision checks in the same order, so both agree).
   */
  #framingField(bytes: Uint8Array, base: number, scratch: HeadScratch, colon: number): number {
    const kind = fieldKind(bytes, base + this.#nameStart, base + this.#nameEnd);
    if (kind === CONTENT_LENGTH_FIELD) {
      if (scratch.transferEncoding) throw provenAt(lengthWithTransferEncoding(), colon);
    } else if (kind === TRANSFER_ENCODING_FIELD) {
      if (this.#contentLength.agreed !== -1) throw provenAt(lengthWithTransferEncoding(), colon);
      scratch.transferEncoding = true;
    }
    return kind;
  }

  /**
   * At the colon of a trailer field: the fields that may not be trailers (one table, `_trailer_fields.ts`)
   * fail here, at the byte that proves them, so no trailer ever reaches the Content-Length reader or the
   * framing rules, which are the head's. Returns the field's kind, as the one-pass scan records it.
   */
  #trailerField(bytes: Uint8Array, base: number, colon: number): number {
    checkTrailerName(bytes, base + this.#nameStart, colon);
    return fieldKind(bytes, base + this.#nameStart, colon);
  }

  #done(scratch: HeadScratch, base: number, end: number): number {
    scratch.headEnd = end - base;
    this.#length = end - base;
    return end;
  }

  /** The (limit+1)th byte arrived inside the head. */
  #overflow(bytes: Uint8Array, at: number, state: number, max: number): never {
    const inRequestLine = state === REQ_METHOD || state === REQ_TARGET || state === REQ_VERSION ||
      (state === CR_SEEN && this.#line === START_LINE && this.#mode === "request");
    // A request line that has not ended within the limit means the target is what is long (414).
    if (inRequestLine && bytes[at] !== LF) fail("HPE_URI_OVERFLOW", `Request line exceeds ${max} bytes`, at);
    fail("HPE_HEADER_OVERFLOW", `Header section exceeds ${max} bytes`, at);
  }
}

/** Marks a parse error with the index of the byte that proved it. */
function provenAt(err: unknown, at: number): unknown {
  if (err instanceof HttpParseError) err.bytesParsed = at;
  return err;
}
