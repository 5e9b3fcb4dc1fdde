/**
 * The chunked transfer coding, decoding side (RFC 9112 section 7.1):
 *
 * ```
 * chunked-body   = *chunk last-chunk trailer-section CRLF
 * chunk          = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 * chunk-size     = 1*HEXDIG
 * last-chunk     = 1*("0") [ chunk-ext ] CRLF
 * chunk-ext      = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )
 * chunk-ext-val  = token / quoted-string
 * ```
 *
 * Theory of operation: a state machine with one step function per state (hyper's `decode.rs` style).
 * Size and extension bytes go through the step functions one at a time; chunk data is handed out in bulk
 * as `subarray` views of the input (never copied); the trailer section goes through the same lexer as a
 * head's fields, with the same rules and limits.
 *
 * Error codes: bad size digit, no digit, more than {@linkcode MAX_CHUNK_SIZE_DIGITS} digits or a size over
 * `Number.MAX_SAFE_INTEGER`, and malformed extensions -> `HPE_INVALID_CHUNK_SIZE`; extensions over the
 * budget of one chunk-size line -> `HPE_CHUNK_EXTENSIONS_OVERFLOW` (413); after chunk data, any byte but CR ->
 * `HPE_CR_EXPECTED` and after that CR any byte but LF -> `HPE_LF_EXPECTED` (a bare LF counts as a missing
 * CR, and is accepted only when `insecure`); trailer problems as for heads, and a field that may not be a
 * trailer (Content-Length, Transfer-Encoding, Host, ...: RFC 9110 section 6.5.1) -> the code of its row in
 * `_trailer_fields.ts`, at its colon, whatever the split.
 *
 * @module
 */

import { CR, HEX_VALUE, HTAB, LF, SEMI, SP, table, TOKEN } from "./_ascii.ts";
import { HttpParseError, type ParseErrorCode } from "./errors.ts";
import { buildFields, decodeHeadText, scanPlainFields } from "./_field_lines.ts";
import { HeadAssembler } from "./_head_assembler.ts";
import type { LexLimits } from "./_head_lexer.ts";
import { checkTrailerNames } from "./_trailer_fields.ts";
import { MAX_CHUNK_EXTENSIONS_SIZE, MAX_CHUNK_SIZE_DIGITS, MAX_FIELDS, MAX_HEADER_SIZE } from "./limits.ts";

/** The decoder's states, named after what the next byte may be. */
export type ChunkedState =
  /** Hex digits of a chunk-size. */
  | "size"
  /** BWS after the size or an extension value; only more BWS or ";" may follow. */
  | "extBws"
  /** BWS after ";", before an extension name. */
  | "extNameBws"
  /** An extension name (token). */
  | "extName"
  /** BWS after an extension name: "=", ";" or more BWS. */
  | "extAfterName"
  /** BWS after "=", before the value. */
  | "extValueBws"
  /** A token extension value. */
  | "extValue"
  /** Inside a quoted-string value. */
  | "extQuoted"
  /** After a backslash inside a quoted-string. */
  | "extQuotedPair"
  /** After the closing quote. */
  | "extAfterQuoted"
  /** After the CR that ends a chunk-size line. */
  | "sizeLf"
  /** Chunk data, `remaining` bytes to go. */
  | "data"
  /** The CR after chunk data. */
  | "dataCr"
  /** The LF after chunk data. */
  | "dataLf"
  /** The trailer section after the last chunk. */
  | "trailers"
  /** The whole chunked body has been read. */
  | "done";

/** Limits for {@linkcode ChunkedDecoder}. */
export interface ChunkedDecoderOptions {
  /** Extension bytes allowed on one chunk-size line. Default {@linkcode MAX_CHUNK_EXTENSIONS_SIZE}. */
  maxChunkExtensionsSize?: number;
  /** Largest trailer section in bytes. Default {@linkcode MAX_HEADER_SIZE}. */
  maxHeaderSize?: number;
  /** Most trailer fields. Default {@linkcode MAX_FIELDS}. */
  maxFields?: number;
  /** Accept bare LF line endings (and lenient trailer fields), as Node's `insecureHTTPParser`. */
  insecure?: boolean;
}

/** Receives chunk data: a view of the input, valid only during the call. */
export interface ChunkSink {
  /** One piece of chunk data. */
  onData(chunk: Uint8Array): void;
}

/** qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text (RFC 9110 section 5.6.4). */
const QDTEXT: Uint8Array = table((b) => b === HTAB || (b >= 0x20 && b !== 0x22 && b !== 0x5c && b !== 0x7f));

/** quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text ). */
const QUOTED_PAIR: Uint8Array = table((b) => b === HTAB || (b >= 0x20 && b !== 0x7f));

const EQUALS = 0x3d;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

function fail(code: ParseErrorCode, message: string): never {
  throw new HttpParseError(code, message);
}

function badExtension(): never {
  fail("HPE_INVALID_CHUNK_SIZE", "Cannot parse chunk extension: invalid byte");
}

/**
 * Incremental decoder for one chunked body at a time. Feed it with {@linkcode ChunkedDecoder.decode}
 * until `done`; then `trailers` holds the raw trailer fields. Call `reset()` before the next body.
 *
 * @example
 * ```ts
 * import { ChunkedDecoder } from "@wire/http/core";
 * const decoder = new ChunkedDecoder();
 * const input = new TextEncoder().encode("5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\nnext");
 * const parts: string[] = [];
 * const stop = decoder.decode(input, 0, { onData: (c) => parts.push(new TextDecoder().decode(c)) });
 * console.log(parts, decoder.done, decoder.trailers, stop); // ["hello"] true ["X-Sum", "1"] 25
 * ```
 */
export class ChunkedDecoder {
  #state: ChunkedState = "size";
  #size = 0;
  #digits = 0;
  #remaining = 0;
  #extensionBytes = 0;
  #trailers: string[] = [];
  /** The trailer section's lexer and buffer, made on the first trailer section that needs them. */
  #trailerHead: HeadAssembler | null = null;
  readonly #maxExtensions: number;
  readonly #insecure: boolean;
  /** Limits for the trailer section, made once rather than per section. */
  readonly #limits: LexLimits;

  /** Creates a decoder ready for a body. */
  constructor(options?: ChunkedDecoderOptions) {
    this.#maxExtensions = options?.maxChunkExtensionsSize ?? MAX_CHUNK_EXTENSIONS_SIZE;
    this.#insecure = options?.insecure ?? false;
    this.#limits = {
      maxHeaderSize: options?.maxHeaderSize ?? MAX_HEADER_SIZE,
      maxFields: options?.maxFields ?? MAX_FIELDS,
      insecure: this.#insecure,
    };
  }

  /** The current state (for tests and diagnostics). */
  get state(): ChunkedState {
    return this.#state;
  }

  /** True once the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this.#state === "done";
  }

  /** Raw trailer fields (`[name, value, ...]`), complete once `done`. */
  get trailers(): string[] {
    return this.#trailers;
  }

  /** Makes the decoder ready for the next body. */
  reset(): void {
    this.#state = "size";
    this.#size = 0;
    this.#digits = 0;
    this.#remaining = 0;
    this.#extensionBytes = 0;
    this.#trailers = [];
    this.#trailerHead?.reset();
  }

  /**
   * Decodes `input` from `start`, handing chunk data to `sink`. Returns the index where it stopped: the
   * end of `input`, or just after the body's final CRLF (then `done` is true and the rest of `input` is
   * the next message). Keeps no reference to `input` after returning. Throws `HttpParseError`.
   */
  decode(input: Uint8Array, start: number, sink: ChunkSink): number {
    let p = start;
    const end = input.length;
    while (p < end) {
      const state = this.#state;
      if (state === "data") {
        const n = Math.min(this.#remaining, end - p);
        this.#remaining -= n;
        if (this.#remaining === 0) this.#state = "dataCr";
        const view = input.subarray(p, p + n);
        p += n;
        sink.onData(view);
      } else if (state === "trailers") {
        p = this.#trailerSection(input, p);
      } else if (state === "done") {
        return p;
      } else {
        this.#state = this.#step(state, input[p] as number);
        p++;
      }
    }
    return p;
  }

  #step(state: ChunkedState, b: number): ChunkedState {
    switch (state) {
      case "size":
        return this.#readSize(b);
      case "sizeLf":
        return this.#readSizeLf(b);
      case "dataCr":
        return this.#readDataCr(b);
      case "dataLf":
        return this.#readDataLf(b);
      default:
        if (++this.#extensionBytes > this.#maxExtensions) {
          fail("HPE_CHUNK_EXTENSIONS_OVERFLOW", `Chunk extensions exceed ${this.#maxExtensions} bytes`);
        }
        return this.#readExtension(state, b);
    }
  }

  /** `chunk-size = 1*HEXDIG`, then an extension, CRLF, or (insecure) a bare LF. */
  #readSize(b: number): ChunkedState {
    const hex = HEX_VALUE[b] as number;
    if (hex !== 0) {
      if (++this.#digits > MAX_CHUNK_SIZE_DIGITS) {
        fail("HPE_INVALID_CHUNK_SIZE", "Chunk size has too many digits");
      }
      this.#size = this.#size * 16 + (hex - 1);
      if (this.#size > Number.MAX_SAFE_INTEGER) fail("HPE_INVALID_CHUNK_SIZE", "Chunk size is too large");
      return "size";
    }
    if (this.#digits === 0) fail("HPE_INVALID_CHUNK_SIZE", "Cannot parse chunk size: no digits");
    if (b === CR) return "sizeLf";
    if (b === LF) return this.#bareLf();
    if (b === SEMI || b === SP || b === HTAB) {
      if (++this.#extensionBytes > this.#maxExtensions) {
        fail("HPE_CHUNK_EXTENSIONS_OVERFLOW", `Chunk extensions exceed ${this.#maxExtensions} bytes`);
      }
      return b === SEMI ? "extNameBws" : "extBws";
    }
    fail("HPE_INVALID_CHUNK_SIZE", "Cannot parse chunk size: invalid byte");
  }

  /** A bare LF ending a chunk-size line: strict parsers want CRLF (RFC 9112 section 2.2). */
  #bareLf(): ChunkedState {
    if (!this.#insecure) fail("HPE_CR_EXPECTED", "Cannot parse chunk size line: LF not preceded by CR");
    return this.#afterSizeLine();
  }

  #readSizeLf(b: number): ChunkedState {
    if (b !== LF) fail("HPE_LF_EXPECTED", "Cannot parse chunk size line: CR not followed by LF");
    return this.#afterSizeLine();
  }

  #afterSizeLine(): ChunkedState {
    // The budget is per chunk-size line, as Node's (each line's extensions are checked and forgotten, so
    // many lines hold no more memory than one).
    this.#extensionBytes = 0;
    if (this.#size === 0) return "trailers";
    this.#remaining = this.#size;
    return "data";
  }

  /** Every extension state: validated byte by byte, then forgotten (we implement no extension). */
  #readExtension(state: ChunkedState, b: number): ChunkedState {
    const ws = b === SP || b === HTAB;
    switch (state) {
      case "extBws":
        if (ws) return "extBws";
        if (b === SEMI) return "extNameBws";
        break;
      case "extNameBws":
        if (ws) return "extNameBws";
        if (TOKEN[b] === 1) return "extName";
        break;
      case "extName":
        if (TOKEN[b] === 1) return "extName";
        if (ws) return "extAfterName";
        if (b === EQUALS) return "extValueBws";
        if (b === SEMI) return "extNameBws";
        return this.#lineEnd(b);
      case "extAfterName":
        if (ws) return "extAfterName";
        if (b === EQUALS) return "extValueBws";
        if (b === SEMI) return "extNameBws";
        break;
      case "extValueBws":
        if (ws) return "extValueBws";
        if (b === DQUOTE) return "extQuoted";
        if (TOKEN[b] === 1) return "extValue";
        break;
      case "extValue":
        if (TOKEN[b] === 1) return "extValue";
        if (ws) return "extBws";
        if (b === SEMI) return "extNameBws";
        return this.#lineEnd(b);
      case "extQuoted":
        if (b === DQUOTE) return "extAfterQuoted";
        if (b === BACKSLASH) return "extQuotedPair";
        if (QDTEXT[b] === 1) return "extQuoted";
        break;
      case "extQuotedPair":
        if (QUOTED_PAIR[b] === 1) return "extQuoted";
        break;
      case "extAfterQuoted":
        if (ws) return "extBws";
        if (b === SEMI) return "extNameBws";
        return this.#lineEnd(b);
    }
    badExtension();
  }

  /** The end of a chunk-size line after an extension name or value. */
  #lineEnd(b: number): ChunkedState {
    if (b === CR) return "sizeLf";
    if (b === LF) return this.#bareLf();
    badExtension();
  }

  /** "chunk-data CRLF": anything but CR after the data is an error (a bare LF counts as a missing CR). */
  #readDataCr(b: number): ChunkedState {
    if (b === CR) return "dataLf";
    if (b === LF && this.#insecure) return this.#nextChunk();
    fail("HPE_CR_EXPECTED", "Cannot parse chunk: data not followed by CRLF");
  }

  #readDataLf(b: number): ChunkedState {
    if (b !== LF) fail("HPE_LF_EXPECTED", "Cannot parse chunk: CR not followed by LF");
    return this.#nextChunk();
  }

  #nextChunk(): ChunkedState {
    this.#size = 0;
    this.#digits = 0;
    return "size";
  }

  /**
   * `trailer-section = *( field-line CRLF )` then CRLF, lexed with the head's field rules and limits (so a
   * bad trailer fails at its first bad byte), and without the fields that may not be trailers (RFC 9110
   * section 6.5.1; see `_trailer_fields.ts`), which fail at their colon at every split. The common empty case costs two bytes; a section that
   * arrives whole and plain takes the one-pass check; only a section split across inputs is copied.
   */
  #trailerSection(input: Uint8Array, p: number): number {
    const trailers = this.#trailerHead ??= new HeadAssembler("trailers");
    const scratch = trailers.scratch;
    const limits = this.#limits;
    let bytes = input;
    let base = p;
    let end = -1;
    if (!trailers.started) {
      if (input[p] === CR && input[p + 1] === LF) {
        this.#trailers = [];
        this.#state = "done";
        return p + 2;
      }
      scratch.reset();
      end = scanPlainFields(
        input,
        p,
        p,
        Math.min(input.length, p + limits.maxHeaderSize),
        limits.maxFields,
        scratch,
      );
      scratch.headEnd = end - p;
      // The lexer checks each name at its colon; a section scanned whole is checked here, the same way.
      if (end !== -1) checkTrailerNames(input, p, scratch);
    }
    if (end === -1) {
      end = trailers.feed(input, p, limits);
      if (end === -1) return input.length;
      bytes = trailers.bytes;
      base = trailers.base;
      trailers.reset();
    }
    const raw: string[] = [];
    buildFields(decodeHeadText(bytes, base, base + scratch.headEnd, scratch.orBits < 0x80), raw, scratch);
    this.#trailers = raw;
    this.#state = "done";
    return end;
  }
}
