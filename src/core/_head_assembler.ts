/**
 * A head (or trailer section) that may arrive in pieces: lexed in place while it lies in one input, and
 * copied into a reusable buffer only when it spans inputs, because the caller may reuse its input buffer
 * once `execute` returns. Used by the message parsers for heads and by the chunked decoder for trailers.
 *
 * @module
 */

import { HeadLexer, type LexLimits, type LexMode } from "./_head_lexer.ts";
import { HeadScratch } from "./_head_scratch.ts";
import { HttpParseError } from "./errors.ts";

/** Lexes a head across inputs (see the module docs); the head's offsets land in `scratch`. */
export class HeadAssembler {
  /** The lexer, for `skipEmptyLines` and `busy`. */
  readonly lexer: HeadLexer;
  /** Where the last head's offsets were recorded; the caller owns it for the connection's life. */
  readonly scratch: HeadScratch = new HeadScratch();
  /** After `feed` found a head: the bytes holding it and its first byte's index there. */
  bytes: Uint8Array = new Uint8Array(0);
  base = 0;
  #buffer: Uint8Array | null = null;
  #buffered = 0;

  /** Creates an assembler for `mode`. */
  constructor(mode: LexMode) {
    this.lexer = new HeadLexer(mode);
  }

  /** True while part of a head is buffered. */
  get started(): boolean {
    return this.#buffered > 0;
  }

  /**
   * Lexes `input[p..]` (p < input.length). Returns the index in `input` just after the head (then `bytes`
   * and `base` locate it), or -1 when all of `input` was taken and the head goes on. Throws
   * `HttpParseError` with `bytesParsed` an index in `input`.
   */
  feed(input: Uint8Array, p: number, limits: LexLimits): number {
    const lexer = this.lexer;
    if (this.#buffered === 0) {
      const end = lexer.lex(input, p, p, input.length, this.scratch, limits);
      if (end === -1) {
        this.#append(input, p, input.length, limits.maxHeaderSize);
        return -1;
      }
      this.bytes = input;
      this.base = p;
      return end;
    }
    const from = this.#buffered;
    // Never more than one byte past the limit: the lexer reports that byte as the overflow.
    const take = Math.min(input.length - p, limits.maxHeaderSize + 1 - from);
    this.#append(input, p, p + take, limits.maxHeaderSize);
    const buffer = this.#buffer as Uint8Array;
    let end: number;
    try {
      end = lexer.lex(buffer, 0, from, from + take, this.scratch, limits);
    } catch (err) {
      if (err instanceof HttpParseError && err.bytesParsed !== undefined) {
        err.bytesParsed = p + err.bytesParsed - from;
      }
      throw err;
    }
    if (end === -1) return -1;
    this.bytes = buffer;
    this.base = 0;
    this.#buffered = 0;
    return p + (end - from);
  }

  /** Forgets the head (and any empty lines before it), ready for the next one. */
  reset(): void {
    this.lexer.reset();
    this.#buffered = 0;
  }

  #append(input: Uint8Array, from: number, to: number, maxHeaderSize: number): void {
    const need = this.#buffered + (to - from);
    if (need === this.#buffered) return;
    let buffer = this.#buffer;
    if (buffer === null || buffer.length < need) {
      const next = new Uint8Array(Math.max(need, Math.min((buffer?.length ?? 512) * 2, maxHeaderSize + 1)));
      if (buffer !== null) next.set(buffer.subarray(0, this.#buffered));
      this.#buffer = buffer = next;
    }
    buffer.set(input.subarray(from, to), this.#buffered);
    this.#buffered = need;
  }
}
